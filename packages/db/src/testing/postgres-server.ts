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
  if (process.env.HERALD_TEST_NO_CONTAINERS !== 'true') {
    const containerUrl = await startContainer();
    if (containerUrl) return containerUrl;
  }
  return process.env.DATABASE_URL || LOCAL_DEFAULT;
}

async function startContainer(): Promise<string | null> {
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    // testcontainers' reaper removes the container when this process ends.
    return container.getConnectionUri();
  } catch (error) {
    // No container runtime here: this rejects within milliseconds.
    if (/container runtime/i.test(String(error))) return null;
    throw error;
  }
}
