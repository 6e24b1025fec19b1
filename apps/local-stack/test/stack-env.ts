import { freePort, freePortRange } from '@herald/testing';

/**
 * The environment of `npm start` with nothing configured, on free ports and its own data folder:
 * the stack must choose its own database and admin key.
 */
export async function unconfiguredStackEnv(
  dataDir: string,
  port: number,
): Promise<Record<string, string>> {
  return {
    HERALD_DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    EMULATOR_BASE_PORT: String(await freePortRange(3)),
    DATABASE_URL: '',
    ADMIN_API_KEY: '',
    HOST: '',
    LOG_FILE: '',
    LOG_LEVEL: 'warn',
  };
}
