import { spawn } from 'node:child_process';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { failedToStart } from './start-failure.ts';

// Runs a command (the test suite) with DATABASE_URL pointing at a throwaway embedded Postgres,
// for machines that have no Postgres server of their own.
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: with-embedded-postgres.ts <command> [args…]');
  process.exit(2);
}
const postgres = await startEmbeddedPostgres({
  dataDir: '.data/test-postgres',
  port: Number(process.env.EMBEDDED_POSTGRES_PORT ?? 54329),
  // A throwaway cluster on loopback, recreated from this same password each run.
  password: 'herald-test',
  database: 'postgres',
  log: (line) => console.error(line),
}).catch((error: unknown) => failedToStart('the test database', error));
const child = spawn(command, args, {
  stdio: 'inherit',
  env: { ...process.env, DATABASE_URL: postgres.url },
});
// A signal ends the command (a terminal's Ctrl+C reaches it directly); Postgres stops after it.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => child.kill(signal));
}
const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
await postgres.stop();
process.exit(code);
