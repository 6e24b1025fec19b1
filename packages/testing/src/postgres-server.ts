/**
 * Where test databases live: a throwaway testcontainers Postgres when a Docker engine answers,
 * otherwise the server named by DATABASE_URL (CI and machines without Docker), otherwise the
 * local default. The answer is computed once per test process.
 */
const LOCAL_DEFAULT = 'postgres://postgres@127.0.0.1:5432/postgres';

let serverUrl: Promise<string> | undefined;

export function postgresServerUrl(): Promise<string> {
  serverUrl ??= resolveServerUrl();
  return serverUrl;
}

async function resolveServerUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  if (process.env.HERALD_TEST_NO_CONTAINERS !== 'true') {
    try {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:16-alpine').start();
      // Stopped with the test process; testcontainers' reaper removes it if we die.
      return container.getConnectionUri();
    } catch (error) {
      // No container runtime here: rejects within milliseconds. Fall through to a local server.
      if (!/container runtime/i.test(String(error))) throw error;
    }
  }
  return LOCAL_DEFAULT;
}
