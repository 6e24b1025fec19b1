/**
 * The parts of undici the dispatcher uses, in place of undici's index in the dispatcher's bundle
 * (`infra/build-dispatcher.ts` aliases `undici` to this file). The index loads all of undici at
 * start (fetch, WebSocket, caches, mocks, proxy agents), which a dispatcher never runs but pays for
 * in resident memory (BENCHMARKS.md section 11). A name imported from `undici` that is missing
 * here fails the dispatcher's build; source and tests import undici itself.
 */
import type * as Undici from 'undici';
import requestImpl from 'undici/lib/api/api-request.js';
import buildConnectorImpl from 'undici/lib/core/connect.js';
import AgentImpl from 'undici/lib/dispatcher/agent.js';
import ClientImpl from 'undici/lib/dispatcher/client.js';
import DispatcherImpl from 'undici/lib/dispatcher/dispatcher.js';
import PoolImpl from 'undici/lib/dispatcher/pool.js';

// What undici's index does for `request`, the one dispatcher method Herald calls.
DispatcherImpl.prototype.request = requestImpl;

export const Agent = AgentImpl as typeof Undici.Agent;
export const Client = ClientImpl as typeof Undici.Client;
export const Pool = PoolImpl as typeof Undici.Pool;
export const buildConnector = buildConnectorImpl as typeof Undici.buildConnector;
