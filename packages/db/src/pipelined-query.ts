import pg from 'pg';

/** The parts of pg's protocol writer and of its `Query` that pipelining statements around a query uses. */
interface ProtocolWriter {
  parse(message: { text: string; name?: string }): void;
  bind(message?: object): void;
  execute(message?: object): void;
  sync(): void;
}
interface QueryParts {
  prepare(connection: ProtocolWriter): void;
  handleCommandComplete(message: unknown, connection: ProtocolWriter): void;
}

export interface QueryRequest {
  text: string;
  values: unknown[];
  /** The statement's name on this connection, if it is prepared. */
  name?: string;
}

/** Statements without parameters or rows (BEGIN, SET) to run just before and just after a query. */
export interface Neighbours {
  before: readonly string[];
  after: readonly string[];
}

/**
 * Runs `request` on `client` with the statements `before` written just before it and `after` just
 * after it, in the same write and under one Sync: one round trip for all. Postgres runs them in
 * order and stops at the first error: a failed statement before fails the query, and a failed
 * query skips those after (inside a transaction, which it leaves open and aborted for the
 * caller's ROLLBACK, as after any failed statement). The query answers as if it had run alone.
 */
export function queryBetween(
  client: pg.ClientBase,
  request: QueryRequest,
  { before, after }: Neighbours,
): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    const query = new pg.Query(
      // Extended protocol even without values: every statement shares its one Sync.
      { ...request, queryMode: 'extended' } as pg.QueryConfig,
      undefined,
      (error: Error | undefined, result: pg.QueryResult) =>
        error ? reject(error) : resolve(result),
    ) as unknown as QueryParts;
    const prepare = query.prepare.bind(query);
    const complete = query.handleCommandComplete.bind(query);
    const write = (connection: ProtocolWriter, texts: readonly string[]) => {
      for (const text of texts) {
        connection.parse({ text });
        connection.bind();
        connection.execute();
      }
    };
    query.prepare = (connection) => {
      write(connection, before);
      // The query's own writes end with its Sync: the statements after go just before it.
      const sync = connection.sync;
      connection.sync = () => {
        connection.sync = sync;
        write(connection, after);
        sync.call(connection);
      };
      try {
        prepare(connection);
      } finally {
        connection.sync = sync;
      }
    };
    // Completions come in order: the query's result is the one after those of `before`.
    let completions = 0;
    query.handleCommandComplete = (message, connection) => {
      if (completions === before.length) complete(message, connection);
      completions += 1;
    };
    client.query(query as unknown as pg.Submittable);
  });
}
