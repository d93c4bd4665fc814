/**
 * First middleware of the /v2 face: every answer carries the API version
 * header, every failure becomes an OCI error body. Domain errors are mapped by
 * the exhaustive table; anything unexpected is logged once and answered 500
 * without internals.
 */
import type { IncomingMessage } from 'node:http';
import type { Context, Middleware } from 'koa';
import { DomainFailure } from '../../domain/errors.ts';
import type { Logger } from '../../support/logger.ts';
import { BodyError } from '../request-body.ts';
import { noteRequest } from '../request-log.ts';
import { ociErrorOf as ociErrorOfDomain } from './domain-error-map.ts';
import { OciError, ociErrorBody } from './oci-error.ts';

export const API_VERSION_HEADER = 'Docker-Distribution-Api-Version';

const isClientGone = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNABORTED';
};

export function ociErrors(log: Logger): Middleware {
  const answer = ociErrorAnswer(log);
  return async (ctx, next) => {
    ctx.set(API_VERSION_HEADER, 'registry/2.0');
    try {
      await next();
    } catch (err) {
      answer(ctx, err);
    }
  };
}

/** What the error middleware answers for `err` (thrown by what it runs): an OCI error body, the failure noted for the request's log line. */
export function ociErrorAnswer(log: Logger): (ctx: Context, err: unknown) => void {
  return (ctx, err) => {
    const e = ociErrorOf(log, ctx.req, ctx.method, ctx.path, err);
    ctx.status = e.status;
    for (const [k, v] of Object.entries(e.headers)) ctx.set(k, v);
    ctx.set(API_VERSION_HEADER, 'registry/2.0');
    ctx.body = ociErrorBody(e.code, e.message, e.detail);
  };
}

/**
 * The OCI error a /v2 request that threw `err` is answered with (the error middleware's answer, and
 * the front lane's: front-lane.ts); logged once when it is our fault, noted for the request's log line.
 */
export function ociErrorOf(log: Logger, req: IncomingMessage, method: string, path: string, err: unknown): OciError {
  let e: OciError;
  if (err instanceof OciError) e = err;
  else if (err instanceof DomainFailure) e = ociErrorOfDomain(err.error);
  else if (err instanceof BodyError)
    e =
      err.kind === 'too-large'
        ? new OciError(413, 'SIZE_INVALID', err.message)
        : err.kind === 'timeout'
          ? new OciError(408, 'UNKNOWN', err.message, null, { Connection: 'close' })
          : new OciError(400, 'MANIFEST_INVALID', err.message);
  // Node marks a request destroyed after its body was read whole too: only a body that
  // ended before it was complete means the client went away; anything else is our fault.
  else if (isClientGone(err) || (!req.complete && (req.destroyed || req.readableAborted))) {
    log.debug({ err, path }, 'client went away');
    e = new OciError(400, 'BLOB_UPLOAD_INVALID', 'the request body ended early');
  } else {
    log.error({ err, method, path }, '/v2 request failed');
    e = new OciError(500, 'UNKNOWN', 'internal error');
  }
  noteRequest({ req }, { error: e.code, reason: e.message });
  return e;
}
