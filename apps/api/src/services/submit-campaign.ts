import {
  type Campaign,
  type Database,
  enqueueSenderTurn,
  findCampaign,
  findIdempotencyKey,
  findSenderReadiness,
  insertCampaign,
  insertCampaignMedia,
  insertCampaignMessages,
  insertIdempotencyKey,
  lockOrCreateSender,
  type PauseReason,
} from '@herald/db';
import {
  conflict,
  createPhoneNormalizer,
  HeraldError,
  type PreparedMessages,
  prepareMessages,
  type RecipientInput,
  type TemplateVariables,
  validationError,
} from '@herald/domain';
import type { Kysely, Transaction } from 'kysely';
import type { AppDeps } from '../deps.ts';
import { assertCallbackUrlAllowed } from './callback-url.ts';
import { fetchCampaignMedia } from './fetch-media.ts';
import { assertSameRequest, type IdempotencyClaim } from './idempotency.ts';

export interface SubmitCampaignInput {
  sender_number: string;
  template: string;
  variables?: TemplateVariables | null | undefined;
  recipients: RecipientInput[];
  media_url?: string | null | undefined;
  callback_url?: string | null | undefined;
}

export interface SubmittedCampaign {
  campaign: Campaign;
  duplicateRecipients: string[];
  /** True when an Idempotency-Key matched an earlier submit, whose campaign this is. */
  replayed: boolean;
}

const CREATED = 201;

/**
 * Validates a campaign and commits it together with its sender's turn: the campaign row, every
 * message row and the pg-boss job are written in one transaction, so either a dispatcher will
 * pick the campaign up or nothing was written at all.
 */
export async function submitCampaign(
  deps: Pick<AppDeps, 'db' | 'boss' | 'config' | 'userUrls'>,
  input: SubmitCampaignInput,
  idempotency?: IdempotencyClaim,
): Promise<SubmittedCampaign> {
  const { config, db, boss } = deps;
  const normalize = createPhoneNormalizer(config.defaultCountry);
  const sender = normalize(input.sender_number);
  if (sender === null) {
    throw validationError(
      'INVALID_SENDER_NUMBER',
      `"${input.sender_number}" is not a valid phone number`,
      { sender_number: input.sender_number },
    );
  }
  // A retried submit answers before any work, whatever changed since (the session, the limits).
  if (idempotency) {
    const earlier = await replayOf(db, sender, idempotency);
    if (earlier) return earlier;
  }
  if (input.callback_url) {
    await assertCallbackUrlAllowed(input.callback_url, config.clientWebhookAllowPrivate);
  }
  const variables = input.variables ?? {};
  const mediaUrl = input.media_url ?? null;
  // The cheap check first: no recipient list is examined for a sender that cannot send.
  await assertSenderCanSend(deps, sender, mediaUrl !== null);
  const prepared = prepareMessages(
    { template: input.template, variables, recipients: input.recipients, media_url: mediaUrl },
    normalize,
  );
  if (prepared.totalLength > config.maxCampaignText) {
    throw new HeraldError(
      'too_large',
      'CAMPAIGN_TOO_LARGE',
      `The campaign's messages add up to ${prepared.totalLength} characters, more than ${config.maxCampaignText} (MAX_CAMPAIGN_TEXT); split the list`,
      { max: config.maxCampaignText, given: prepared.totalLength },
    );
  }
  // Last of the checks, as the slowest; before the transaction, so no connection waits on it.
  const media = mediaUrl === null ? null : await fetchCampaignMedia(deps, mediaUrl);

  return db.transaction().execute(async (trx): Promise<SubmittedCampaign> => {
    // The sender's row lock serialises its submits: of racing requests with one key, the first
    // inserts, and each later one finds its key here and answers with that campaign.
    await lockOrCreateSender(trx, sender);
    if (idempotency) {
      const earlier = await replayOf(trx, sender, idempotency);
      if (earlier) return earlier;
    }
    const created = await insertCampaign(trx, {
      sender_number: sender,
      template: input.template,
      variables,
      media_url: mediaUrl,
      callback_url: input.callback_url ?? null,
      total_messages: prepared.recipients.length,
      duplicates_removed: prepared.duplicatesRemoved,
    });
    if (media) await insertCampaignMedia(trx, created.id, media);
    await insertInBatches(trx, created, prepared);
    if (idempotency) {
      await insertIdempotencyKey(trx, {
        sender_number: sender,
        key: idempotency.key,
        request_hash: idempotency.requestHash,
        campaign_id: created.id,
        response_status: CREATED,
        duplicate_recipients: prepared.duplicateRecipients,
      });
    }
    // Through pg-boss's adapter the job row is part of this transaction. A null id means a turn
    // for this sender is already queued; it will find these messages.
    await enqueueSenderTurn(boss, sender, { db: trx });
    return {
      campaign: created,
      duplicateRecipients: prepared.duplicateRecipients,
      replayed: false,
    };
  });
}

/** The campaign an earlier submit with this key created, or undefined; 422 for another body. */
async function replayOf(
  db: Kysely<Database>,
  sender: string,
  claim: IdempotencyClaim,
): Promise<SubmittedCampaign | undefined> {
  const stored = await findIdempotencyKey(db, sender, claim.key);
  if (!stored) return undefined;
  assertSameRequest(stored, claim);
  const campaign = await findCampaign(db, stored.campaign_id);
  if (!campaign) return undefined;
  return { campaign, duplicateRecipients: stored.duplicate_recipients, replayed: true };
}

/** Rendered text per insert: bounds the memory a campaign of long texts takes to store. */
const BATCH_CHARS = 4_000_000;
const BATCH_ROWS = 10_000;

/** Renders and inserts the messages a batch at a time, in order, inside the caller's transaction. */
async function insertInBatches(
  trx: Transaction<Database>,
  campaign: Campaign,
  prepared: PreparedMessages,
): Promise<void> {
  for (const batch of prepared.batches(BATCH_CHARS, BATCH_ROWS)) {
    await insertCampaignMessages(trx, campaign, batch.recipients, batch.bodies);
  }
}

/** The pause reasons that mean no connected session (rather than a worker that is not usable). */
const NOT_CONNECTED: ReadonlySet<PauseReason | null> = new Set<PauseReason>([
  'NO_SESSION',
  'SESSION_NOT_CONNECTED',
  'NO_WORKER',
]);

/**
 * A campaign needs a CONNECTED session on a worker. Checked before the transaction, so a rejected
 * request writes nothing. A worker that is only disabled or down is accepted: the sender is
 * paused (see `pauseReason`) and sends once it is back, as when a session is lost later.
 */
async function assertSenderCanSend(
  deps: Pick<AppDeps, 'db'>,
  sender: string,
  withMedia: boolean,
): Promise<void> {
  const session = await findSenderReadiness(deps.db, sender);
  if (NOT_CONNECTED.has(session.pause_reason)) {
    throw conflict(
      'SESSION_NOT_CONNECTED',
      `${sender} has no connected WhatsApp session. Connect it first: POST /api/sessions {"phone_number": "${sender}"}, then scan the QR code from GET /api/sessions/${sender}/qr and wait until GET /api/sessions/${sender} reports CONNECTED.`,
      { sender_number: sender, session_status: session.session_status },
    );
  }
  // A worker whose tier is not probed yet gets the benefit of the doubt; WAHA's own refusal
  // would then fail the messages with a clear error code.
  if (withMedia && session.worker_tier === 'CORE') {
    throw conflict(
      'MEDIA_REQUIRES_PLUS',
      `${sender} is served by a WAHA Core worker, which cannot send media. Send text only, or move the session to a WAHA Plus worker.`,
      { sender_number: sender, worker_tier: 'CORE' },
    );
  }
}
