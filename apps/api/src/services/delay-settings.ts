import {
  type Database,
  type DelaySettings,
  type DelayValues,
  findSenderDelayOverrides,
  getDelaySettings,
  type SenderDelayChanges,
  setSenderDelayOverrides,
  updateDelaySettings,
} from '@herald/db';
import { validationError } from '@herald/domain';
import type { Kysely } from 'kysely';

type Source<T> = { from: string; value: T | undefined };

/**
 * Merges one setting given in several places (JSON body, query string). Either may be used; when
 * both are, they must agree, since silently preferring one hides a client bug.
 */
function pick<T>(name: string, sources: Source<T>[]): T | undefined {
  const given = sources.filter((s) => s.value !== undefined);
  const [first] = given;
  if (!first) return undefined;
  const differing = given.find((s) => s.value !== first.value);
  if (differing) {
    throw validationError('CONFLICTING_DELAYS', `${name} is given twice with different values`, {
      [first.from]: first.value,
      [differing.from]: differing.value,
    });
  }
  return first.value;
}

export interface GlobalDelayInput {
  body?:
    | { MESSAGE_DELAY?: number | undefined; SENDER_SWITCH_DELAY?: number | undefined }
    | undefined;
  query: { message_delay?: number | undefined; sender_switch_delay?: number | undefined };
}

/** Sets the global delays from the body (guide) and/or the query string (earlier clients). */
export function setGlobalDelays(
  db: Kysely<Database>,
  input: GlobalDelayInput,
): Promise<DelaySettings> {
  const changes: Partial<DelayValues> = {};
  const message = pick('MESSAGE_DELAY', [
    { from: 'body.MESSAGE_DELAY', value: input.body?.MESSAGE_DELAY },
    { from: 'query.message_delay', value: input.query.message_delay },
  ]);
  const switching = pick('SENDER_SWITCH_DELAY', [
    { from: 'body.SENDER_SWITCH_DELAY', value: input.body?.SENDER_SWITCH_DELAY },
    { from: 'query.sender_switch_delay', value: input.query.sender_switch_delay },
  ]);
  if (message !== undefined) changes.message_delay = message;
  if (switching !== undefined) changes.sender_switch_delay = switching;
  if (message === undefined && switching === undefined)
    throw nothingToChange('MESSAGE_DELAY or SENDER_SWITCH_DELAY');
  return updateDelaySettings(db, changes);
}

export interface SenderDelays {
  sender_number: string;
  /** Whether Herald has a row for this sender (a session, a campaign or overrides). */
  known: boolean;
  effective: DelayValues;
  overrides: { message_delay: number | null; sender_switch_delay: number | null };
  updated_at: Date | null;
}

/**
 * A sender's delays: the overrides stored on its row and what applies (override, else global).
 * An unknown sender simply has no overrides, so it gets the global values rather than a 404:
 * the answer is still what the dispatcher would use for that number.
 */
export async function getSenderDelays(db: Kysely<Database>, sender: string): Promise<SenderDelays> {
  const [global, row] = await Promise.all([
    getDelaySettings(db),
    findSenderDelayOverrides(db, sender),
  ]);
  return toSenderDelays(sender, global, row ?? null);
}

export interface SenderDelayInput {
  body?: SenderDelayChanges | undefined;
  query: SenderDelayChanges;
}

/** Sets or clears (null) a sender's overrides; omitted ones stay as they are. */
export async function setSenderDelays(
  db: Kysely<Database>,
  sender: string,
  input: SenderDelayInput,
): Promise<SenderDelays> {
  const changes: SenderDelayChanges = {
    message_delay: pick('message_delay', [
      { from: 'body.message_delay', value: input.body?.message_delay },
      { from: 'query.message_delay', value: input.query.message_delay },
    ]),
    sender_switch_delay: pick('sender_switch_delay', [
      { from: 'body.sender_switch_delay', value: input.body?.sender_switch_delay },
      { from: 'query.sender_switch_delay', value: input.query.sender_switch_delay },
    ]),
  };
  if (changes.message_delay === undefined && changes.sender_switch_delay === undefined) {
    throw nothingToChange('message_delay or sender_switch_delay');
  }
  const row = await setSenderDelayOverrides(db, sender, changes);
  return toSenderDelays(sender, await getDelaySettings(db), row);
}

function toSenderDelays(
  sender: string,
  global: DelaySettings,
  row: {
    message_delay: number | null;
    sender_switch_delay: number | null;
    updated_at: Date;
  } | null,
): SenderDelays {
  const overrides = {
    message_delay: row?.message_delay ?? null,
    sender_switch_delay: row?.sender_switch_delay ?? null,
  };
  return {
    sender_number: sender,
    known: row !== null,
    effective: {
      message_delay: overrides.message_delay ?? global.message_delay,
      sender_switch_delay: overrides.sender_switch_delay ?? global.sender_switch_delay,
    },
    overrides,
    updated_at: row?.updated_at ?? null,
  };
}

const nothingToChange = (names: string) =>
  validationError('NO_DELAYS_GIVEN', `Give ${names} (JSON body or query string)`);
