import {
  type Database,
  type DelaySettings,
  type DelayValues,
  findSenderDelays,
  type SenderDelayChanges,
  type SenderDelays,
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
  await setSenderDelayOverrides(db, sender, changes);
  return findSenderDelays(db, sender);
}

const nothingToChange = (names: string) =>
  validationError('NO_DELAYS_GIVEN', `Give ${names} (JSON body or query string)`);
