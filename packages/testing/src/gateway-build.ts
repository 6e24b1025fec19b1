import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type RunningProcess, startNodeProcess } from './process.ts';
import { buildService } from './service-build.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `node infra/build-gateway.ts`, once per process: the bundle the image runs. */
export const buildGateway = () => buildService('gateway');

/**
 * The Node arguments of the gateway as deployed: the image's `CMD` in infra/Dockerfile (the
 * compose file runs the same), without its leading `node`. Read from the file so the bench and
 * the fuzz suite measure whatever flags the image ships.
 */
export async function deployedGatewayArgs(): Promise<string[]> {
  const dockerfile = await readFile(`${ROOT}infra/Dockerfile`, 'utf8');
  const cmd = dockerfile
    .split('\n')
    .filter((line) => line.startsWith('CMD ['))
    .at(-1);
  if (!cmd) throw new Error('infra/Dockerfile has no CMD [...] line');
  const [node, ...args] = JSON.parse(cmd.slice('CMD '.length)) as string[];
  if (node !== 'node') throw new Error(`infra/Dockerfile's CMD does not start with node: ${cmd}`);
  return args;
}

/** The `ENV` settings of infra/Dockerfile's last stage (the runtime's), e.g. MALLOC_ARENA_MAX. */
export async function deployedGatewayEnv(): Promise<Record<string, string>> {
  const dockerfile = await readFile(`${ROOT}infra/Dockerfile`, 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of runtime.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const pair of line.slice('ENV '.length).trim().split(/\s+/)) {
      const [key, value] = pair.split('=');
      if (key && value !== undefined) env[key] = value;
    }
  }
  return env;
}

/**
 * The gateway as the image runs it: built first, then started with the image's Node flags and
 * environment (the caller's `env` on top).
 */
export async function startDeployedGateway(env: Record<string, string>): Promise<RunningProcess> {
  await buildGateway();
  return startNodeProcess(await deployedGatewayArgs(), { ...(await deployedGatewayEnv()), ...env });
}
