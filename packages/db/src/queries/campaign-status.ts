import { type Kysely, sql } from 'kysely';
import type { Campaign, Database } from '../database.ts';
import {
  SENDING_FACT_COLUMNS,
  type SendingFactRow,
  type SendingState,
  sendingFactsOf,
  sendingStateOf,
} from './sending-state.ts';

// A campaign's status page reads the campaign and its sender's state: one statement for both,
// where `findCampaign` and `readSendingState` would take two (three with the policy's counts).

// The two halves of a row are told apart by name, so no campaign column may be a fact's name.
type SharedNames = Extract<keyof Campaign, (typeof SENDING_FACT_COLUMNS)[number]>;
const noSharedNames: [SharedNames] extends [never] ? true : never = true;
void noSharedNames;

export interface CampaignWithSending {
  campaign: Campaign;
  /** Null when its sender has no row (then it cannot send). */
  sending: SendingState | null;
}

/** A campaign by id (with `senderNumber`, only that sender's) and its sender's sending state. */
export async function findCampaignWithSending(
  db: Kysely<Database>,
  id: number,
  senderNumber?: string,
): Promise<CampaignWithSending | undefined> {
  const { rows } = await sql<Campaign & Partial<SendingFactRow>>`
    SELECT c.*, f.* FROM campaigns c
    LEFT JOIN LATERAL (${sendingFactsOf(sql`c.sender_number`)}) f ON true
    WHERE c.id = ${id}
      ${senderNumber === undefined ? sql`` : sql`AND c.sender_number = ${senderNumber}`}`.execute(
    db,
  );
  const row = rows[0];
  if (!row) return undefined;
  const campaign: Record<string, unknown> = { ...row };
  for (const column of SENDING_FACT_COLUMNS) delete campaign[column];
  const sending = row.phone_number == null ? null : await sendingStateOf(db, row as SendingFactRow);
  return { campaign: campaign as unknown as Campaign, sending };
}
