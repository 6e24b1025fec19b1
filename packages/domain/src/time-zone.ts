// Wall-clock arithmetic in an IANA time zone with nothing but Intl: the sender policy's working
// hours and calendar days are local to the policy's zone, while Herald stores instants.

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Building a formatter is slow (it loads zone data); one per zone is kept. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether Intl knows this IANA zone name (`Europe/Paris`, `UTC`). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  /** Seconds since local midnight. */
  secondOfDay: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function localTime(at: Date, timeZone: string): LocalTime {
  // The policies' default zone, read at every status and claim: Date's own UTC fields are exact.
  if (timeZone === 'UTC') {
    return {
      year: at.getUTCFullYear(),
      month: at.getUTCMonth() + 1,
      day: at.getUTCDate(),
      secondOfDay: at.getUTCHours() * 3600 + at.getUTCMinutes() * 60 + at.getUTCSeconds(),
      weekday: at.getUTCDay() === 0 ? 7 : at.getUTCDay(),
    };
  }
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) parts[part.type] = part.value;
  const n = (key: string) => Number(parts[key]);
  return {
    year: n('year'),
    month: n('month'),
    day: n('day'),
    secondOfDay: n('hour') * 3600 + n('minute') * 60 + n('second'),
    weekday: WEEKDAYS[parts.weekday ?? ''] ?? 1,
  };
}

/** The zone's offset from UTC at an instant, in ms (whole seconds). */
function offsetMs(at: Date, timeZone: string): number {
  const t = localTime(at, timeZone);
  const asUtc = Date.UTC(t.year, t.month - 1, t.day) + t.secondOfDay * 1000;
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant of a local date and time. A day may be any count of days past the month's end
 * (Date.UTC normalises it). In a DST gap the later offset applies, so the result is never early.
 */
export function zonedInstant(
  date: { year: number; month: number; day: number },
  secondOfDay: number,
  timeZone: string,
): Date {
  const guess = Date.UTC(date.year, date.month - 1, date.day) + secondOfDay * 1000;
  const first = guess - offsetMs(new Date(guess), timeZone);
  const second = guess - offsetMs(new Date(first), timeZone);
  return new Date(Math.max(first, second));
}

/** A calendar day's number (days since 1970-01-01) of the local date at an instant. */
export function localDayNumber(at: Date, timeZone: string): number {
  const t = localTime(at, timeZone);
  return Math.floor(Date.UTC(t.year, t.month - 1, t.day) / 86_400_000);
}

/** Local midnight starting the day `at` falls in, `plusDays` days later. */
export function startOfLocalDay(at: Date, timeZone: string, plusDays = 0): Date {
  const t = localTime(at, timeZone);
  return zonedInstant({ year: t.year, month: t.month, day: t.day + plusDays }, 0, timeZone);
}
