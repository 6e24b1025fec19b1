import { startNodeProcess, waitFor } from '@herald/testing';
import { type ProcMemory, readProcMemory } from './proc.ts';

/** The resident memory of a Node process that does nothing: the floor for any service's. */
export async function emptyNodeMemory(): Promise<ProcMemory> {
  const child = startNodeProcess(['-e', 'setInterval(() => {}, 1000); console.log("ready")'], {
    NODE_OPTIONS: '',
  });
  try {
    await waitFor(() => child.output().includes('ready'), { what: 'an empty Node process' });
    return await readProcMemory(child.child.pid as number);
  } finally {
    await child.kill();
  }
}
