/**
 * A start-up failure as one line that says what to do: the people who meet it are trying Herald
 * for the first time, and a stack trace tells them nothing.
 */
export function describeStartError(error: unknown): string {
  const err = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (err?.code === 'EADDRINUSE') {
    return `port ${err.port ?? '?'} is already in use: stop what uses it or choose another port (PORT, EMULATOR_BASE_PORT, EMBEDDED_POSTGRES_PORT)`;
  }
  if (err?.code === 'EACCES' && err.syscall?.startsWith('spawn')) {
    return `${err.message}: the file is not executable by the user running it; run "npm run reset" and start again`;
  }
  const message = error instanceof Error ? error.message : String(error);
  // "Invalid configuration:\n  A: …\n  B: …" → "Invalid configuration: A: …; B: …"
  return message.replace(/:\s*\n\s*/, ': ').replace(/\s*\n\s*/g, '; ');
}

/** Prints the one line and exits 1. */
export function failedToStart(what: string, error: unknown): never {
  process.stderr.write(`${what} failed to start: ${describeStartError(error)}\n`);
  process.exit(1);
}
