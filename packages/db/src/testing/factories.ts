import { randomBytes } from 'node:crypto';
import { describeMedia, type MessageStatus, type SenderPolicyInput } from '@herald/domain';
import { type Kysely, sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database, NewWorker, Session, Worker } from '../database.ts';
import { type CampaignMedia, insertCampaignMedia } from '../queries/campaign-media.ts';
import { insertCampaign } from '../queries/campaigns.ts';
import { seedDelaySettings, updateDelaySettings } from '../queries/delays.ts';
import { moveCampaignCounters } from '../queries/ledger.ts';
import { insertCampaignMessages, listCampaignMessages } from '../queries/messages.ts';
import { replaceGlobalPolicy, replacePolicyOverride } from '../queries/sender-policy.ts';
import { enqueueSenderTurn } from '../queries/sender-turns.ts';
import { lockOrCreateSender } from '../queries/senders.ts';

/** A registered WAHA worker row (PLUS, healthy, enabled unless overridden); nothing listens at its URL. */
export function makeWorker(
  db: Kysely<Database>,
  overrides: Partial<NewWorker> = {},
): Promise<Worker> {
  const suffix = randomBytes(4).toString('hex');
  return db
    .insertInto('workers')
    .values({
      name: `worker-${suffix}`,
      url: `http://127.0.0.1:9/${suffix}`,
      api_key: `key-${suffix}`,
      tier: 'PLUS',
      healthy: true,
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface SenderOptions {
  /** The worker the session lives on; by default a new one of `tier`. */
  worker?: Worker;
  tier?: NonNullable<Worker['tier']>;
  status?: Session['status'];
}

/**
 * A sender with a session (CONNECTED unless told otherwise) on a worker, as if its QR code had
 * been scanned. The WAHA session is named as WAHA would: `default` on Core, the digits on Plus.
 */
export async function makeConnectedSender(
  db: Kysely<Database>,
  phoneNumber: string,
  options: SenderOptions = {},
): Promise<{ worker: Worker; phoneNumber: string }> {
  const worker = options.worker ?? (await makeWorker(db, { tier: options.tier ?? 'PLUS' }));
  await db.transaction().execute((trx) => lockOrCreateSender(trx, phoneNumber));
  await db
    .insertInto('sessions')
    .values({
      phone_number: phoneNumber,
      worker_id: worker.id,
      waha_session: worker.tier === 'CORE' ? 'default' : phoneNumber,
      status: options.status ?? 'CONNECTED',
      waha_status: 'WORKING',
      me_id: `${phoneNumber}@c.us`,
      connected_at: new Date(),
    })
    .execute();
  return { worker, phoneNumber };
}

/** Sets the global delays (seconds) through the queries the gateway uses. */
export async function setDelaySettings(
  db: Kysely<Database>,
  delays: { messageDelay: number; senderSwitchDelay: number },
): Promise<void> {
  const values = {
    message_delay: delays.messageDelay,
    sender_switch_delay: delays.senderSwitchDelay,
  };
  await seedDelaySettings(db, values);
  await updateDelaySettings(db, values);
}

/**
 * Sets the global sender policy through the same query as the API (test databases start with it
 * off; `{}` turns it off again), optionally with a per-sender override.
 */
export async function setSenderPolicy(
  db: Kysely<Database>,
  policy: SenderPolicyInput,
  overrides: Record<string, SenderPolicyInput> = {},
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await replaceGlobalPolicy(trx, policy);
    for (const [sender, override] of Object.entries(overrides)) {
      await replacePolicyOverride(trx, sender, override);
    }
  });
}

export interface CampaignOptions {
  sender: string;
  recipients: readonly string[];
  /** The rendered text of each message: one for all, or per recipient. */
  body: string | ((recipient: string, index: number) => string);
  mediaUrl?: string | null;
  /** The media stored for it; with a mediaUrl and no media, a few bytes typed by the URL. */
  media?: CampaignMedia;
}

function placeholderMedia(url: string): CampaignMedia {
  const { mimetype, filename } = describeMedia(url);
  return { mimetype, filename, data: Buffer.from(`media of ${url}`) };
}

/**
 * A campaign and its PENDING messages, inserted by the queries POST /api/send uses (without a
 * turn: see `enqueueTurn`).
 */
export async function makeCampaign(
  db: Kysely<Database>,
  options: CampaignOptions,
): Promise<{ id: number; messageIds: number[] }> {
  const bodies = options.recipients.map((recipient, index) =>
    typeof options.body === 'string' ? options.body : options.body(recipient, index),
  );
  const id = await db.transaction().execute(async (trx) => {
    await lockOrCreateSender(trx, options.sender);
    const campaign = await insertCampaign(trx, {
      sender_number: options.sender,
      template: typeof options.body === 'string' ? options.body : 'per-recipient body',
      variables: {},
      media_url: options.mediaUrl ?? null,
      total_messages: options.recipients.length,
      duplicates_removed: 0,
    });
    await insertCampaignMessages(trx, campaign, options.recipients, bodies);
    const media = options.media ?? (options.mediaUrl ? placeholderMedia(options.mediaUrl) : null);
    if (media) await insertCampaignMedia(trx, campaign.id, media);
    return campaign.id;
  });
  const rows = await listCampaignMessages(db, id);
  return { id, messageIds: rows.map((row) => row.id) };
}

export type FinalStatus = Extract<MessageStatus, 'SENT' | 'FAILED' | 'UNKNOWN'>;

/**
 * Moves messages to SENDING or a final status as a dispatcher would have left them (the rows and
 * their campaign's counters in one transaction, through the ledger's own counter moves), without
 * sending anything.
 */
export async function settleMessages(
  db: Kysely<Database>,
  campaignId: number,
  changes: { messageId: number; status: FinalStatus | 'SENDING' }[],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const { messageId, status } of changes) {
      await trx
        .updateTable('messages')
        .set({
          status,
          attempts: 1,
          sending_at: sql`now()`,
          ...(status === 'SENDING' ? {} : { finished_at: sql`now()` }),
          ...(status === 'SENT' ? { sent_at: sql`now()` } : {}),
          ...(status === 'FAILED' || status === 'UNKNOWN'
            ? { error_code: 'TEST', error: `set ${status} by a test` }
            : {}),
        })
        .where('id', '=', messageId)
        .where('campaign_id', '=', campaignId)
        .where('status', '=', 'PENDING')
        .executeTakeFirstOrThrow();
      await moveCampaignCounters(trx, campaignId, 'PENDING', 'SENDING');
      if (status !== 'SENDING') await moveCampaignCounters(trx, campaignId, 'SENDING', status);
    }
  });
}

/** Asks for a turn of this sender, as the gateway does after inserting a campaign. */
export function enqueueTurn(boss: PgBoss, senderNumber: string): Promise<string | null> {
  return enqueueSenderTurn(boss, senderNumber);
}
