import { type Env, loadEnv, loggingEnv, postgresUrl } from '@herald/config';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65_535);

/**
 * What `npm start` itself reads; the gateway and the dispatcher parse the same environment with
 * their own schemas.
 */
export const LocalStackConfigSchema = z.object({
  /** Unset: an embedded Postgres in the data folder. */
  DATABASE_URL: postgresUrl.optional(),
  /** Unset: the key generated once and kept in the data folder. */
  ADMIN_API_KEY: z.string().optional(),
  HERALD_DATA_DIR: z.string().default('.data'),
  EMBEDDED_POSTGRES_PORT: port.default(5433),
  EMULATOR_BASE_PORT: port.default(3101),
  /** `auto`: the emulated workers run until real ones are registered. */
  HERALD_EMULATOR: z.enum(['auto', 'on', 'off']).default('auto'),
  ...loggingEnv,
});

export type LocalStackConfig = ReturnType<typeof loadLocalStackConfig>;

export function loadLocalStackConfig(env: Env) {
  return loadEnv(LocalStackConfigSchema, env);
}
