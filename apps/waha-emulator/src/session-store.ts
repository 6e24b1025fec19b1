import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Pairing, SessionRecord } from './session-machine.ts';

/** What a worker keeps of a session across restarts, as WAHA keeps it in its local store. */
export interface StoredSession {
  name: string;
  config: Record<string, unknown> | null;
  pairing: Pairing | null;
  /** Running when the worker went down: restarted at boot (WAHA_WORKER_RESTART_SESSIONS). */
  running: boolean;
}

/**
 * One JSON file per worker (`<dir>/worker-<port>.json`), rewritten whole on every change: a
 * worker holds few sessions, and a rename never leaves half a file behind.
 */
export class SessionStore {
  private readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  load(): StoredSession[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const parsed = JSON.parse(text) as { sessions?: StoredSession[] };
    return Array.isArray(parsed.sessions) ? parsed.sessions : [];
  }

  save(records: SessionRecord[]): void {
    const sessions: StoredSession[] = records.map((r) => ({
      name: r.name,
      config: r.config,
      pairing: r.pairing,
      running: r.run !== null,
    }));
    mkdirSync(dirname(this.file), { recursive: true });
    const partial = `${this.file}.${process.pid}.tmp`;
    writeFileSync(partial, `${JSON.stringify({ sessions }, null, 2)}\n`, { mode: 0o600 });
    renameSync(partial, this.file);
  }
}
