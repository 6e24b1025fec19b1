export {
  type DispatcherConfig,
  DispatcherConfigSchema,
  loadConfig,
  MAX_CONCURRENCY,
} from './config.ts';
export type { DispatchContext } from './context.ts';
export { type DispatcherDeps, type RunningDispatcher, startDispatcher } from './dispatcher.ts';
export { runSenderTurn, type TurnEnd, type TurnResult } from './jobs/sender-turn.ts';
export { type CallPhase, type OutcomePolicy, outcomeOfError } from './outcome.ts';
export { type PeriodicTask, startPeriodicTasks } from './periodic.ts';
export { type OutgoingMedia, sendCampaignMessage } from './send-message.ts';
export { createSweepTask, type SweepResult, sweepOnce } from './sweeper.ts';
export {
  createKeepaliveTask,
  type KeepaliveOptions,
  type KeepaliveReport,
  keepaliveSessions,
} from './tasks/keepalive-sessions.ts';
export {
  createProbeTask,
  type ProbeOptions,
  type ProbeReport,
  probeDueWorkers,
  startWorkerProbing,
} from './tasks/probe-workers.ts';
export { type ReconcileReport, reconcileWorkerSessions } from './tasks/reconcile-sessions.ts';
