import pg from 'pg';

/** The parts of pg's protocol writer and of its `Query` that folding BEGIN into a query uses. */
interface ProtocolWriter {
  parse(message: { text: string; name?: string }): void;
  bind(message?: object): void;
  execute(message?: object): void;
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

/**
 * Runs `request` on `client` with a BEGIN written just before it, in the same write and under one
 * Sync: one round trip opens the transaction and runs its first statement. Postgres runs the two
 * in order, and stops at the first error: a failed BEGIN fails the query, and a failed query
 * leaves the transaction open and aborted, for the caller's ROLLBACK as after any failed
 * statement. The query answers as if it had run alone.
 */
export function queryOpeningTransaction(
  client: pg.ClientBase,
  request: QueryRequest,
): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    const query = new pg.Query(
      // Extended protocol even without values: the BEGIN and the query share its one Sync.
      { ...request, queryMode: 'extended' } as pg.QueryConfig,
      undefined,
      (error: Error | undefined, result: pg.QueryResult) =>
        error ? reject(error) : resolve(result),
    ) as unknown as QueryParts;
    const prepare = query.prepare.bind(query);
    const complete = query.handleCommandComplete.bind(query);
    let opened = false;
    query.prepare = (connection) => {
      connection.parse({ text: 'BEGIN' });
      connection.bind();
      connection.execute();
      prepare(connection);
    };
    // The first completion is the BEGIN's: the query's result is what follows it.
    query.handleCommandComplete = (message, connection) => {
      if (opened) complete(message, connection);
      opened = true;
    };
    client.query(query as unknown as pg.Submittable);
  });
}
