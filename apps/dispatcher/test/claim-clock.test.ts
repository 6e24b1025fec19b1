import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DatabaseClock } from '../src/claim-clock.ts';

// The database's clock runs `offset(t)` ms ahead of this process's at local time t. A reading
// asked at `started` and answered at `answered` carries the database's time at `seenAt` between
// them, cut to the millisecond as a Date is.
type Offset = (local: number) => number;
const constant =
  (ms: number): Offset =>
  () =>
    ms;

function read(offset: Offset, started: number, answered: number, seenAt = started) {
  return { started, answered, stamp: new Date(Math.floor(seenAt + offset(seenAt))) };
}

/** How late each mapping errs (≥ 0 means never early). */
function lateness(clock: DatabaseClock, offset: Offset, at: number) {
  const due = new Date(Math.ceil(at + offset(at)));
  const local = clock.localTimeReaching(due);
  const reached = local + offset(local) - due.getTime();
  const stamped = clock.databaseTimeAfter(at).getTime() - (at + offset(at));
  return { reached, stamped };
}

describe("a dispatcher's view of the database's clock", () => {
  it('maps both ways erring late, whatever the offset and where in a reading its stamp lies', () => {
    for (const ms of [-5_000.4, 0, 7_777.7]) {
      for (const seenAfter of [0, 10, 30]) {
        const clock = new DatabaseClock();
        clock.observe(read(constant(ms), 1_000, 1_030, 1_000 + seenAfter));
        const { reached, stamped } = lateness(clock, constant(ms), 1_500);
        // Late by at most the reading's 30 ms, and 2 ms of whole milliseconds.
        assert.ok(reached >= 0 && reached <= 32, `${ms}/${seenAfter}: reached ${reached}`);
        assert.ok(stamped >= 0 && stamped <= 32, `${ms}/${seenAfter}: stamped ${stamped}`);
      }
    }
  });

  it('is as loose as the quickest recent reading, not as the latest claim', () => {
    const offset = constant(123.4);
    const clock = new DatabaseClock();
    clock.observe(read(offset, 1_000, 1_001, 1_000.5));
    // A claim whose batch took 40 ms, its `now()` stamped as it began.
    clock.observe(read(offset, 1_200, 1_240, 1_200));
    const { reached, stamped } = lateness(clock, offset, 1_300);
    assert.ok(reached >= 0 && reached < 3, `reached ${reached}`);
    assert.ok(stamped >= 0 && stamped < 3, `stamped ${stamped}`);
  });

  it('follows a stepped clock at its next reading, in either direction', () => {
    for (const step of [-1_000, 1_000]) {
      let offset = constant(50);
      const clock = new DatabaseClock();
      clock.observe(read(offset, 1_000, 1_001));
      offset = constant(50 + step);
      clock.observe(read(offset, 1_500, 1_520, 1_510));
      const { reached, stamped } = lateness(clock, offset, 1_600);
      assert.ok(reached >= 0 && reached <= 21, `step ${step}: reached ${reached}`);
      assert.ok(stamped >= 0 && stamped <= 21, `step ${step}: stamped ${stamped}`);
    }
  });

  it('never errs early under a drift within what NTP slews, however the readings come', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    for (const drift of [-500e-6, 0, 400e-6]) {
      const offset: Offset = (t) => 2_000.25 + drift * t;
      const clock = new DatabaseClock();
      let now = 0;
      for (let i = 0; i < 2_000; i++) {
        now += random() * 300;
        const width = random() < 0.2 ? random() * 2 : random() * 60;
        clock.observe(read(offset, now, now + width, now + random() * width));
        now += width;
        for (const ahead of [0, 100, 2_000]) {
          const at = now + ahead;
          const due = new Date(Math.ceil(at + offset(at)));
          const local = clock.localTimeReaching(due);
          assert.ok(local + offset(local) >= due.getTime(), `drift ${drift}: early at ${at}`);
        }
        assert.ok(clock.databaseTimeAfter(now).getTime() >= now + offset(now), 'stamped early');
      }
    }
  });

  it('lets a tight reading go once it is old, for a newer one however loose', () => {
    const offset = constant(0);
    const clock = new DatabaseClock();
    clock.observe(read(offset, 1_000, 1_000.5));
    clock.observe(read(offset, 4_000, 4_050, 4_000));
    // The tight reading is 3 s old: the mapping now errs by the newer reading's 50 ms.
    const { reached } = lateness(clock, offset, 4_100);
    assert.ok(reached >= 49 && reached <= 52, `reached ${reached}`);
  });

  it('refuses to map before any reading', () => {
    const clock = new DatabaseClock();
    assert.throws(() => clock.localTimeReaching(new Date()), /not read yet/);
    assert.throws(() => clock.databaseTimeAfter(0), /not read yet/);
  });
});
