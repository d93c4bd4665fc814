/**
 * One log line per request, written when the response ends (or the client goes away):
 * method, path (or the ECR operation), repository, status, error code and why a refused
 * request was refused, duration, bytes in and out. The faces add what only they know
 * (operation, repository, error) with noteRequest(); this middleware runs first.
 *
 * A client that leaves before the answer ends (an NDJSON follower closing its stream,
 * a pull cancelled) is not an error: the line says `aborted`, at the same level.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
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

/** What a request's log line is made of; the getters are read when its response closes. */
export interface LoggedRequest {
  method: string;
  /** the path, without the query */
  path: string;
  req: IncomingMessage;
  res: ServerResponse;
  status(): number;
  /** the answer's length, when known (else the bytes the socket wrote are counted) */
  length(): number | undefined;
  /** the repository the route named */
  name(): string | undefined;
}

/**
 * Writes `r`'s line when its response closes: what the request log middleware does for Koa's
 * requests, and what the /v2 front lane (oci/front-lane.ts) does for the requests it answers itself.
 */
export function watchRequest(log: Logger, level: 'info' | 'debug', r: LoggedRequest): void {
  // process.hrtime, not performance.now(): the global `performance` loads node:perf_hooks (~1 ms)
  // on its first use, which was the first request of every start
  const started = process.hrtime.bigint();
  const socket = r.req.socket;
  const readAtStart = socket.bytesRead;
  const writtenAtStart = socket.bytesWritten;
  r.res.once('close', () => {
    const note = notes.get(r.req) ?? {};
    const declaredIn = Number(r.req.headers['content-length']);
    const finished = r.res.writableFinished;
    const repository = note.repository ?? r.name() ?? V2_NAME.exec(r.path)?.[1];
    const request = {
      method: r.method,
      path: loggedPath(r.path),
      ...(note.operation ? { operation: note.operation } : {}),
      ...(repository ? { repository } : {}),
      status: r.status(),
      ...(note.error ? { errorCode: note.error } : {}),
      ...(note.reason ? { reason: note.reason } : {}),
      ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
      bytesIn: Number.isFinite(declaredIn) && declaredIn > 0 ? declaredIn : Math.max(0, socket.bytesRead - readAtStart),
      bytesOut: r.length() ?? Math.max(0, socket.bytesWritten - writtenAtStart),
      ...(note.requestId ? { requestId: note.requestId } : {}),
      ...(finished ? {} : { aborted: true }),
    };
    log[level]({ request }, lineOf(request, repository !== undefined && note.operation !== undefined));
  });
}

function logRequest(log: Logger, level: 'info' | 'debug', inner: Middleware): Middleware {
  return async (ctx, next) => {
    watchRequest(log, level, {
      method: ctx.method,
      path: ctx.path,
      req: ctx.req,
      res: ctx.res,
      status: () => ctx.status,
      length: () => ctx.response.length,
      name: () => (ctx.params as { name?: string } | undefined)?.name,
    });
    await inner(ctx, next);
  };
}
