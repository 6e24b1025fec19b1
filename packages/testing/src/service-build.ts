import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const builds = new Map<string, Promise<void>>();

/** `node infra/build-<service>.ts`, once per process: the bundle the image runs. */
export function buildService(service: 'gateway' | 'dispatcher'): Promise<void> {
  let built = builds.get(service);
  if (!built) {
    built = promisify(execFile)(process.execPath, [`infra/build-${service}.ts`], {
      cwd: ROOT,
    }).then(() => undefined);
    builds.set(service, built);
  }
  return built;
}
