import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pacingSpread } from '../src/pacing-gaps.ts';

const DELAY_MS = 2000;

/** Senders whose first sends fall `phaseMs` apart, each then sending every delay plus `extraMs`. */
function pacedSenders(
  count: number,
  phaseMs: number,
  sends: number,
  extraMs: (round: number) => number = () => 0,
) {
  const times = new Map<string, number[]>();
  for (let s = 0; s < count; s++) {
    const own = [s * phaseMs];
    for (let i = 1; i < sends; i++) own.push((own[i - 1] as number) + DELAY_MS + extraMs(i));
    times.set(`sender-${s}`, own);
  }
  return times;
}

/** The steady rate of `count` senders whose every gap runs `extraMs` long: one send per gap each. */
function assertSteadyRate(spread: ReturnType<typeof pacingSpread>, count: number, extraMs: number) {
  assert.ok(spread.steady);
  assert.ok(Math.abs(spread.steady.rate - (count * 1000) / (DELAY_MS + extraMs)) < 1e-9);
}

describe('the steady part of a pacing run', () => {
  it('gives exactly the offered rate when every sender keeps its delay, however their phases bunch', () => {
    // 100 senders starting within 0.65 s: their sends come in bursts, one per delay.
    const spread = pacingSpread(pacedSenders(100, 6.5, 10), DELAY_MS);
    assert.ok(spread.steady);
    assert.equal(spread.steady.rate, 100 / (DELAY_MS / 1000));
    assert.equal(spread.steady.extra.max, 0);
  });

  it('falls below the offered rate when gaps run long', () => {
    const spread = pacingSpread(
      pacedSenders(100, 6.5, 10, () => 100),
      DELAY_MS,
    );
    assertSteadyRate(spread, 100, 100);
    assert.equal(spread.steady?.extra.p50, 100);
  });

  it('loses to slightly long gaps only what they cost, when the phases sit together', () => {
    // 5 ms late per gap, every sender within 0.1 s: a window of whole delays from the last first
    // send would miss a whole send of each sender whose phase falls just before that.
    assertSteadyRate(
      pacingSpread(
        pacedSenders(100, 1, 10, () => 5),
        DELAY_MS,
      ),
      100,
      5,
    );
  });

  it('has no steady part when a sender sends fewer than twice between the last start and the first end', () => {
    assert.equal(pacingSpread(pacedSenders(100, 15, 2), DELAY_MS).steady, null);
  });
});

describe('the extra gaps of a pacing run by round', () => {
  it("tells each sender's first round from the rounds after", () => {
    // Each sender's second send 40 ms late, as after a start-up burst; the later ones on time.
    const times = pacedSenders(10, 6.5, 5, (round) => (round === 1 ? 40 : 0));
    const { rounds } = pacingSpread(times, DELAY_MS);
    assert.equal(rounds.first?.n, 10);
    assert.equal(rounds.first?.p50, 40);
    assert.equal(rounds.later?.n, 30);
    assert.equal(rounds.later?.max, 0);
  });
});
