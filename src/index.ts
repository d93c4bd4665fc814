/** ecr-rewind's public API. */
export { startEmulator, type Emulator, type EmulatorOptions } from './emulator.ts';
export { resolveConfig, DEFAULTS, type Config, type AuthMode } from './config.ts';
export type { RecordedEvent, DomainEvent, EventType } from './domain/events.ts';
