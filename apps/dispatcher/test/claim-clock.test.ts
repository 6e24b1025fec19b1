import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ClaimClock, databaseTimeAfter, localTimeReaching } from '../src/claim-clock.ts';

// The database's clock runs `offset` ms ahead of this process's; a claim asked at local 1,000 ms
// began its transaction `queued` ms later and was answered at local 1,030 ms.
function claimSeen(offset: number, queued: number): ClaimClock {
  return { started: 1_000, answered: 1_030, now: new Date(1_000 + queued + offset) };
}

describe("a claim's view of the database's clock", () => {
  it('maps a database time to a local time no earlier than it, whatever the offset', () => {
    for (const offset of [-5_000, 0, 7_777]) {
      for (const queued of [0, 10, 30]) {
        const clock = claimSeen(offset, queued);
        const due = new Date(5_000 + offset);
        const local = localTimeReaching(clock, due);
        assert.ok(local + offset >= due.getTime(), `${offset}/${queued}: ${local} is too early`);
        assert.ok(local + offset - due.getTime() <= 30, 'late by at most the claim round trip');
      }
    }
  });

  it('maps a local time to a database time no earlier than it', () => {
    for (const offset of [-5_000, 0, 7_777]) {
      for (const queued of [0, 10, 30]) {
        const clock = claimSeen(offset, queued);
        const returned = databaseTimeAfter(clock, 1_500).getTime();
        assert.ok(returned >= 1_500 + offset, `${offset}/${queued}: ${returned} is too early`);
        assert.equal(returned - (1_500 + offset), queued, 'late by the time before its BEGIN');
      }
    }
  });
});
