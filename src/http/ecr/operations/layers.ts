/**
 * InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload,
 * BatchCheckLayerAvailability, GetDownloadUrlForLayer: the same upload events
 * as /v2 uploads, with ECR's part rules (consecutive parts, 5 MiB minimum but
 * for the last) decided in the domain.
 */
import { z } from 'zod';
import { decide, repositoryNotFound } from '../../../domain/decide.ts';
import { isDigest, isSha256Digest } from '../../../domain/names.ts';
import { repoKey, type RegistryScope } from '../../../domain/scope.ts';
import type { Repository, Upload } from '../../../domain/state.ts';
import { blobMediaType, imagesUsingBlob } from '../../../queries/ecr-images.ts';
import { findRepo } from '../../../queries/ecr-repositories.ts';
import { EcrError } from '../ecr-errors.ts';
import { LAYER_URL_TTL_MS, layerDownloadUrl } from '../layer-download.ts';
import { execute, op, scopeOf, type Call } from '../operation.ts';
import { registryId, repositoryName } from '../shapes.ts';

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** What InitiateLayerUpload tells clients to send per part. */
export const ECR_PART_SIZE = 10 * 1024 * 1024;

function repoOrThrow(call: Call, scope: RegistryScope, name: string): Repository {
  const repo = findRepo(call.deps.engine.state, scope, name);
  if (!repo) throw EcrError.fromDomain(repositoryNotFound(scope, name));
  return repo;
}

function uploadOrThrow(call: Call, scope: RegistryScope, repository: string, uploadId: string): Upload {
  repoOrThrow(call, scope, repository);
  const upload = call.deps.engine.state.uploads.get(uploadId);
  if (!upload || upload.repo !== repoKey(scope, repository))
    throw new EcrError(
      'UploadNotFoundException',
      `Upload with id '${uploadId}' is not found in the repository with name '${repository}' in the registry with id '${scope.account}'`,
    );
  return upload;
}

const uploadId = z.string();

export const layerOperations = {
  InitiateLayerUpload: op(z.object({ registryId, repositoryName }), async (i, call) => {
    const scope = scopeOf(call, i.registryId);
    const id = call.deps.ids.uuid();
    await execute(call, { type: 'StartUpload', scope, repository: i.repositoryName, uploadId: id, via: 'ecr' });
    return { uploadId: id, partSize: ECR_PART_SIZE };
  }),

  UploadLayerPart: op(
    z.object({
      registryId,
      repositoryName,
      uploadId,
      partFirstByte: z.number().int(),
      partLastByte: z.number().int(),
      layerPartBlob: z.string(),
    }),
    (i, call) =>
      call.uploads.run(i.uploadId, async () => {
        const scope = scopeOf(call, i.registryId);
        const upload = uploadOrThrow(call, scope, i.repositoryName, i.uploadId);
        const fields = { registryId: scope.account, repositoryName: i.repositoryName, uploadId: i.uploadId };
        const invalidPart = (why: string) =>
          new EcrError('InvalidLayerPartException', `The layer part is not valid: ${why}`, {
            ...fields,
            lastValidByteReceived: upload.offset - 1,
          });
        const blob = Buffer.from(i.layerPartBlob, 'base64');
        if (blob.length === 0) throw invalidPart('the part is empty');
        if (i.partFirstByte !== upload.offset)
          throw invalidPart(`the first byte ${i.partFirstByte} does not follow the last byte received (${upload.offset - 1})`);
        if (i.partLastByte - i.partFirstByte + 1 !== blob.length)
          throw invalidPart(`bytes ${i.partFirstByte}-${i.partLastByte} do not match the ${blob.length} bytes sent`);
        const command = {
          type: 'AppendChunk' as const,
          uploadId: i.uploadId,
          offset: upload.offset,
          length: blob.length,
          part: upload.lastPart + 1,
        };
        // Refuse before staging when the domain would refuse anyway (part too small).
        const pre = decide(call.deps.engine.state, command, { now: call.deps.clock.now() });
        if (!pre.ok) throw EcrError.fromDomain(pre.error, fields);
        await call.deps.staging.append(i.uploadId, upload.offset, once(blob));
        await execute(call, command, fields);
        return { ...fields, lastByteReceived: i.partLastByte };
      }),
  ),

  CompleteLayerUpload: op(
    z.object({ registryId, repositoryName, uploadId, layerDigests: z.array(z.string()) }),
    (i, call) =>
      call.uploads.run(i.uploadId, async () => {
        const scope = scopeOf(call, i.registryId);
        const upload = uploadOrThrow(call, scope, i.repositoryName, i.uploadId);
        const fields = { registryId: scope.account, repositoryName: i.repositoryName, uploadId: i.uploadId };
        const digest = i.layerDigests[0] as string;
        if (i.layerDigests.length !== 1 || !isSha256Digest(digest))
          throw new EcrError('InvalidLayerException', `Invalid layer digest: expected one sha256 digest, got [${i.layerDigests.join(', ')}]`);
        if (upload.offset === 0) throw new EcrError('EmptyUploadException', `The upload with id '${i.uploadId}' contains no layer parts`);
        if (call.deps.engine.state.repos.get(upload.repo)?.blobs.has(digest))
          throw new EcrError('LayerAlreadyExistsException', `The layer '${digest}' already exists in the repository with name '${i.repositoryName}'`);
        const committed = await call.deps.staging.commit(i.uploadId, upload.offset, digest);
        if (!committed.ok)
          throw new EcrError('InvalidLayerException', `The layer digest calculated for the upload '${committed.actual}' does not match the digest '${digest}' provided`);
        await execute(call, { type: 'CompleteUpload', uploadId: i.uploadId, digest, size: upload.offset, chunk: null }, fields);
        return { ...fields, layerDigest: digest };
      }),
  ),

  BatchCheckLayerAvailability: op(
    z.object({ registryId, repositoryName, layerDigests: z.array(z.string()) }),
    (i, call) => {
      const scope = scopeOf(call, i.registryId);
      const repo = repoOrThrow(call, scope, i.repositoryName);
      const layers = [];
      const failures = [];
      for (const d of i.layerDigests) {
        const size = repo.blobs.get(d);
        if (!isDigest(d)) failures.push({ layerDigest: d, failureCode: 'InvalidLayerDigest' as const, failureReason: 'Invalid layer digest' });
        else if (size === undefined)
          failures.push({ layerDigest: d, failureCode: 'MissingLayerDigest' as const, failureReason: 'Could not find layer for digest' });
        else {
          const mediaType = blobMediaType(repo, d);
          layers.push({ layerDigest: d, layerAvailability: 'AVAILABLE' as const, layerSize: size, ...(mediaType !== undefined ? { mediaType } : {}) });
        }
      }
      return { layers, failures };
    },
  ),

  GetDownloadUrlForLayer: op(z.object({ registryId, repositoryName, layerDigest: z.string() }), (i, call) => {
    const scope = scopeOf(call, i.registryId);
    const repo = repoOrThrow(call, scope, i.repositoryName);
    if (!isDigest(i.layerDigest))
      throw new EcrError('InvalidParameterException', `Invalid parameter at 'layerDigest' failed to satisfy constraint: 'Invalid layer digest'`);
    if (!repo.blobs.has(i.layerDigest))
      throw new EcrError('LayersNotFoundException', `The specified layer '${i.layerDigest}' could not be found in the repository '${i.repositoryName}'`);
    const url = layerDownloadUrl(call.signer, call.deps.registryHost(), {
      ...scope,
      repository: i.repositoryName,
      digest: i.layerDigest,
      expiresAt: call.deps.clock.now() + LAYER_URL_TTL_MS,
    });
    // a layer download is part of a pull: the images using the layer have their pull time refreshed
    for (const image of imagesUsingBlob(repo, i.layerDigest)) call.recordPull(scope, i.repositoryName, image);
    return { downloadUrl: url, layerDigest: i.layerDigest };
  }),
};
