import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Secrets of the local stack, generated on first run and kept in the git-ignored data folder. */
export interface LocalSecrets {
  adminApiKey: string;
  postgresPassword: string;
  emulatorApiKey: string;
}

export function loadLocalSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, 'local-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  mkdirSync(dataDir, { recursive: true });
  const secrets: LocalSecrets = {
    adminApiKey: randomBytes(24).toString('base64url'),
    postgresPassword: randomBytes(18).toString('base64url'),
    emulatorApiKey: randomBytes(18).toString('base64url'),
  };
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
