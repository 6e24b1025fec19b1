import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Herald's own schema as `pg_dump --schema-only` prints it, without the lines that change from
 * one server or dump to the next (comments, SET lines), so two dumps of the same migrations compare
 * equal. pg-boss's schema is left out: pg-boss migrates it itself.
 */
export async function dumpSchema(databaseUrl: string): Promise<string> {
  const { stdout } = await run('pg_dump', [
    '--schema-only',
    '--no-owner',
    '--no-privileges',
    '--schema=public',
    '--exclude-table=kysely_migration*',
    databaseUrl,
  ]);
  return normalizeDump(stdout);
}

export function normalizeDump(dump: string): string {
  const lines = dump
    .split('\n')
    .filter(
      (line) => !line.startsWith('--') && !/^(SET|SELECT pg_catalog\.set_config)\b/.test(line),
    )
    .filter((line) => !/^\\(un)?restrict\b/.test(line));
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
