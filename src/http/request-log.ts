/**
 * One log line per request, written when the response ends (or the client goes away):
 * method, path (or the ECR operation), repository, status, error code and why a refused
 * request was refused, duration, bytes in and out. The faces add what only they know
 * (operation, repository, error) with noteRequest(); this middleware runs first.
 *
 * A client that leaves before the answer ends (an NDJSON follower closing its stream,
 * a pull cancelled) is not an error: the line says `aborted`, at the same level.
 */
import type { IncomingMessage } from 'node:http';
import type { Context, Middleware } from 'koa';
import type { Logger } from '../support/logger.ts';

export interface RequestNote {
  /** The ECR operation (CreateRepository, ...), or what a route does (layer download). */
  operation?: string;
  repository?: string;
  /** The error code answered: AWS's exception name, the OCI error code, the admin API's error. */
  error?: string;
  /** Why the request was refused: the message answered with the error. */
  reason?: string;
  requestId?: string;
}

const notes = new WeakMap<IncomingMessage, RequestNote>();

/** Adds what a face knows about the request to its log line. */
export function noteRequest(ctx: Pick<Context, 'req'>, note: RequestNote): void {
  notes.set(ctx.req, { ...notes.get(ctx.req), ...note });
}

/** The repository a /v2 path names (also for requests refused before routing, such as a 401). */
const V2_NAME = /^\/v2\/(.+)\/(?:manifests|blobs|tags|referrers)\//;

/** Signed layer-download tickets are not written to the log. */
const loggedPath = (path: string): string => (path.startsWith('/_ecr/layers/') ? '/_ecr/layers/<ticket>' : path);

/** The readable form (what a terminal shows): `POST CreateRepository team/app -> 400 RepositoryAlreadyExistsException: ... (3.1 ms, 25 B in, 180 B out)`. */
function lineOf(
  r: { method: string; path: string; operation?: string; repository?: string; status: number; errorCode?: string; reason?: string } & {
    ms: number;
    bytesIn: number;
    bytesOut: number;
    aborted?: boolean;
  },
  withRepository: boolean,
): string {
  const what = `${r.operation ?? r.path}${withRepository ? ` ${r.repository}` : ''}`;
  const outcome = `${r.status}${r.errorCode ? ` ${r.errorCode}` : ''}${r.reason ? `: ${r.reason}` : ''}${r.aborted ? ' (the client went away)' : ''}`;
  return `${r.method} ${what} -> ${outcome} (${r.ms} ms, ${r.bytesIn} B in, ${r.bytesOut} B out)`;
}

/** `inner` (the faces), with the request's line written when its response ends. */
export function requestLog(log: Logger, level: 'info' | 'debug', inner: Middleware): Middleware {
  // nothing to gather when the line would not be written (a quiet server pays nothing per request,
  // not even an async step)
  const logged = logRequest(log, level, inner);
  return (ctx, next) => (log.isLevelEnabled(level) ? logged(ctx, next) : inner(ctx, next));
}

function logRequest(log: Logger, level: 'info' | 'debug', inner: Middleware): Middleware {
  return async (ctx, next) => {
    // process.hrtime, not performance.now(): the global `performance` loads node:perf_hooks (~1 ms)
    // on its first use, which was the first request of every start
    const started = process.hrtime.bigint();
    const socket = ctx.req.socket;
    const readAtStart = socket.bytesRead;
    const writtenAtStart = socket.bytesWritten;
    ctx.res.once('close', () => {
      const note = notes.get(ctx.req) ?? {};
      const declaredIn = Number(ctx.get('content-length'));
      const finished = ctx.res.writableFinished;
      const repository = note.repository ?? (ctx.params as { name?: string } | undefined)?.name ?? V2_NAME.exec(ctx.path)?.[1];
      const request = {
        method: ctx.method,
        path: loggedPath(ctx.path),
        ...(note.operation ? { operation: note.operation } : {}),
        ...(repository ? { repository } : {}),
        status: ctx.status,
        ...(note.error ? { errorCode: note.error } : {}),
        ...(note.reason ? { reason: note.reason } : {}),
        ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
        bytesIn: Number.isFinite(declaredIn) && declaredIn > 0 ? declaredIn : Math.max(0, socket.bytesRead - readAtStart),
        bytesOut: ctx.response.length ?? Math.max(0, socket.bytesWritten - writtenAtStart),
        ...(note.requestId ? { requestId: note.requestId } : {}),
        ...(finished ? {} : { aborted: true }),
      };
      log[level]({ request }, lineOf(request, repository !== undefined && note.operation !== undefined));
    });
    await inner(ctx, next);
  };
}
