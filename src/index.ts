/** ecr-rewind's public API. */
export { startEmulator, type Emulator, type EmulatorOptions } from './emulator.ts';
export {
  resolveConfig,
  registryHostOf,
  DEFAULTS,
  ConfigError,
  type Config,
  type AuthMode,
  type FsyncMode,
  type LogLevel,
  type LogFormat,
} from './config.ts';
export { DomainFailure, type DomainError, type DomainErrorCode } from './domain/errors.ts';
export type { RecordedEvent, DomainEvent, EventType } from './domain/events.ts';
