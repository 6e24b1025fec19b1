import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** Secrets of the local stack, generated on first run and kept in the git-ignored data folder. */
const LocalSecrets = z.object({
  adminApiKey: z.string().min(16),
  postgresPassword: z.string().min(1),
  emulatorApiKey: z.string().min(1),
});
export type LocalSecrets = z.infer<typeof LocalSecrets>;

export function loadLocalSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, 'local-secrets.json');
  if (existsSync(file)) return readSecrets(file);
  mkdirSync(dataDir, { recursive: true });
  const secrets: LocalSecrets = {
    adminApiKey: randomBytes(24).toString('base64url'),
    postgresPassword: randomBytes(18).toString('base64url'),
    emulatorApiKey: randomBytes(18).toString('base64url'),
  };
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

/** A damaged file stops the start with its path, rather than a key of `undefined` later. */
function readSecrets(file: string): LocalSecrets {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${String(error)}); fix or delete it`);
  }
  const secrets = LocalSecrets.safeParse(parsed);
  if (!secrets.success) {
    const problems = secrets.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(
      `${file} is not a valid secrets file (${problems.join('; ')}); fix or delete it`,
    );
  }
  return secrets.data;
}
