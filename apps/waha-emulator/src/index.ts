export { startEmulator, startEmulatorFleet } from './emulator.ts';
export type {
  AcceptedFile,
  AcceptedMessage,
  EmulatorEngine,
  EmulatorOptions,
  EmulatorTier,
  Faults,
  FaultSwitches,
  RunningEmulator,
  SessionStatus,
  SessionSummary,
  WebhookDelivery,
  WebhookRetries,
} from './types.ts';
