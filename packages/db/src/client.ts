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
  });
  // The pool re-emits an idle connection's error; the listener above has reported it already.
  pool.on('error', () => {});
  return pool;
}

export function createDb(options: DbOptions | { pool: pg.Pool }): Kysely<Database> {
  const pool = 'pool' in options ? options.pool : createPool(options);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
