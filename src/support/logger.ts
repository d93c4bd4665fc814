/**
 * The emulator's logger (pino) on stderr: readable lines in local time on a terminal
 * (pino-pretty, loaded only then), one JSON object a line otherwise, so that a log
 * collector or `jq` reads it; `silent` for tests. The start-up line carries its facts
 * under `serving`, each request line under `request` (http/request-log.ts).
 */
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { PrettyOptions } from 'pino-pretty';
import { callerFile } from './module-file.ts';

export type { Logger };

export interface LoggerOptions {
  /** `auto` (the default): pretty when stderr is a terminal, JSON otherwise. */
  format?: 'auto' | 'pretty' | 'json';
  /** Where lines go instead of stderr (tests capture them). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(level: string = process.env.ECR_REWIND_LOG_LEVEL ?? 'info', opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && opts.destination === undefined && process.stderr.isTTY === true);
  const options = { level, base: undefined };
  if (!pretty) return pino(options, opts.destination ?? pino.destination({ fd: 2, sync: true }));
  const prettyStream = createRequire(callerFile())('pino-pretty') as (o: PrettyOptions) => NodeJS.WritableStream;
  return pino(
    options,
    prettyStream({
      destination: opts.destination ?? 2,
      sync: true,
      colorize: opts.destination === undefined && process.stderr.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      // the start-up line and the request lines say in their message what these objects hold
      ignore: 'pid,hostname,serving,request',
      singleLine: true,
    }),
  );
}
