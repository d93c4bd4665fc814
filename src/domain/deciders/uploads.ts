/**
 * Blob uploads, whole-blob pushes, cross-repository mounts and blob deletes.
 * The bytes themselves never reach the domain: the upload service stages and
 * verifies them, and these commands record what it did.
 */
import type { CoreCommand } from '../commands.ts';
import { findRepository, isError, no, ok, refOf, repositoryNotFound, type DeciderTable } from '../decision.ts';
import { domainError } from '../errors.ts';
import { coreEvents as ev, type DomainEvent } from '../events.ts';
import type { RegistryScope } from '../scope.ts';
import { pushTarget } from '../settings/create-on-push.ts';
import type { RegistryState, Upload } from '../state.ts';

/** ECR's minimum layer part size (all parts but the last). */
export const MIN_ECR_LAYER_PART = 5 * 1024 * 1024;

/**
 * An upload the registry keeps open at most this long after it started, on its clock (distribution
 * purges uploads by their start time too). A chunk or completion after that finds no upload; the
 * upload service then records UploadExpired and drops the staged bytes.
 */
export const UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;

type UploadCommand = Extract<
  CoreCommand,
  {
    type: 'StartUpload' | 'AppendChunk' | 'CompleteUpload' | 'CancelUpload' | 'ExpireUpload' | 'PushBlob' | 'MountBlob' | 'DeleteBlob';
  }
>;

const uploadNotFound = (id: string) => domainError('UploadNotFound', `upload ${id} is unknown`);

/** Whether an upload is past its time on the registry's clock. */
export const isUploadExpired = (upload: Upload, now: number): boolean => now - upload.startedAt >= UPLOAD_TTL_MS;

/** The refusal of a chunk or completion of an expired upload (`detail.expired` tells the service to record the expiry). */
const uploadExpired = (id: string) =>
  domainError('UploadNotFound', `upload ${id} expired: uploads are kept open ${UPLOAD_TTL_MS / 3_600_000} hours; start it again`, {
    expired: true,
  });

/** A repository of the caller's registry that holds `digest`: what a mount without `from` may link from. */
function readableSource(state: RegistryState, scope: RegistryScope, digest: string): boolean {
  for (const repo of state.repos.values())
    if (repo.account === scope.account && repo.region === scope.region && repo.blobs.has(digest)) return true;
  return false;
}

export const uploadDeciders: DeciderTable<UploadCommand> = {
  StartUpload(state, c, ctx) {
    const target = pushTarget(state, c.scope, c.repository, ctx);
    if (isError(target)) return no(target);
    return ok(...target.created, ev.UploadStarted({ uploadId: c.uploadId, via: c.via, ...refOf(c.scope, c.repository) }));
  },

  AppendChunk(state, c, ctx) {
    const upload = state.uploads.get(c.uploadId);
    if (!upload) return no(uploadNotFound(c.uploadId));
    if (isUploadExpired(upload, ctx.now)) return no(uploadExpired(c.uploadId));
    if (c.offset !== upload.offset)
      return no(
        domainError('UploadOffsetMismatch', `chunk starts at ${c.offset}, the upload is at ${upload.offset}`, {
          lastValidByteReceived: upload.offset - 1,
        }),
      );
    if (c.length === 0) return ok();
    // ECR takes a part under 5 MiB that turns out not to be the last (the state remembers it);
    // CompleteLayerUpload refuses the layer, the only operation the model lists LayerPartTooSmallException for.
    return ok(ev.ChunkAppended({ uploadId: c.uploadId, offset: c.offset, length: c.length, part: c.part }));
  },

  CompleteUpload(state, c, ctx) {
    const upload = state.uploads.get(c.uploadId);
    if (!upload) return no(uploadNotFound(c.uploadId));
    if (isUploadExpired(upload, ctx.now)) return no(uploadExpired(c.uploadId));
    const events: DomainEvent[] = [];
    if (c.chunk && c.chunk.length > 0) {
      if (c.chunk.offset !== upload.offset)
        return no(domainError('UploadOffsetMismatch', `chunk starts at ${c.chunk.offset}, the upload is at ${upload.offset}`));
      events.push(ev.ChunkAppended({ uploadId: c.uploadId, offset: c.chunk.offset, length: c.chunk.length, part: 0 }));
    }
    const size = upload.offset + (c.chunk?.length ?? 0);
    if (size !== c.size) return no(domainError('DigestMismatch', `the upload holds ${size} bytes, ${c.size} were verified`));
    if (upload.via === 'ecr') {
      // ECR CompleteLayerUpload refuses empty uploads and layers the repository already has.
      if (size === 0) return no(domainError('UploadEmpty', `The upload with id '${c.uploadId}' contains no layer parts`));
      if (upload.smallPart)
        return no(
          domainError(
            'LayerPartTooSmall',
            `Layer part ${upload.smallPart.part} is ${upload.smallPart.length} bytes: layer parts other than the last must be at least 5 MiB (${MIN_ECR_LAYER_PART} bytes)`,
          ),
        );
      if (state.repos.get(upload.repo)?.blobs.has(c.digest))
        return no(domainError('BlobAlreadyExists', `The layer '${c.digest}' already exists in the repository`));
    }
    events.push(ev.UploadCompleted({ uploadId: c.uploadId, digest: c.digest, size: c.size }));
    return ok(...events);
  },

  CancelUpload(state, c) {
    if (!state.uploads.has(c.uploadId)) return no(uploadNotFound(c.uploadId));
    return ok(ev.UploadCancelled({ uploadId: c.uploadId }));
  },

  ExpireUpload(state, c, ctx) {
    const upload = state.uploads.get(c.uploadId);
    if (!upload) return no(uploadNotFound(c.uploadId));
    if (c.reason === 'ttl' && !isUploadExpired(upload, ctx.now))
      return no(domainError('InvalidParameter', `upload ${c.uploadId} has not expired yet`));
    return ok(ev.UploadExpired({ uploadId: c.uploadId, reason: c.reason }));
  },

  PushBlob(state, c, ctx) {
    const target = pushTarget(state, c.scope, c.repository, ctx);
    if (isError(target)) return no(target);
    return ok(
      ...target.created,
      ev.UploadStarted({ uploadId: c.uploadId, via: 'oci', ...refOf(c.scope, c.repository) }),
      ...(c.size > 0 ? [ev.ChunkAppended({ uploadId: c.uploadId, offset: 0, length: c.size, part: 0 })] : []),
      ev.UploadCompleted({ uploadId: c.uploadId, digest: c.digest, size: c.size }),
    );
  },

  MountBlob(state, c, ctx) {
    const size = state.blobs.get(c.digest);
    if (size === undefined) return no(domainError('BlobNotFound', `blob ${c.digest} is unknown to the registry`));
    // As ECR's mount: the source is a repository of the caller's own registry that holds the blob
    // (`from`, or any of them); a blob only another account holds is not the caller's to link.
    if (c.from !== null) {
      const from = findRepository(state, c.scope, c.from);
      if (!from?.blobs.has(c.digest)) return no(domainError('BlobNotFound', `blob ${c.digest} is not in repository ${c.from}`));
    } else if (!readableSource(state, c.scope, c.digest))
      return no(domainError('BlobNotFound', `blob ${c.digest} is in no repository of registry ${c.scope.account}`));
    const target = pushTarget(state, c.scope, c.repository, ctx);
    if (isError(target)) return no(target);
    if (target.repo?.blobs.has(c.digest)) return ok();
    return ok(...target.created, ev.BlobMounted({ digest: c.digest, size, from: c.from, ...refOf(c.scope, c.repository) }));
  },

  DeleteBlob(state, c) {
    const repo = findRepository(state, c.scope, c.repository);
    if (!repo) return no(repositoryNotFound(c.scope, c.repository));
    if (!repo.blobs.has(c.digest)) return no(domainError('BlobNotFound', `blob ${c.digest} is not in repository ${c.repository}`));
    return ok(ev.BlobDeleted({ digest: c.digest, ...refOf(c.scope, c.repository) }));
  },
};
