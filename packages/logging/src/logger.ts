import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import winston from 'winston';

export type Logger = winston.Logger;

export interface LoggerOptions {
  /** `error` … `debug`; default `info`. */
  level?: string;
  /**
   * JSON-lines file, rotated by size; default `./logs/whatsapp_backend.log`. An empty string
   * disables the file. Give each process its own: two writers of one file break its rotation.
   */
  file?: string;
  /** Names the process in every line (`api`, `dispatcher`, …). */
  service: string;
  /**
   * Also log to the console (default true): readable colour lines on stderr at a terminal, JSON
   * lines on stdout otherwise (a container's log, a pipe), never colour codes in a file.
   */
  console?: boolean;
}

export const DEFAULT_LOG_FILE = './logs/whatsapp_backend.log';

/** Size rotation: the current file keeps its name; older ones become `.1` … `.4`. */
const ROTATE_BYTES = 20 * 1024 * 1024;
const ROTATE_FILES = 5;

// Keys whose values are secrets wherever they appear in a log line's metadata.
const SECRET_KEY = /api[-_]?key|token|secret|password|hmac|authorization/i;

/** Replaces secret-looking fields, at any depth, with a marker; a last line of defence. */
const redactSecrets = winston.format((info) => redact(info) as winston.Logform.TransformableInfo);

function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string | symbol, unknown> = {};
  for (const key of Reflect.ownKeys(value)) {
    const item = (value as Record<string | symbol, unknown>)[key];
    out[key] =
      typeof key === 'string' && SECRET_KEY.test(key) && item != null
        ? '[redacted]'
        : redact(item, depth + 1);
  }
  return out;
}

export function createLogger(options: LoggerOptions): Logger {
  const file = options.file ?? DEFAULT_LOG_FILE;
  const transports: winston.transport[] = [];
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    transports.push(
      new winston.transports.File({
        filename: file,
        maxsize: ROTATE_BYTES,
        maxFiles: ROTATE_FILES,
        tailable: true,
      }),
    );
  }
  if (options.console ?? true) {
    transports.push(
      process.stderr.isTTY
        ? new winston.transports.Console({
            stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'],
            format: winston.format.combine(winston.format.colorize(), winston.format.simple()),
          })
        : new winston.transports.Console(),
    );
  }
  // winston runs the formats before its transports drop a line below the level: drop it first,
  // so that a line nobody writes costs no redaction, timestamp or JSON.
  const enabledOnly = winston.format((info) => (logger.isLevelEnabled(info.level) ? info : false));
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: { service: options.service },
    format: winston.format.combine(
      enabledOnly(),
      redactSecrets(),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports,
  });
  return logger;
}
