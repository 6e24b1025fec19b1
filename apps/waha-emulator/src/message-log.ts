import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AcceptedMessage } from './types.ts';

/**
 * The accepted messages of a worker, one JSON line each in `<dataDir>/worker-<port>-messages.jsonl`,
 * appended before the send is answered: a worker killed and started again with its data folder
 * still holds every message it accepted, as NOWEB's message store does.
 */
export class MessageLog {
  private readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  load(): AcceptedMessage[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const messages: AcceptedMessage[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        messages.push(JSON.parse(line) as AcceptedMessage);
      } catch {
        // A line cut short by a kill: that message was never answered, nor acked.
      }
    }
    return messages;
  }

  append(message: AcceptedMessage): void {
    mkdirSync(dirname(this.file), { recursive: true });
    appendFileSync(this.file, `${JSON.stringify(message)}\n`, { mode: 0o600 });
  }
}
