/**
 * GetDownloadUrlForLayer's URLs: the emulator itself serves the layer, at
 *
 *   http://<registry host>/_ecr/layers/<ticket>
 *   ticket = base64url(JSON {"a": account, "r": region, "n": repository, "d": digest, "e": expiresAt ms})
 *            + "." + base64url(HMAC-SHA256(token secret, that payload))
 *
 * so a URL needs no credentials (like S3's presigned URLs), cannot be forged
 * for another layer, and stops working after an hour on the injected clock.
 */
import type { Context } from 'koa';
import { DomainFailure } from '../../domain/errors.ts';
import type { BlobBytes } from '../../engine/blob-reads.ts';
import { repoKey } from '../../domain/scope.ts';
import type { FaceDeps } from '../face-deps.ts';
import type { TokenSigner } from '../token-auth.ts';
import { noteRequest } from '../request-log.ts';

export const LAYER_URL_PREFIX = '/_ecr/layers/';
export const LAYER_URL_TTL_MS = 60 * 60 * 1000;

interface Ticket {
  a: string;
  r: string;
  n: string;
  d: string;
  e: number;
}

export function layerDownloadUrl(
  signer: TokenSigner,
  host: string,
  t: { account: string; region: string; repository: string; digest: string; expiresAt: number },
): string {
  const ticket: Ticket = { a: t.account, r: t.region, n: t.repository, d: t.digest, e: t.expiresAt };
  const payload = Buffer.from(JSON.stringify(ticket)).toString('base64url');
  return `http://${host}${LAYER_URL_PREFIX}${payload}.${signer.sign(`layer.${payload}`)}`;
}

function readTicket(signer: TokenSigner, text: string): Ticket | undefined {
  const [payload, signature, ...rest] = text.split('.');
  if (!payload || !signature || rest.length > 0 || signer.sign(`layer.${payload}`) !== signature) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Ticket;
  } catch {
    return undefined;
  }
}

/** Answers GET/HEAD <LAYER_URL_PREFIX><ticket> with the layer's bytes, or an S3-like XML error. */
export async function serveLayer(ctx: Context, deps: FaceDeps, signer: TokenSigner): Promise<void> {
  const deny = (status: number, code: string, message: string) => {
    noteRequest(ctx, { error: code, reason: message });
    ctx.status = status;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  };
  const ticket = readTicket(signer, ctx.path.slice(LAYER_URL_PREFIX.length));
  if (!ticket) return deny(403, 'SignatureDoesNotMatch', 'The request signature is not valid');
  noteRequest(ctx, { operation: 'layer download', repository: ticket.n });
  if (ticket.e <= deps.clock.now()) return deny(403, 'AccessDenied', 'Request has expired');
  const size = deps.engine.state.repos.get(repoKey({ account: ticket.a, region: ticket.r }, ticket.n))?.blobs.get(ticket.d);
  if (size === undefined) return deny(404, 'NoSuchKey', 'The specified key does not exist.');
  ctx.status = 200;
  ctx.type = 'application/octet-stream';
  ctx.length = size;
  ctx.set('ETag', `"${ticket.d}"`);
  if (ctx.method === 'HEAD') return;
  if (size === 0) {
    ctx.body = '';
    return;
  }
  // a layer still in a snapshot pack is verified and extracted first; a corrupt one is refused
  let bytes: BlobBytes;
  try {
    bytes = await deps.blobReads.open(ticket.d, size);
  } catch (err) {
    if (err instanceof DomainFailure) return deny(500, 'InternalError', err.error.message);
    throw err;
  }
  ctx.respond = false;
  await bytes.send(ctx.res, 0, size - 1);
}
