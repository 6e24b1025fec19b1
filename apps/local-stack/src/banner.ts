import type { RunningEmulator } from '@herald/waha-emulator';

/** A registered worker as the banner lists it. */
export interface WorkerLine {
  url: string;
  name: string;
  healthy: boolean;
}

/** What `npm start` prints once Herald runs: where everything is, and which workers it uses. */
export function describe(stack: {
  url: string;
  adminKey: string;
  emulators: RunningEmulator[];
  /** Why the emulated workers run or not. */
  why: string;
  workers: WorkerLine[];
  database: string;
  dataDir: string;
}): string {
  const { url } = stack;
  const lines = [
    '',
    'Herald is running.',
    `  API            ${url}`,
    `  Dashboard      ${url}/dashboard/   (sign in with the admin key, or as a sender)`,
    `  Swagger UI     ${url}/docs`,
    `  OpenAPI        ${url}/openapi.json`,
    `  Admin key      ${stack.adminKey}   (header X-Admin-API-Key or X-Admin-Token)`,
    `  Database       ${stack.database}`,
    `  Data, logs     ${stack.dataDir}/ (npm run reset deletes it), logs/`,
  ];
  lines.push(
    stack.emulators.length
      ? `  Emulated WAHA  ${stack.emulators.length} Core workers, started because ${stack.why}; the phone is /_emulator on each`
      : `  Emulated WAHA  not started: ${stack.why}`,
  );
  lines.push(`  WAHA workers   ${stack.workers.length} registered:`);
  for (const w of stack.workers) {
    lines.push(`                 ${w.url}  ${w.name}  ${w.healthy ? 'healthy' : 'NOT HEALTHY'}`);
  }
  lines.push('', 'Walkthrough: README.md, "Try it". Stop with Ctrl+C.', '');
  return lines.join('\n');
}
