import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dateRange, HeraldError, parseDateBound } from '../src/index.ts';

const bound = (text: string) => {
  const parsed = parseDateBound(text);
  assert.ok(parsed, `${text} parses`);
  return parsed;
};

describe('date bounds', () => {
  it('reads a date as a whole UTC day and a date-time as an instant (UTC without an offset)', () => {
    assert.deepEqual(parseDateBound('2024-05-01'), {
      at: new Date('2024-05-01T00:00:00Z'),
      dateOnly: true,
      text: '2024-05-01',
    });
    assert.deepEqual(bound('2024-05-01T10:30').at, new Date('2024-05-01T10:30:00Z'));
    assert.deepEqual(bound('2024-05-01T10:30:00+02:00').at, new Date('2024-05-01T08:30:00Z'));
    assert.equal(bound('2024-05-01T10:30:00.123456Z').dateOnly, false);
  });

  it('refuses impossible dates and anything that is not ISO', () => {
    for (const text of [
      '2024-02-30',
      '2024-02-30T10:00',
      '2024-13-01',
      '01/05/2024',
      'today',
      '',
    ]) {
      assert.equal(parseDateBound(text), null, text);
    }
  });

  it('includes the whole end day of a date-only end, and an instant end itself', () => {
    assert.deepEqual(dateRange(bound('2024-05-01'), bound('2024-05-01')), {
      from: new Date('2024-05-01T00:00:00Z'),
      until: new Date('2024-05-02T00:00:00Z'),
      untilInclusive: false,
    });
    assert.deepEqual(dateRange(undefined, bound('2024-05-01T12:00Z')), {
      until: new Date('2024-05-01T12:00:00Z'),
      untilInclusive: true,
    });
    assert.deepEqual(dateRange(undefined, undefined), {});
  });

  it('refuses a start after the end, naming both as written', () => {
    assert.throws(
      () => dateRange(bound('2024-05-02'), bound('2024-05-01T23:00Z')),
      (error: unknown) =>
        error instanceof HeraldError &&
        error.code === 'INVALID_DATE_RANGE' &&
        JSON.stringify(error.details) ===
          JSON.stringify({ start_date: '2024-05-02', end_date: '2024-05-01T23:00Z' }),
    );
  });
});
