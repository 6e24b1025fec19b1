import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';

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
    if (options.preparedStatements) prepareStatements(client, options.preparedStatements);
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

/**
 * Runs `client.query(text, values)` (how Kysely queries) as a named statement, one name per text.
 * Texts beyond `limit` run unnamed, so a stream of distinct texts cannot grow the server's memory.
 */
function prepareStatements(client: pg.PoolClient, limit: number): void {
  const names = new Map<string, string>();
  let prepared = 0;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const named = (text: unknown, values: unknown, callback: unknown) => {
    if (typeof text !== 'string' || !Array.isArray(values) || callback !== undefined) {
      return query(...[text, values, callback].filter((arg) => arg !== undefined));
    }
    let name = names.get(text);
    if (name === undefined && names.size < limit) {
      name = `herald_${prepared++}`;
      names.set(text, name);
    }
    if (name === undefined) return query(text, values);
    // A migration that changes a table's columns under a prepared `SELECT *` (another process
    // deploying) fails it once: the next run prepares the text again, under a new name.
    return (query({ name, text, values }) as Promise<unknown>).catch((error: unknown) => {
      if ((error as { code?: string }).code === RESULT_TYPE_CHANGED) names.delete(text);
      throw error;
    });
  };
  client.query = named as typeof client.query;
}
