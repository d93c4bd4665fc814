/**
 * end-2 (GET/HEAD a blob, with Range) and end-10 (DELETE a blob). Bytes are
 * streamed from the content-addressed store, never buffered.
 */
import { GZIPPED_EMPTY_TAR, GZIPPED_EMPTY_TAR_DIGEST } from '../../manifest-conversion/schema1.ts';
import type { FaceDeps } from '../face-deps.ts';
import type { OciHandler, OciRouter } from './oci-context.ts';
import { OciError } from './oci-error.ts';
import { parseRange } from './ranges.ts';
import { findRepository, getRepository } from '../../queries/repository.ts';
import type { PendingBlob } from '../../pull-through/pull-through-cache.ts';
import type { Context } from 'koa';

/** A blob still arriving from a pull through cache's upstream, sent as it comes. */
async function sendPending(ctx: Context, pending: PendingBlob, digest: string): Promise<void> {
  const size = pending.size;
  const range = parseRange(ctx.get('range') || undefined, size);
  if (range === 'unsatisfiable') {
    ctx.set('Content-Range', `bytes */${size}`);
    throw new OciError(416, 'BLOB_UNKNOWN', `range ${ctx.get('range')} cannot be served from ${size} bytes`);
  }
  ctx.set('Docker-Content-Digest', digest);
  ctx.set('Accept-Ranges', 'bytes');
  ctx.set('ETag', `"${digest}"`);
  ctx.type = 'application/octet-stream';
  if (range) ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
  ctx.status = range ? 206 : 200;
  const length = range ? range.end - range.start + 1 : size;
  if (ctx.method === 'HEAD' || length === 0) {
    ctx.body = '';
    ctx.length = length;
    return;
  }
  ctx.length = length;
  ctx.respond = false;
  await pending.send(ctx.res, range?.start ?? 0, range ? range.end : size - 1);
}

/** Registers the blob routes; returns the GET (and HEAD) handler, for the hot lane (hot-routes.ts) too. */
export function registerBlobRoutes(router: OciRouter, deps: FaceDeps): OciHandler {
  const { engine } = deps;

  const get: OciHandler = async (ctx) => {
    const name = ctx.params.name ?? '';
    const digest = ctx.params.digest ?? '';
    if (!findRepository(engine.state, ctx.state.scope, name)?.blobs.has(digest)) {
      const pending = deps.pullThrough?.blob(ctx.state.scope, name, digest);
      if (pending) return sendPending(ctx, pending, digest);
    }
    const repo = getRepository(engine.state, ctx.state.scope, name);
    let size = repo.blobs.get(digest);
    // A manifest is content too: distribution serves it through the blob route. So is the gzipped
    // empty tar that schema 1 manifests converted on pull name for layer-less history entries.
    const manifest =
      size !== undefined
        ? undefined
        : (repo.images.get(digest) ?? (digest === GZIPPED_EMPTY_TAR_DIGEST ? { bytes: GZIPPED_EMPTY_TAR } : undefined));
    if (manifest) size = manifest.bytes.byteLength;
    if (size === undefined) throw new OciError(404, 'BLOB_UNKNOWN', `blob unknown to registry: ${digest}`, { digest });

    // a blob still in a snapshot pack is verified and extracted first (HEAD too:
    // a client must not skip pushing a blob whose only copy is corrupt); a corrupt one is refused
    const bytes = manifest ? undefined : await deps.blobReads.open(digest, size);
    const range = parseRange(ctx.get('range') || undefined, size);
    if (range === 'unsatisfiable') {
      ctx.set('Content-Range', `bytes */${size}`);
      throw new OciError(416, 'BLOB_UNKNOWN', `range ${ctx.get('range')} cannot be served from ${size} bytes`);
    }
    ctx.set('Docker-Content-Digest', digest);
    ctx.set('Accept-Ranges', 'bytes');
    ctx.set('ETag', `"${digest}"`);
    ctx.set('Cache-Control', 'max-age=31536000');
    ctx.type = 'application/octet-stream';
    if (range) {
      ctx.status = 206;
      ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    } else ctx.status = 200;
    const length = range ? range.end - range.start + 1 : size;
    if (ctx.method === 'HEAD' || length === 0) {
      ctx.body = '';
      ctx.length = length;
      return;
    }
    if (manifest) {
      const bytes = Buffer.from(manifest.bytes.buffer, manifest.bytes.byteOffset, manifest.bytes.byteLength);
      ctx.body = range ? bytes.subarray(range.start, range.end + 1) : bytes;
      return;
    }
    const whole = bytes!.whole;
    if (whole) {
      // a small blob, read whole (or cached): Koa writes it
      ctx.body = range ? whole.subarray(range.start, range.end + 1) : whole;
      return;
    }
    ctx.length = length;
    ctx.respond = false;
    await bytes!.send(ctx.res, range?.start ?? 0, range ? range.end : size - 1);
  };
  router.get('/*name/blobs/:digest', get);

  router.delete('/*name/blobs/:digest', async (ctx) => {
    const scope = ctx.state.scope;
    await engine.execute({ type: 'DeleteBlob', scope, repository: ctx.params.name ?? '', digest: ctx.params.digest ?? '' });
    ctx.status = 202;
    ctx.body = '';
  });
  return get;
}
