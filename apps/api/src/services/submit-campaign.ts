import {
  type Campaign,
  enqueueSenderTurn,
  findSenderReadiness,
  findSuppressedRecipients,
  insertCampaign,
  insertCampaignMessages,
  lockOrCreateSender,
  type PauseReason,
} from '@herald/db';
import {
  conflict,
  createPhoneNormalizer,
  HeraldError,
  prepareMessages,
  type RecipientInput,
  type TemplateVariables,
  validationError,
} from '@herald/domain';
import type { AppDeps } from '../deps.ts';

export interface SubmitCampaignInput {
  sender_number: string;
  template: string;
  variables?: TemplateVariables | null | undefined;
  recipients: RecipientInput[];
  media_url?: string | null | undefined;
}

export interface SubmittedCampaign {
  campaign: Campaign;
  duplicateRecipients: string[];
  /** Recipients who opted out of this sender (or of all): reported, not queued. */
  suppressedRecipients: string[];
}

/**
 * Validates a campaign and commits it together with its sender's turn: the campaign row, every
 * message row and the pg-boss job are written in one transaction, so either a dispatcher will
 * pick the campaign up or nothing was written at all.
 */
export async function submitCampaign(
  deps: Pick<AppDeps, 'db' | 'boss' | 'config'>,
  input: SubmitCampaignInput,
): Promise<SubmittedCampaign> {
  const { config, db, boss } = deps;
  if (input.recipients.length > config.maxRecipients) {
    throw new HeraldError(
      'too_large',
      'TOO_MANY_RECIPIENTS',
      `A campaign may have at most ${config.maxRecipients} recipients; split the list`,
      { max: config.maxRecipients, given: input.recipients.length },
    );
  }
  const normalize = createPhoneNormalizer(config.defaultCountry);
  const sender = normalize(input.sender_number);
  if (sender === null) {
    throw validationError(
      'INVALID_SENDER_NUMBER',
      `"${input.sender_number}" is not a valid phone number`,
      { sender_number: input.sender_number },
    );
  }
  const variables = input.variables ?? {};
  const mediaUrl = input.media_url ?? null;
  const prepared = prepareMessages(
    { template: input.template, variables, recipients: input.recipients, media_url: mediaUrl },
    normalize,
  );
  await assertSenderCanSend(deps, sender, mediaUrl !== null);
  const { recipients, bodies, suppressedRecipients } = await withoutSuppressed(
    deps,
    sender,
    prepared,
  );

  const campaign = await db.transaction().execute(async (trx) => {
    await lockOrCreateSender(trx, sender);
    const created = await insertCampaign(trx, {
      sender_number: sender,
      template: input.template,
      variables,
      media_url: mediaUrl,
      total_messages: recipients.length,
      duplicates_removed: prepared.duplicatesRemoved,
    });
    await insertCampaignMessages(trx, created, recipients, bodies);
    // Through pg-boss's adapter the job row is part of this transaction. A null id means a turn
    // for this sender is already queued; it will find these messages.
    await enqueueSenderTurn(boss, sender, { db: trx });
    return created;
  });
  return { campaign, duplicateRecipients: prepared.duplicateRecipients, suppressedRecipients };
}

/** Leaves out recipients who opted out; refuses a campaign with nobody left to send to. */
async function withoutSuppressed(
  deps: Pick<AppDeps, 'db'>,
  sender: string,
  prepared: { recipients: string[]; bodies: string[] },
) {
  const suppressed = await findSuppressedRecipients(deps.db, sender, prepared.recipients);
  if (suppressed.size === 0) return { ...prepared, suppressedRecipients: [] };
  const keep = prepared.recipients.map((recipient) => !suppressed.has(recipient));
  const recipients = prepared.recipients.filter((_, i) => keep[i]);
  if (recipients.length === 0) {
    throw conflict(
      'ALL_RECIPIENTS_SUPPRESSED',
      `Every recipient opted out of ${sender}: nothing to send. See GET /api/suppressions?sender_number=${sender}`,
      { suppressed: suppressed.size },
    );
  }
  return {
    recipients,
    bodies: prepared.bodies.filter((_, i) => keep[i]),
    suppressedRecipients: prepared.recipients.filter((_, i) => !keep[i]),
  };
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
