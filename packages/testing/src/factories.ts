import { randomBytes } from 'node:crypto';
import type { Database, NewWorker, Session, Worker } from '@herald/db';
import { enqueueSenderTurn } from '@herald/db';
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { waitFor } from './wait-for.ts';

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
  await db
    .insertInto('senders')
    .values({ phone_number: phoneNumber })
    .onConflict((oc) => oc.column('phone_number').doNothing())
    .execute();
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

/** Sets the global delays (seconds), creating the settings row if needed. */
export async function setDelaySettings(
  db: Kysely<Database>,
  delays: { messageDelay: number; senderSwitchDelay: number },
): Promise<void> {
  const values = {
    message_delay: delays.messageDelay,
    sender_switch_delay: delays.senderSwitchDelay,
  };
  await db
    .insertInto('delay_settings')
    .values({ id: 1, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
}

export interface CampaignOptions {
  sender: string;
  recipients: readonly string[];
  /** The rendered text of each message: one for all, or per recipient. */
  body: string | ((recipient: string, index: number) => string);
  mediaUrl?: string | null;
}

/**
 * A campaign and its PENDING messages, counters consistent, as the gateway would insert them
 * (without a turn: see `enqueueTurn`).
 */
export async function makeCampaign(
  db: Kysely<Database>,
  options: CampaignOptions,
): Promise<{ id: number; messageIds: number[] }> {
  const bodyOf = (recipient: string, index: number) =>
    typeof options.body === 'string' ? options.body : options.body(recipient, index);
  return db.transaction().execute(async (trx) => {
    const campaign = await trx
      .insertInto('campaigns')
      .values({
        sender_number: options.sender,
        template: typeof options.body === 'string' ? options.body : 'per-recipient body',
        media_url: options.mediaUrl ?? null,
        total_messages: options.recipients.length,
        pending_messages: options.recipients.length,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const rows = await trx
      .insertInto('messages')
      .values(
        options.recipients.map((recipient, index) => ({
          campaign_id: campaign.id,
          sender_number: options.sender,
          recipient,
          body: bodyOf(recipient, index),
        })),
      )
      .returning('id')
      .execute();
    return { id: campaign.id, messageIds: rows.map((row) => row.id) };
  });
}

/** Asks for a turn of this sender, as the gateway does after inserting a campaign. */
export function enqueueTurn(boss: PgBoss, senderNumber: string): Promise<string | null> {
  return enqueueSenderTurn(boss, senderNumber);
}

/** What `linkEmulatorSession` needs of a running WAHA emulator. */
export interface LinkableEmulator {
  url: string;
  apiKey: string | null;
  sessions(): { name: string; status: string }[];
  scan(session: string, phone: string): void;
}

/**
 * Starts a WAHA session on the emulator through its API and scans its QR as `phone`, leaving it
 * WORKING. On Core the session must be `default`.
 */
export async function linkEmulatorSession(
  emulator: LinkableEmulator,
  session: string,
  phone: string,
): Promise<void> {
  const response = await fetch(`${emulator.url}/api/sessions/start`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(emulator.apiKey ? { 'x-api-key': emulator.apiKey } : {}),
    },
    body: JSON.stringify({ name: session }),
  });
  if (!response.ok) {
    throw new Error(
      `starting session ${session} answered ${response.status}: ${await response.text()}`,
    );
  }
  const statusOf = () => emulator.sessions().find((s) => s.name === session)?.status;
  await waitFor(() => statusOf() === 'SCAN_QR_CODE', { what: `session ${session} to show a QR` });
  emulator.scan(session, phone);
  await waitFor(() => statusOf() === 'WORKING', { what: `session ${session} to be WORKING` });
}
