// Column types shared by the table interfaces (`database.ts`, `service-tables.ts`).
import type { ColumnType } from 'kysely';

/** A timestamp the database fills in on insert and we may set later. */
export type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;
/** numeric columns, parsed to numbers by the client's type parser. */
export type Seconds = ColumnType<number, number | string, number | string>;
export type NullableSeconds = ColumnType<
  number | null,
  number | string | null | undefined,
  number | string | null
>;
/** bigint identity columns, parsed to numbers (ids stay far below 2^53). */
export type Id = ColumnType<number, never, never>;
