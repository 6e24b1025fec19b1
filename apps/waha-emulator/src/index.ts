export { startEmulator, startEmulatorFleet } from './emulator.ts';
export type {
  AcceptedFile,
  AcceptedMessage,
  EmulatorEngine,
  EmulatorOptions,
  EmulatorTier,
  FaultSwitches,
  Faults,
  RunningEmulator,
  ScriptedSendFault,
  SessionStatus,
  SessionSummary,
  WebhookDelivery,
  WebhookRetries,
} from './types.ts';
