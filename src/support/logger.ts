import { pino, type Logger } from 'pino';

export type { Logger };

/** The emulator's logger: JSON lines on stderr; `silent` for tests. */
export function createLogger(level: string = process.env.ECR_REWIND_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: undefined }, pino.destination(2));
}
