import type { ScenarioReport } from './scenario.ts';

/** A Markdown table; cells are written as given. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export interface MachineFacts {
  rows: [string, string][];
}

export interface ReportSection {
  name: string;
  title: string;
  seconds: number;
  report?: ScenarioReport;
  error?: string;
}

/** The whole of BENCHMARKS.md. */
export function renderBenchmarks(
  facts: MachineFacts,
  command: string,
  sections: readonly ReportSection[],
): string {
  const parts = [
    '# Herald benchmarks',
    '',
    `Produced by \`${command}\` (apps/bench). Every scenario runs on a fresh database, over real HTTP, ` +
      'with real pg-boss, the real WAHA emulator and quiet loggers; dispatchers and the measured ' +
      'gateway are child processes started exactly as deployed. Numbers come from one run on a shared, ' +
      'noisy machine: read them as orders of magnitude, and compare runs on the same machine only.',
    '',
    '## Machine',
    '',
    table(
      ['fact', 'value'],
      facts.rows.map(([k, v]) => [k, v]),
    ),
    '',
  ];
  sections.forEach((section, index) => {
    parts.push(`## ${index + 1}. \`${section.name}\`: ${section.title}`, '');
    if (section.report) {
      parts.push(section.report.markdown.trim(), '');
      for (const problem of section.report.problems) parts.push(`> **Check failed:** ${problem}`);
      if (section.report.problems.length > 0) parts.push('');
      parts.push(`**Reading:** ${section.report.reading}`, '');
    } else {
      parts.push(`**Failed:** ${section.error ?? 'unknown error'}`, '');
    }
    parts.push(`_Scenario wall time: ${section.seconds.toFixed(1)} s._`, '');
  });
  return `${parts.join('\n').trimEnd()}\n`;
}
