/**
 * InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload,
 * BatchCheckLayerAvailability, GetDownloadUrlForLayer: the same upload events
 * as /v2 uploads, with ECR's part rules (consecutive parts, 5 MiB minimum but
 * for the last) decided in the domain.
 */
import * as v from 'valibot';
import { DomainFailure } from '../../../domain/errors.ts';
import { isDigest, isSha256Digest } from '../../../domain/names.ts';
import type { Repository } from '../../../domain/state.ts';
import { blobMediaType, imagesUsingBlob } from '../../../queries/ecr-images.ts';
import { getRepository } from '../../../queries/repository.ts';
import { EcrError } from '../ecr-errors.ts';
import { LAYER_URL_TTL_MS, layerDownloadUrl } from '../layer-download.ts';
import { op, scopeOf, withFields, withFieldsError } from '../operation.ts';
import { registryId, repositoryName, structure } from '../shapes.ts';
import { MAX_LAYER_PART_BYTES } from '../body-limits.ts';

/** A layer that images use, all of them archived: archived images cannot be pulled. */
function onlyInArchivedImages(repo: Repository, digest: string): boolean {
  let used = false;
  for (const image of repo.images.values()) {
    if (!image.blobs.includes(digest)) continue;
    if (image.storageClass !== 'ARCHIVE') return false;
    used = true;
  }
  return used;
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** What InitiateLayerUpload tells clients to send per part. */
export const ECR_PART_SIZE = 10 * 1024 * 1024;

const uploadId = v.string();

export const layerOperations = {
  InitiateLayerUpload: op(structure({ registryId, repositoryName }), async (i, call) => {
    const id = await call.deps.uploads.start(scopeOf(call, i.registryId), i.repositoryName, 'ecr');
    return { uploadId: id, partSize: ECR_PART_SIZE };
  }),

  UploadLayerPart: op(
    structure({
      registryId,
      repositoryName,
      uploadId,
      partFirstByte: v.pipe(v.number(), v.integer()),
      partLastByte: v.pipe(v.number(), v.integer()),
      layerPartBlob: v.string(),
    }),
    async (i, call) => {
      const scope = scopeOf(call, i.registryId);
      const fields = { registryId: scope.account, repositoryName: i.repositoryName, uploadId: i.uploadId };
      const blob = Buffer.from(i.layerPartBlob, 'base64');
      if (blob.length > MAX_LAYER_PART_BYTES)
        throw new EcrError(
          'InvalidParameterException',
          `Invalid parameter at 'layerPartBlob' failed to satisfy constraint: 'Member must have length less than or equal to ${MAX_LAYER_PART_BYTES}'`,
        );
      const ref = { scope, repository: i.repositoryName, uploadId: i.uploadId, via: 'ecr' as const };
      // the request must hold what it announces (ECR checks this before the part rules)
      const announced = i.partLastByte - i.partFirstByte + 1;
      if (blob.length === 0 || announced !== blob.length) {
        const upload = call.deps.uploads.get(ref);
        const why =
          blob.length === 0 ? 'the part is empty' : `bytes ${i.partFirstByte}-${i.partLastByte} do not match the ${blob.length} bytes sent`;
        throw new EcrError('InvalidLayerPartException', `The layer part is not valid: ${why}`, {
          ...fields,
          lastValidByteReceived: upload.offset - 1,
        });
      }
      const claim = { start: i.partFirstByte, length: announced };
      await withFields(fields, () => call.deps.uploads.append(ref, once(blob), claim));
      return { ...fields, lastByteReceived: i.partLastByte };
    },
  ),

  CompleteLayerUpload: op(structure({ registryId, repositoryName, uploadId, layerDigests: v.array(v.string()) }), async (i, call) => {
    const scope = scopeOf(call, i.registryId);
    const fields = { registryId: scope.account, repositoryName: i.repositoryName, uploadId: i.uploadId };
    const ref = { scope, repository: i.repositoryName, uploadId: i.uploadId, via: 'ecr' as const };
    const digest = i.layerDigests[0] as string;
    if (i.layerDigests.length !== 1 || !isSha256Digest(digest))
      throw new EcrError('InvalidLayerException', `Invalid layer digest: expected one sha256 digest, got [${i.layerDigests.join(', ')}]`);
    try {
      await call.deps.uploads.complete(ref, digest);
    } catch (err) {
      if (!(err instanceof DomainFailure) || err.error.code !== 'DigestMismatch') throw withFieldsError(err, fields);
      const actual = String(err.error.detail?.actual ?? '');
      throw new EcrError(
        'InvalidLayerException',
        `The layer digest calculated for the upload '${actual}' does not match the digest '${digest}' provided`,
      );
    }
    return { ...fields, layerDigest: digest };
  }),

  BatchCheckLayerAvailability: op(structure({ registryId, repositoryName, layerDigests: v.array(v.string()) }), (i, call) => {
    const scope = scopeOf(call, i.registryId);
    const repo = getRepository(call.deps.engine.state, scope, i.repositoryName);
    const layers = [];
    const failures = [];
    for (const d of i.layerDigests) {
      const size = repo.blobs.get(d);
      if (!isDigest(d))
        failures.push({ layerDigest: d, failureCode: 'InvalidLayerDigest' as const, failureReason: 'Invalid layer digest' });
      else if (size === undefined)
        failures.push({ layerDigest: d, failureCode: 'MissingLayerDigest' as const, failureReason: 'Could not find layer for digest' });
      else {
        const mediaType = blobMediaType(repo, d);
        layers.push({
          layerDigest: d,
          layerAvailability: 'AVAILABLE' as const,
          layerSize: size,
          ...(mediaType !== undefined ? { mediaType } : {}),
        });
      }
    }
    return { layers, failures };
  }),

  GetDownloadUrlForLayer: op(structure({ registryId, repositoryName, layerDigest: v.string() }), async (i, call) => {
    const scope = scopeOf(call, i.registryId);
    // a layer of an image being fetched by the pull through cache: once it is in (UnableToGetUpstreamLayer if not)
    await call.deps.pullThrough?.layer(scope, i.repositoryName, i.layerDigest);
    const repo = getRepository(call.deps.engine.state, scope, i.repositoryName);
    if (!isDigest(i.layerDigest))
      throw new EcrError(
        'InvalidParameterException',
        `Invalid parameter at 'layerDigest' failed to satisfy constraint: 'Invalid layer digest'`,
      );
    if (!repo.blobs.has(i.layerDigest))
      throw new EcrError(
        'LayersNotFoundException',
        `The specified layer '${i.layerDigest}' could not be found in the repository '${i.repositoryName}'`,
      );
    if (onlyInArchivedImages(repo, i.layerDigest))
      throw new EcrError(
        'LayerInaccessibleException',
        `The specified layer '${i.layerDigest}' is not available because every image that references it in the repository '${i.repositoryName}' is archived`,
      );
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
