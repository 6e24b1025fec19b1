import { sql } from 'kysely';

const MARK = '/* plan once */';

/**
 * First in a statement's text: each connection plans it once, for every parameter value, instead
 * of again at every run. Postgres keeps a prepared statement's generic plan only when it looks no
 * dearer than a plan made for the values at hand, and counts an array parameter as 10 elements:
 * a batch statement run with fewer (a claim for 8 senders) is planned anew each time: a tenth to a
 * fifth of Postgres's CPU at zero delay (BENCHMARKS.md section 3). Only for statements with their
 * constants in the text: a plan made for every value cannot use a partial index through a
 * parameter (`status = $1` never matches an index `WHERE status = 'SENDING'`).
 */
export const planOnce = sql.raw(MARK);

/** Whether a statement's text asks to be planned once (`planOnce`). */
export const plansOnce = (text: string) => text.startsWith(MARK);

/** Around such a statement: `plan_cache_mode` for it alone (rolled back with a failed transaction). */
export const PLANNED_ONCE = {
  before: ['SET plan_cache_mode = force_generic_plan'],
  after: ['RESET plan_cache_mode'],
} as const;
