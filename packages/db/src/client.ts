import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';
import { queryBetween } from './pipelined-query.ts';
import { PLANNED_ONCE, plansOnce } from './plan-once.ts';

// int8 (ids, counts) and numeric (delays) arrive as strings by default. Ids stay far below 2^53
// and delays are small decimals, so numbers are safe and far easier to use.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number.parseFloat(v));

export interface DbOptions {
  connectionString: string;
  /** Pool size; one dispatcher or gateway rarely needs more than a handful. */
  max?: number;
  applicationName?: string;
  /** Told when a connection breaks (the server restarted or went away). */
  onConnectionError?: (error: Error) => void;
  /**
   * Each connection prepares the statements it runs (up to this many distinct texts), so Postgres
   * parses and plans a hot statement once per connection rather than at every run. Default 0: off.
   */
  preparedStatements?: number;
}

export function createPool(options: DbOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'herald',
  });
  // A connection the server closes emits 'error', and an unheard 'error' crashes the process. The
  // pool listens only while a connection is idle (and drops it); a connection checked out for a
  // query or transaction gets this listener too, since that query rejects with the same error.
  // A pool that is ending lets its connections go; a server stopping at that moment (the
  // embedded Postgres after the gateway at `npm start`'s Ctrl+C) is not a lost connection.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      if (!pool.ending) options.onConnectionError?.(error);
    });
    streamlineQueries(client, options.preparedStatements ?? 0);
  });
  // The pool re-emits an idle connection's error; the listener above has reported it already.
  pool.on('error', () => {});
  return pool;
}

export function createDb(options: DbOptions | { pool: pg.Pool }): Kysely<Database> {
  const pool = 'pool' in options ? options.pool : createPool(options);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Postgres' `cached plan must not change result type` (feature_not_supported). */
const RESULT_TYPE_CHANGED = '0A000';

/** What Kysely's `transaction()` sends around the statements it runs. */
const BEGIN = 'begin';
const TRANSACTION_ENDS = new Set(['commit', 'rollback']);

/**
 * Runs `client.query(text, values)` (how Kysely queries) in fewer round trips:
 * - A plain BEGIN is held back and written with the transaction's first statement, one round trip
 *   for both (`queryBetween`); a transaction that ends before any statement sends nothing at all.
 *   (Like a BEGIN sent at once, a held one lasts until its COMMIT or ROLLBACK.)
 * - A statement that asks to be planned once (`planOnce`) is written between the settings that
 *   make it so, in the same round trip.
 * - With `limit`, each text runs as a named statement, one name per text, so Postgres parses and
 *   plans it once per connection. Texts beyond `limit` run unnamed, so a stream of distinct texts
 *   cannot grow the server's memory.
 */
function streamlineQueries(client: pg.PoolClient, limit: number): void {
  const names = new Map<string, string>();
  /** Names sent at least once on this connection: Postgres has parsed them or refused to. */
  const sent = new Set<string>();
  let prepared = 0;
  let beginHeld = false;
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<pg.QueryResult>;
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (name === undefined && names.size < limit) {
      name = `herald_${prepared++}`;
      names.set(text, name);
    }
    return name;
  };
  const streamlined = (text: unknown, values: unknown, callback: unknown) => {
    if (typeof text !== 'string' || !Array.isArray(values) || callback !== undefined) {
      return query(...[text, values, callback].filter((arg) => arg !== undefined));
    }
    if (text === BEGIN && !beginHeld) {
      beginHeld = true;
      return Promise.resolve(answered('BEGIN'));
    }
    if (beginHeld && TRANSACTION_ENDS.has(text)) {
      beginHeld = false;
      return Promise.resolve(answered(text.toUpperCase()));
    }
    const name = nameOf(text);
    const opening = beginHeld;
    beginHeld = false;
    const firstRun = name !== undefined && !sent.has(name);
    if (name !== undefined) sent.add(name);
    const request = { text, values, ...(name === undefined ? {} : { name }) };
    const once = plansOnce(text);
    const before = [...(opening ? [BEGIN] : []), ...(once ? PLANNED_ONCE.before : [])];
    const answer =
      before.length > 0
        ? queryBetween(client, request, { before, after: once ? PLANNED_ONCE.after : [] })
        : query(request);
    if (name === undefined) return answer;
    // A migration that changes a table's columns under a prepared `SELECT *` (another process
    // deploying) fails it once: the next run prepares the text again, under a new name. So does a
    // first run sent after other statements that fails: their parse may have marked it parsed
    // when its own parse failed. (A later failure, a constraint say, leaves the prepared text alone.)
    return answer.catch((error: unknown) => {
      const reparse = before.length > 0 && firstRun;
      if (reparse || (error as { code?: string }).code === RESULT_TYPE_CHANGED) names.delete(text);
      throw error;
    });
  };
  client.query = streamlined as typeof client.query;
}

/** The answer of a statement that was never sent (a held BEGIN, or the end of an empty transaction). */
function answered(command: string): pg.QueryResult {
  return { command, rowCount: null, oid: 0, fields: [], rows: [] };
}
