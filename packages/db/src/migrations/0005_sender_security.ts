import { type Kysely, sql } from 'kysely';

// Forward-only. Never import application code here: a migration must mean the same thing forever.
export async function up(db: Kysely<unknown>): Promise<void> {
  // One sender token per number, kept only as its SHA-256; a missing row means "no token in force".
  await sql`
    CREATE TABLE sender_tokens (
      phone_number text PRIMARY KEY REFERENCES senders (phone_number) ON DELETE CASCADE,
      token_sha256 text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);

  // Fixed-window counters shared by every gateway: one row per key, reset when its window moves.
  // Unlogged: no WAL write per request; a crash merely forgets the current windows.
  await sql`
    CREATE UNLOGGED TABLE rate_limits (
      key text PRIMARY KEY,
      window_start timestamptz NOT NULL,
      hits integer NOT NULL
    )
  `.execute(db);

  // Who is opening a number's session right now. A lease rather than a held lock: no pooled
  // connection waits on it, and a crashed opener's claim lapses by itself (unlogged: a database
  // crash forgets claims, whose openers died with their connections anyway).
  await sql`
    CREATE UNLOGGED TABLE session_openings (
      phone_number text PRIMARY KEY,
      owner text NOT NULL,
      expires_at timestamptz NOT NULL
    )
  `.execute(db);
}
