/**
 * Blob uploads: end-4a (POST opens a session), end-4b (POST ?digest= pushes a
 * whole blob), end-11 (POST ?mount= links a blob from another repository),
 * end-5 (PATCH appends a chunk, with or without Content-Range), end-6 (PUT
 * ?digest= finishes, with or without a last chunk), end-13 (GET status) and
 * DELETE (cancel).
 *
 * Bytes are staged before the event that records them (AppendChunk), and
 * verified and moved into the store before the event that completes the
 * upload (verify, move, record). Requests to one upload are serialized.
 */
import { decide } from '../../domain/decide.ts';
import { DomainFailure } from '../../domain/errors.ts';
import { repoKey } from '../../domain/scope.ts';
import { isBlobMountingEnabled } from '../../domain/settings/account-settings.ts';
import type { Upload } from '../../domain/state.ts';
import { KeyedMutex } from '../../support/mutex.ts';
import type { FaceDeps } from '../face-deps.ts';
import { repoPath, type OciContext, type OciRouter } from './oci-context.ts';
import { OciError } from './oci-error.ts';
import { parseContentRange, uploadRange, type ByteRange } from './ranges.ts';
import { assertDigest } from './validate-params.ts';

const query = (ctx: OciContext, key: string): string | undefined => {
  const v = ctx.query[key];
  return Array.isArray(v) ? v[0] : v;
};

/** Whether the request carries a body (a final chunk on PUT, a blob on POST ?digest=). */
const hasBody = (ctx: OciContext): boolean =>
  ctx.get('transfer-encoding') !== '' || (ctx.get('content-length') !== '' && ctx.get('content-length') !== '0');

export function registerUploadRoutes(router: OciRouter, deps: FaceDeps): void {
  const { engine, staging } = deps;
  const uploads = new KeyedMutex();

  const uploadLocation = (name: string, id: string): string => `${repoPath(name)}/blobs/uploads/${id}`;

  /** Answers 202 with the headers of an open upload. */
  const accepted = (ctx: OciContext, name: string, id: string, offset: number): void => {
    ctx.status = 202;
    ctx.set('Location', uploadLocation(name, id));
    ctx.set('Range', uploadRange(offset));
    ctx.set('Docker-Upload-UUID', id);
    ctx.body = '';
  };

  const created = (ctx: OciContext, name: string, digest: string): void => {
    ctx.status = 201;
    ctx.set('Location', `${repoPath(name)}/blobs/${digest}`);
    ctx.set('Docker-Content-Digest', digest);
    ctx.body = '';
  };

  const startUpload = async (ctx: OciContext, name: string): Promise<void> => {
    const uploadId = deps.ids.uuid();
    await engine.execute({ type: 'StartUpload', scope: ctx.state.scope, repository: name, uploadId, via: 'oci' });
    accepted(ctx, name, uploadId, 0);
  };

  /** The upload named in the path, which must belong to the repository in the path. */
  const openUpload = (ctx: OciContext): Upload => {
    const id = ctx.params.uuid ?? '';
    const upload = engine.state.uploads.get(id);
    if (!upload || upload.via !== 'oci' || upload.repo !== repoKey(ctx.state.scope, ctx.params.name ?? ''))
      throw new OciError(404, 'BLOB_UPLOAD_UNKNOWN', `blob upload unknown to registry: ${id.slice(0, 100)}`);
    return upload;
  };

  /** Stages the request body at the upload's offset; checks it against Content-Range when given. */
  const stageBody = async (ctx: OciContext, upload: Upload): Promise<number> => {
    const header = ctx.get('content-range');
    let range: ByteRange | undefined;
    if (header) {
      range = parseContentRange(header);
      if (!range) throw new OciError(400, 'BLOB_UPLOAD_INVALID', `malformed Content-Range '${header.slice(0, 100)}'`);
      if (range.start !== upload.offset)
        throw new OciError(416, 'BLOB_UPLOAD_INVALID', `chunk starts at ${range.start}, the upload is at ${upload.offset}`, null, {
          Location: uploadLocation(ctx.params.name ?? '', upload.id),
          Range: uploadRange(upload.offset),
          'Docker-Upload-UUID': upload.id,
        });
    }
    const written = await staging.append(upload.id, upload.offset, ctx.req);
    if (range && written !== range.end - range.start + 1)
      throw new OciError(400, 'SIZE_INVALID', `Content-Range announces ${range.end - range.start + 1} bytes, the body had ${written}`);
    return written;
  };

  // end-4a, end-4b, end-11
  router.post('/*name/blobs/uploads/', async (ctx) => {
    const name = ctx.params.name ?? '';
    const scope = ctx.state.scope;
    const mount = query(ctx, 'mount');
    const digest = query(ctx, 'digest');

    if (mount !== undefined) {
      assertDigest(mount);
      const from = query(ctx, 'from') ?? null;
      if (isBlobMountingEnabled(engine.state, scope)) {
        try {
          await engine.execute({ type: 'MountBlob', scope, repository: name, digest: mount, from });
          return created(ctx, name, mount);
        } catch (err) {
          // A blob that cannot be mounted is uploaded instead: 202 with a fresh session.
          if (!(err instanceof DomainFailure && err.error.code === 'BlobNotFound')) throw err;
        }
      }
      return startUpload(ctx, name);
    }

    if (digest === undefined) return startUpload(ctx, name);

    // end-4b: the whole blob in this request.
    assertDigest(digest);
    const uploadId = deps.ids.uuid();
    const command = { type: 'PushBlob', scope, repository: name, uploadId, digest, size: 0 } as const;
    const dryRun = decide(engine.state, command, { now: deps.clock.now() });
    if (!dryRun.ok) throw new DomainFailure(dryRun.error);
    let size: number;
    try {
      size = await staging.append(uploadId, 0, ctx.req);
      const verified = await staging.commit(uploadId, size, digest);
      if (!verified.ok) throw new OciError(400, 'DIGEST_INVALID', `the blob's digest is ${verified.actual}, not ${digest}`, { digest });
    } catch (err) {
      await staging.discard(uploadId);
      throw err;
    }
    await engine.execute({ ...command, size });
    created(ctx, name, digest);
  });

  // end-13
  router.get('/*name/blobs/uploads/:uuid', (ctx) => {
    const upload = openUpload(ctx);
    accepted(ctx, ctx.params.name ?? '', upload.id, upload.offset);
    ctx.status = 204;
  });

  // end-5
  router.patch('/*name/blobs/uploads/:uuid', (ctx) =>
    uploads.run(ctx.params.uuid ?? '', async () => {
      const upload = openUpload(ctx);
      const offset = upload.offset;
      const written = await stageBody(ctx, upload);
      await engine.execute({ type: 'AppendChunk', uploadId: upload.id, offset, length: written, part: 0 });
      accepted(ctx, ctx.params.name ?? '', upload.id, offset + written);
    }),
  );

  // end-6
  router.put('/*name/blobs/uploads/:uuid', (ctx) =>
    uploads.run(ctx.params.uuid ?? '', async () => {
      const upload = openUpload(ctx);
      const digest = query(ctx, 'digest');
      if (digest === undefined) throw new OciError(400, 'DIGEST_INVALID', 'the digest query parameter is required');
      assertDigest(digest);
      const offset = upload.offset;
      const written = hasBody(ctx) ? await stageBody(ctx, upload) : 0;
      const verified = await staging.commit(upload.id, offset + written, digest);
      if (!verified.ok)
        throw new OciError(400, 'DIGEST_INVALID', `the uploaded content's digest is ${verified.actual}, not ${digest}`, { digest });
      await engine.execute({
        type: 'CompleteUpload',
        uploadId: upload.id,
        digest,
        size: offset + written,
        chunk: written > 0 ? { offset, length: written } : null,
      });
      created(ctx, ctx.params.name ?? '', digest);
    }),
  );

  router.delete('/*name/blobs/uploads/:uuid', (ctx) =>
    uploads.run(ctx.params.uuid ?? '', async () => {
      const upload = openUpload(ctx);
      await engine.execute({ type: 'CancelUpload', uploadId: upload.id });
      await staging.discard(upload.id);
      ctx.status = 204;
      ctx.body = '';
    }),
  );
}
