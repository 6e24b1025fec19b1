import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';

export interface RateBucket {
  key: string;
  limit: number;
  windowSeconds: number;
}

export interface RateCount {
  key: string;
  hits: number;
  /** Seconds until this key's window ends. */
  resetsIn: number;
}

/**
 * Counts one hit on each bucket, in one statement, and returns the counts of the current fixed
 * windows. A key's row is reused: a hit in a newer window restarts its count. Keys are written in
 * sorted order, so two requests sharing keys never lock them in opposite orders.
 */
export async function countHits(db: Kysely<Database>, buckets: RateBucket[]): Promise<RateCount[]> {
  if (buckets.length === 0) return [];
  const sorted = [...buckets].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const { rows } = await sql<{ key: string; hits: number; resets_in: number }>`
    WITH input AS (
      SELECT k.key, k.win, k.ord,
             to_timestamp(floor(extract(epoch FROM now()) / k.win) * k.win) AS window_start
      FROM unnest(${sorted.map((b) => b.key)}::text[], ${sorted.map((b) => b.windowSeconds)}::int[])
        WITH ORDINALITY AS k(key, win, ord)
    ), counted AS (
      INSERT INTO rate_limits AS r (key, window_start, hits)
      SELECT key, window_start, 1 FROM input ORDER BY ord
      ON CONFLICT (key) DO UPDATE SET
        hits = CASE WHEN r.window_start = EXCLUDED.window_start THEN r.hits + 1 ELSE 1 END,
        window_start = EXCLUDED.window_start
      RETURNING r.key, r.hits, r.window_start
    )
    SELECT c.key, c.hits,
           extract(epoch FROM c.window_start + make_interval(secs => i.win) - now())::float8
             AS resets_in
    FROM counted c JOIN input i USING (key)`.execute(db);
  return rows.map((r) => ({ key: r.key, hits: r.hits, resetsIn: r.resets_in }));
}

/** The hits a key has in its current window (0 when its window has moved on), without counting one. */
export async function peekHits(
  db: Kysely<Database>,
  key: string,
  windowSeconds: number,
): Promise<RateCount> {
  const { rows } = await sql<{ hits: number; resets_in: number }>`
    SELECT hits,
           extract(epoch FROM window_start + make_interval(secs => ${windowSeconds}) - now())::float8
             AS resets_in
    FROM rate_limits
    WHERE key = ${key}
      AND window_start = to_timestamp(floor(extract(epoch FROM now()) / ${windowSeconds}) * ${windowSeconds})`.execute(
    db,
  );
  const row = rows[0];
  return { key, hits: row?.hits ?? 0, resetsIn: row?.resets_in ?? 0 };
}

/** Drops counters whose window ended long ago (they would restart from 1 anyway). */
export async function pruneRateLimits(db: Kysely<Database>, olderThanSeconds: number) {
  await db
    .deleteFrom('rate_limits')
    .where('window_start', '<', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)
    .execute();
}
