import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Cleanup, createCleanup, withTimeout } from './lifecycle.ts';
import { describeMachine } from './machine.ts';
import { type ReportSection, renderBenchmarks } from './report.ts';
import type { Scenario } from './scenario.ts';
import { chaosScenario } from './scenarios/chaos.ts';
import { emulatorDirectScenario } from './scenarios/emulator-direct.ts';
import { pacingOverheadScenario } from './scenarios/pacing-overhead.ts';
import { pacingScaleScenario } from './scenarios/pacing-scale.ts';
import { pauseLatencyScenario } from './scenarios/pause-latency.ts';
import { probeCostScenario } from './scenarios/probe-cost.ts';
import { readsScenario } from './scenarios/reads.ts';
import { recoveryScenario } from './scenarios/recovery.ts';
import { slowWorkerScenario } from './scenarios/slow-worker.ts';
import { sseFanoutScenario } from './scenarios/sse-fanout.ts';
import { submitScenario } from './scenarios/submit.ts';
import { throughputScenario } from './scenarios/throughput.ts';
import { waitingSendersScenario } from './scenarios/waiting-senders.ts';

const SCENARIOS: Scenario[] = [
  submitScenario,
  readsScenario,
  emulatorDirectScenario,
  pacingOverheadScenario,
  throughputScenario,
  recoveryScenario,
  pauseLatencyScenario,
  slowWorkerScenario,
  sseFanoutScenario,
  waitingSendersScenario,
  chaosScenario,
  probeCostScenario,
  pacingScaleScenario,
];
const FULL_OUTPUT = fileURLToPath(new URL('../../../BENCHMARKS.md', import.meta.url));
const PARTIAL_OUTPUT = fileURLToPath(new URL('../../../BENCHMARKS.partial.md', import.meta.url));

/**
 * `pnpm bench [scenario…]`: runs the named scenarios (all by default). A full run writes
 * BENCHMARKS.md; a partial one writes BENCHMARKS.partial.md, so the committed results always come
 * from one complete run.
 */
async function main(): Promise<number> {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(
      `unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
    return 2;
  }
  const chosen = names.length > 0 ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;
  const command = `${process.env.npm_lifecycle_event === 'bench' ? 'pnpm bench' : 'node --import tsx apps/bench/src/run.ts'}${names.length > 0 ? ` ${names.join(' ')}` : ''}`;

  const machine = await describeMachine();
  for (const [fact, value] of machine.facts.rows) console.log(`${fact}: ${value}`);
  const sections: ReportSection[] = [];
  for (const scenario of chosen) sections.push(await runScenario(scenario));

  const output = chosen.length === SCENARIOS.length ? FULL_OUTPUT : PARTIAL_OUTPUT;
  await writeFile(output, renderBenchmarks(machine.finish(), command, sections));
  console.log(`\nwrote ${output}`);
  const failed = sections.filter((s) => !s.report || s.report.problems.length > 0);
  return failed.length > 0 ? 1 : 0;
}

let active: Cleanup | undefined;

async function runScenario(scenario: Scenario): Promise<ReportSection> {
  console.log(`\n== ${scenario.name}: ${scenario.title}`);
  const log = (line: string) => console.log(`   ${line}`);
  const cleanup = createCleanup();
  active = cleanup;
  const started = performance.now();
  const section: ReportSection = { name: scenario.name, title: scenario.title, seconds: 0 };
  try {
    section.report = await withTimeout(
      scenario.run(cleanup, log),
      scenario.timeoutMs,
      `scenario ${scenario.name}`,
    );
    for (const line of section.report.summary) console.log(` → ${line}`);
    for (const problem of section.report.problems) console.log(` ✗ ${problem}`);
  } catch (error) {
    section.error = error instanceof Error ? error.message : String(error);
    console.log(` ✗ failed: ${section.error}`);
  } finally {
    const errors = await cleanup.run();
    for (const error of errors) console.log(`   cleanup: ${error}`);
    active = undefined;
    section.seconds = (performance.now() - started) / 1000;
  }
  return section;
}

// Ctrl-C must not leave dispatchers running against a database nobody will drop.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: cleaning up`);
    const cleaning = active?.run() ?? Promise.resolve([]);
    cleaning
      .then((errors) => {
        for (const error of errors) console.log(`   cleanup: ${error}`);
      })
      .finally(() => process.exit(130));
  });
}

main().then(
  // Explicit exit: a scenario that timed out may still hold timers or sockets.
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
