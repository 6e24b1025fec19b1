import { validationError } from './errors.ts';

/** One end of a date filter as a client wrote it: a whole UTC day, or an instant. */
export interface DateBound {
  at: Date;
  /** `2024-05-01`: the day, not its first instant. */
  dateOnly: boolean;
  /** As written, for error details. */
  text: string;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const DAY_MS = 86_400_000;

/**
 * Reads `2024-05-01` (a whole UTC day) or an ISO date-time (UTC when it has no offset).
 * Returns null for anything else, including impossible dates such as 2024-02-30.
 */
export function parseDateBound(text: string): DateBound | null {
  if (DATE_ONLY.test(text)) {
    const at = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(at.getTime()) && at.toISOString().startsWith(text)
      ? { at, dateOnly: true, text }
      : null;
  }
  if (!DATE_TIME.test(text)) return null;
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const at = new Date(hasOffset ? text : `${text}Z`);
  if (Number.isNaN(at.getTime())) return null;
  // Date accepts 2024-02-30T10:00Z by rolling over; the calendar day must survive as written.
  if (!hasOffset && !at.toISOString().startsWith(text.slice(0, 10))) return null;
  return { at, dateOnly: false, text };
}

export interface DateRange {
  /** Inclusive. */
  from?: Date;
  /** Exclusive, or inclusive when `untilInclusive`. */
  until?: Date;
  untilInclusive?: boolean;
}

/**
 * The instants a start and an end date select. A date-only end includes that whole day, so
 * 2024-05-01..2024-05-01 is May 1st. A start after the end is a 400 (INVALID_DATE_RANGE).
 */
export function dateRange(start: DateBound | undefined, end: DateBound | undefined): DateRange {
  const range: DateRange = {};
  if (start) range.from = start.at;
  if (end) {
    range.until = end.dateOnly ? new Date(end.at.getTime() + DAY_MS) : end.at;
    range.untilInclusive = !end.dateOnly;
  }
  if (range.from && range.until && range.from > range.until) {
    throw validationError('INVALID_DATE_RANGE', 'start_date is after end_date', {
      start_date: start?.text,
      end_date: end?.text,
    });
  }
  return range;
}
