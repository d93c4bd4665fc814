/**
 * Blob uploads: end-4a (POST opens a session), end-4b (POST ?digest= pushes a
 * whole blob), end-11 (POST ?mount= links a blob from another repository),
 * end-5 (PATCH appends a chunk, with or without Content-Range), end-6 (PUT
 * ?digest= finishes, with or without a last chunk), end-13 (GET status) and
 * DELETE (cancel). The upload service (engine/uploads.ts) does the work; this
 * file reads the request and writes the answer.
 */
import { DomainFailure } from '../../domain/errors.ts';
import type { ChunkClaim, UploadRef } from '../../engine/uploads.ts';
import type { FaceDeps } from '../face-deps.ts';
import { repoPath, type OciContext, type OciRouter } from './oci-context.ts';
import { OciError } from './oci-error.ts';
import { parseContentRange, uploadRange } from './ranges.ts';
import { assertDigest } from './validate-params.ts';

const query = (ctx: OciContext, key: string): string | undefined => {
  const v = ctx.query[key];
  return Array.isArray(v) ? v[0] : v;
};

/** Whether the request carries a body (a final chunk on PUT, a blob on POST ?digest=). */
const hasBody = (ctx: OciContext): boolean =>
  ctx.get('transfer-encoding') !== '' || (ctx.get('content-length') !== '' && ctx.get('content-length') !== '0');

const uploadLocation = (name: string, id: string): string => `${repoPath(name)}/blobs/uploads/${id}`;

/** The upload a request's path names. */
const refOf = (ctx: OciContext): UploadRef => ({
  scope: ctx.state.scope,
  repository: ctx.params.name ?? '',
  uploadId: ctx.params.uuid ?? '',
  via: 'oci',
});

/** Where a chunk claims to go, from its Content-Range header (inclusive, no unit, as the spec writes it). */
function claimOf(ctx: OciContext): ChunkClaim {
  const header = ctx.get('content-range');
  if (!header) return {};
  const range = parseContentRange(header);
  if (!range) throw new OciError(400, 'BLOB_UPLOAD_INVALID', `malformed Content-Range '${header.slice(0, 100)}'`);
  return { start: range.start, length: range.end - range.start + 1 };
}

/** Answers 202 with the headers of an open upload. */
function accepted(ctx: OciContext, name: string, id: string, offset: number): void {
  ctx.status = 202;
  ctx.set('Location', uploadLocation(name, id));
  ctx.set('Range', uploadRange(offset));
  ctx.set('Docker-Upload-UUID', id);
  ctx.body = '';
}

function created(ctx: OciContext, name: string, digest: string): void {
  ctx.status = 201;
  ctx.set('Location', `${repoPath(name)}/blobs/${digest}`);
  ctx.set('Docker-Content-Digest', digest);
  ctx.body = '';
}

export function registerUploadRoutes(router: OciRouter, deps: FaceDeps): void {
  const { uploads } = deps;

  /** A chunk that does not start where the upload is: 416 with the upload's headers, so the client can resume. */
  const rangeRefused = async <T>(ctx: OciContext, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof DomainFailure) || err.error.code !== 'UploadOffsetMismatch') throw err;
      const upload = uploads.get(refOf(ctx));
      throw new OciError(416, 'BLOB_UPLOAD_INVALID', err.error.message, null, {
        Location: uploadLocation(ctx.params.name ?? '', upload.id),
        Range: uploadRange(upload.offset),
        'Docker-Upload-UUID': upload.id,
      });
    }
  };

  const startUpload = async (ctx: OciContext, name: string): Promise<void> => {
    const uploadId = await uploads.start(ctx.state.scope, name, 'oci');
    accepted(ctx, name, uploadId, 0);
  };

  // end-4a, end-4b, end-11
  router.post('/*name/blobs/uploads/', async (ctx) => {
    const name = ctx.params.name ?? '';
    const mount = query(ctx, 'mount');
    const digest = query(ctx, 'digest');
    if (mount !== undefined) {
      assertDigest(mount);
      // A blob that cannot be mounted is uploaded instead: 202 with a fresh session.
      if (await uploads.mount(ctx.state.scope, name, mount, query(ctx, 'from') ?? null)) return created(ctx, name, mount);
      return startUpload(ctx, name);
    }
    if (digest === undefined) return startUpload(ctx, name);
    assertDigest(digest);
    await uploads.pushWhole(ctx.state.scope, name, digest, ctx.req);
    created(ctx, name, digest);
  });

  // end-13
  router.get('/*name/blobs/uploads/:uuid', async (ctx) => {
    const upload = await uploads.status(refOf(ctx));
    accepted(ctx, ctx.params.name ?? '', upload.id, upload.offset);
    ctx.status = 204;
  });

  // end-5
  router.patch('/*name/blobs/uploads/:uuid', async (ctx) => {
    const ref = refOf(ctx);
    const offset = await rangeRefused(ctx, () => uploads.append(ref, ctx.req, claimOf(ctx)));
    accepted(ctx, ref.repository, ref.uploadId, offset);
  });

  // end-6
  router.put('/*name/blobs/uploads/:uuid', async (ctx) => {
    const ref = refOf(ctx);
    const digest = query(ctx, 'digest');
    if (digest === undefined) throw new OciError(400, 'DIGEST_INVALID', 'the digest query parameter is required');
    assertDigest(digest);
    const last = hasBody(ctx) ? { body: ctx.req, claim: claimOf(ctx) } : undefined;
    await rangeRefused(ctx, () => uploads.complete(ref, digest, last));
    created(ctx, ref.repository, digest);
  });

  router.delete('/*name/blobs/uploads/:uuid', async (ctx) => {
    await uploads.cancel(refOf(ctx));
    ctx.status = 204;
    ctx.body = '';
  });
}
