import type { Cleanup } from './lifecycle.ts';

export interface ScenarioReport {
  /** Markdown of the section: what was measured, how, and the numbers. */
  markdown: string;
  /** One line reading the numbers, e.g. against the machine's raw limits. */
  reading: string;
  /** Lines for the console. */
  summary: string[];
  /** Failed correctness checks: the numbers of a wrong run are not to be trusted. */
  problems: string[];
}

export interface Scenario {
  name: string;
  title: string;
  /** Bound on the run; cleanup comes after it. */
  timeoutMs: number;
  run(cleanup: Cleanup, log: (line: string) => void): Promise<ScenarioReport>;
}
