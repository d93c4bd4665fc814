/**
 * PutImage, BatchGetImage, BatchDeleteImage, DescribeImages, ListImages,
 * ListImageReferrers, UpdateImageStorageClass.
 */
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { isIndexMediaType, parseManifest } from '../../../domain/manifest.ts';
import { ECR_TAG_PATTERN, isDigest, isEcrApiTag, isSha256Digest } from '../../../domain/names.ts';
import type { RegistryScope } from '../../../domain/scope.ts';
import type { Image, Repository } from '../../../domain/state.ts';
import { conversionFor, PULLABLE_MEDIA_TYPES, SCHEMA1_MEDIA_TYPES } from '../../../manifest-conversion/convert.ts';
import { defaultPlatformChild } from '../../../queries/platform-child.ts';
import { imageDetail, matchingImages, indexesReferencing, listImageIds, tagsByDigest } from '../../../queries/ecr-images.ts';
import { withScanSummary } from '../../../queries/ecr-scan-findings.ts';
import { paginate } from '../../../queries/ecr-pagination.ts';
import { getRepository } from '../../../queries/repository.ts';
import { EcrError, invalidParameter } from '../ecr-errors.ts';
import { execute, op, scopeOf, type Call } from '../operation.ts';
import { enumOf, imageId, imageTag, maxResults, nextToken, registryId, repositoryName, structure } from '../shapes.ts';

export type ImageId = { imageDigest?: string | undefined; imageTag?: string | undefined };
type FailureCode =
  | 'InvalidImageDigest'
  | 'InvalidImageTag'
  | 'ImageTagDoesNotMatchDigest'
  | 'ImageNotFound'
  | 'MissingDigestAndTag'
  | 'ImageReferencedByManifestList'
  | 'ImageInaccessible';
interface Failure {
  imageId: ImageId;
  failureCode: FailureCode;
  failureReason: string;
}

const cleanId = (id: ImageId): ImageId => ({
  ...(id.imageDigest !== undefined ? { imageDigest: id.imageDigest } : {}),
  ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}),
});

/** Resolves an image id to a digest in `repo`, or the failure ECR reports for it. */
export function resolve(repo: Repository, id: ImageId): { digest: string } | Failure {
  const fail = (failureCode: FailureCode, failureReason: string): Failure => ({ imageId: cleanId(id), failureCode, failureReason });
  if (id.imageDigest === undefined && id.imageTag === undefined)
    return fail('MissingDigestAndTag', 'Invalid request parameters: both tag and digest cannot be null');
  if (id.imageDigest !== undefined && !isDigest(id.imageDigest)) return fail('InvalidImageDigest', 'Invalid image digest');
  if (id.imageTag !== undefined && (id.imageTag.length === 0 || id.imageTag.length > 300))
    return fail('InvalidImageTag', 'Invalid image tag');
  const byTag = id.imageTag === undefined ? undefined : repo.tags.get(id.imageTag);
  if (id.imageTag !== undefined && byTag === undefined) return fail('ImageNotFound', 'Requested image not found');
  if (id.imageDigest !== undefined) {
    if (!repo.images.has(id.imageDigest)) return fail('ImageNotFound', 'Requested image not found');
    if (byTag !== undefined && byTag !== id.imageDigest)
      return fail('ImageTagDoesNotMatchDigest', 'Invalid request parameters: image tag does not match digest');
    return { digest: id.imageDigest };
  }
  return { digest: byTag as string };
}

export const imageNotFound = (scope: RegistryScope, repository: string, id: ImageId): EcrError =>
  new EcrError(
    'ImageNotFoundException',
    `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repository}' in the registry with id '${scope.account}'`,
  );

/** Whether the manifest is a JSON object with a `mediaType` member. */
function declaresMediaType(text: string): boolean {
  try {
    const doc = JSON.parse(text) as unknown;
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) && typeof (doc as { mediaType?: unknown }).mediaType === 'string';
  } catch {
    return false;
  }
}

/**
 * The manifest BatchGetImage answers with for `acceptedMediaTypes`: the stored one when accepted;
 * a manifest list or index not accepted stands for its linux/amd64 image; an image manifest pulled
 * by tag in a format the caller does not accept is converted as ECR converts it ("Container image
 * manifest formats"). What cannot be converted (or was asked for by digest) comes as stored: it is
 * not a failure, the caller decides what to do with the media type it got.
 */
async function servedFormat(
  call: Call,
  repo: Repository,
  image: Image,
  accepted: readonly string[],
  tag: string | undefined,
): Promise<{ mediaType: string; digest: string; bytes: Uint8Array }> {
  if (accepted.includes(image.mediaType)) return image;
  if (isIndexMediaType(image.mediaType)) {
    const child = defaultPlatformChild(repo, image);
    return child ? servedFormat(call, repo, child, accepted, tag) : image;
  }
  const target = tag === undefined ? 'none' : conversionFor(image.mediaType, accepted);
  if (target === 'as-is' || target === 'none') return image;
  const schema1Type = accepted.includes(SCHEMA1_MEDIA_TYPES.signed) ? SCHEMA1_MEDIA_TYPES.signed : SCHEMA1_MEDIA_TYPES.unsigned;
  return call.conversions.convert(repo, image, target, tag!, schema1Type);
}

const tagStatus = enumOf(['TAGGED', 'UNTAGGED', 'ANY']);

export const imageOperations = {
  PutImage: op(
    structure({
      registryId,
      repositoryName,
      imageManifest: v.string(),
      imageManifestMediaType: v.optional(v.string()),
      imageTag: v.optional(imageTag),
      imageDigest: v.optional(v.string()),
    }),
    async (i, call) => {
      const scope = scopeOf(call, i.registryId);
      const bytes = Buffer.from(i.imageManifest, 'utf8');
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      if (i.imageDigest !== undefined && i.imageDigest !== digest)
        throw new EcrError(
          'ImageDigestDoesNotMatchException',
          `Invalid parameter at 'imageDigest' failed to satisfy constraint: 'The provided digest '${i.imageDigest}' does not match the digest '${digest}' of the manifest'`,
        );
      if (i.imageTag !== undefined && !isEcrApiTag(i.imageTag))
        throw invalidParameter(
          `Invalid parameter at 'imageTag' failed to satisfy constraint: 'must satisfy regular expression '${ECR_TAG_PATTERN}''`,
        );
      // PutImage API reference: a manifest without a mediaType field needs imageManifestMediaType;
      // ECR refuses it (and anything that is not a JSON object) as "Invalid JSON syntax".
      if (!declaresMediaType(i.imageManifest) && i.imageManifestMediaType === undefined)
        throw invalidParameter(`Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'`);
      const parsed = parseManifest(bytes, i.imageManifestMediaType);
      if (!parsed.ok) throw invalidParameter(`Invalid parameter at 'ImageManifest' failed to satisfy constraint: '${parsed.message}'`);
      await execute(call, {
        type: 'PutManifest',
        scope,
        repository: i.repositoryName,
        digest,
        bytes,
        manifest: parsed.manifest,
        tag: i.imageTag ?? null,
        via: 'ecr',
      });
      return {
        image: {
          registryId: scope.account,
          repositoryName: i.repositoryName,
          imageId: { imageDigest: digest, ...(i.imageTag !== undefined ? { imageTag: i.imageTag } : {}) },
          imageManifest: i.imageManifest,
          imageManifestMediaType: parsed.manifest.mediaType,
        },
      };
    },
  ),

  BatchGetImage: op(
    structure({
      registryId,
      repositoryName,
      imageIds: v.array(imageId),
      acceptedMediaTypes: v.optional(v.array(v.string())),
    }),
    async (i, call) => {
      const scope = scopeOf(call, i.registryId);
      // images a pull through cache rule covers and the registry does not hold are fetched first
      const pullThrough = call.deps.pullThrough;
      if (pullThrough)
        for (const id of i.imageIds) {
          const reference = id.imageDigest ?? id.imageTag;
          if (reference !== undefined) await pullThrough.cache(scope, i.repositoryName, reference);
        }
      const repo = getRepository(call.deps.engine.state, scope, i.repositoryName);
      // BatchGetImage API reference: the valid values of acceptedMediaTypes are manifest media types
      const unknown = i.acceptedMediaTypes?.find((t) => !PULLABLE_MEDIA_TYPES.includes(t));
      if (unknown !== undefined)
        throw invalidParameter(`Invalid parameter at 'acceptedMediaTypes' failed to satisfy constraint: 'Invalid media type: ${unknown}'`);
      const images = [];
      const failures: Failure[] = [];
      for (const id of i.imageIds) {
        const r = resolve(repo, id);
        if ('failureCode' in r) {
          failures.push(r);
          continue;
        }
        const image = repo.images.get(r.digest);
        if (!image) continue;
        if (image.storageClass === 'ARCHIVE') {
          failures.push({ imageId: cleanId(id), failureCode: 'ImageInaccessible', failureReason: 'The image is archived' });
          continue;
        }
        const byTag = id.imageDigest === undefined && id.imageTag !== undefined;
        const served = i.acceptedMediaTypes
          ? await servedFormat(call, repo, image, i.acceptedMediaTypes, byTag ? id.imageTag : undefined)
          : image;
        call.recordPull(scope, i.repositoryName, image);
        images.push({
          registryId: scope.account,
          repositoryName: i.repositoryName,
          imageId: { imageDigest: served.digest, ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}) },
          imageManifest: Buffer.from(served.bytes.buffer, served.bytes.byteOffset, served.bytes.byteLength).toString('utf8'),
          imageManifestMediaType: served.mediaType,
        });
      }
      return { images, failures };
    },
  ),

  BatchDeleteImage: op(structure({ registryId, repositoryName, imageIds: v.array(imageId) }), async (i, call) => {
    const scope = scopeOf(call, i.registryId);
    getRepository(call.deps.engine.state, scope, i.repositoryName);
    const imageIds: ImageId[] = [];
    const failures: Failure[] = [];
    for (const id of i.imageIds) {
      // Each deletion sees the state the previous ones left.
      const repo = getRepository(call.deps.engine.state, scope, i.repositoryName);
      const r = resolve(repo, id);
      if ('failureCode' in r) {
        failures.push(r);
        continue;
      }
      const tags = tagsByDigest(repo).get(r.digest) ?? [];
      const deletesImage = id.imageDigest !== undefined || tags.length <= 1;
      const parents = deletesImage ? indexesReferencing(repo, r.digest) : [];
      if (parents.length > 0) {
        failures.push({
          imageId: cleanId(id),
          failureCode: 'ImageReferencedByManifestList',
          failureReason: `Requested image referenced by manifest list: [${parents.join(', ')}]`,
        });
        continue;
      }
      if (id.imageDigest === undefined && id.imageTag !== undefined) {
        await execute(call, { type: 'DeleteTag', scope, repository: i.repositoryName, tag: id.imageTag, deleteImageIfUntagged: true });
        imageIds.push({ imageDigest: r.digest, imageTag: id.imageTag });
      } else {
        await execute(call, { type: 'DeleteImage', scope, repository: i.repositoryName, digest: r.digest });
        if (tags.length === 0) imageIds.push({ imageDigest: r.digest });
        for (const tag of tags) imageIds.push({ imageDigest: r.digest, imageTag: tag });
      }
    }
    return { imageIds, failures };
  }),

  DescribeImages: op(
    structure({
      registryId,
      repositoryName,
      imageIds: v.optional(v.array(imageId)),
      nextToken,
      maxResults: maxResults(1000),
      filter: v.optional(
        structure({ tagStatus: v.optional(tagStatus), imageStatus: v.optional(enumOf(['ACTIVE', 'ARCHIVED', 'ACTIVATING', 'ANY'])) }),
      ),
    }),
    (i, call) => {
      const scope = scopeOf(call, i.registryId);
      const repo = getRepository(call.deps.engine.state, scope, i.repositoryName);
      if (i.imageIds) {
        if (i.nextToken !== undefined || i.maxResults !== undefined)
          throw invalidParameter('maxResults and nextToken cannot be used together with imageIds');
        const tags = tagsByDigest(repo);
        const seen = new Set<string>();
        const imageDetails = [];
        for (const id of i.imageIds) {
          const r = resolve(repo, id);
          if ('failureCode' in r) throw imageNotFound(scope, i.repositoryName, id);
          if (seen.has(r.digest)) continue;
          seen.add(r.digest);
          const image = repo.images.get(r.digest)!;
          imageDetails.push(withScanSummary(imageDetail(repo, image, tags.get(r.digest)), call.deps.engine.state, repo, image));
        }
        return { imageDetails };
      }
      const filter = { tagStatus: i.filter?.tagStatus ?? 'ANY', imageStatus: i.filter?.imageStatus ?? 'ANY' } as const;
      const page = paginate((start) => matchingImages(repo, filter, start), {
        ...i,
        defaultMax: 100,
        query: `images:${filter.tagStatus}:${filter.imageStatus}`,
      });
      return {
        imageDetails: page.items.map((m) => withScanSummary(imageDetail(repo, m.image, m.tags), call.deps.engine.state, repo, m.image)),
        ...(page.nextToken ? { nextToken: page.nextToken } : {}),
      };
    },
  ),

  ListImages: op(
    structure({
      registryId,
      repositoryName,
      nextToken,
      maxResults: maxResults(1000),
      filter: v.optional(structure({ tagStatus: v.optional(tagStatus) })),
    }),
    (i, call) => {
      const scope = scopeOf(call, i.registryId);
      const repo = getRepository(call.deps.engine.state, scope, i.repositoryName);
      const status = i.filter?.tagStatus ?? 'ANY';
      const page = paginate((start) => listImageIds(repo, status, start), { ...i, defaultMax: 100, query: `list:${status}` });
      return { imageIds: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    },
  ),

  ListImageReferrers: op(
    structure({
      registryId,
      repositoryName,
      subjectId: structure({ imageDigest: v.pipe(v.string(), v.check(isSha256Digest, 'Invalid image digest')) }),
      filter: v.optional(
        structure({
          artifactTypes: v.optional(v.array(v.string())),
          artifactStatus: v.optional(enumOf(['ACTIVE', 'ARCHIVED', 'ACTIVATING', 'ANY'])),
        }),
      ),
      nextToken,
      maxResults: maxResults(50),
    }),
    (i, call) => {
      const scope = scopeOf(call, i.registryId);
      const repo = getRepository(call.deps.engine.state, scope, i.repositoryName);
      const types = i.filter?.artifactTypes;
      const status = i.filter?.artifactStatus ?? 'ANY';
      const referrers = (repo.referrers.get(i.subjectId.imageDigest) ?? [])
        .map((d) => repo.images.get(d))
        .filter((m) => m !== undefined)
        .filter((m) => !types || (m.artifactType !== undefined && types.includes(m.artifactType)))
        .filter((m) => status === 'ANY' || (status === 'ARCHIVED') === (m.storageClass === 'ARCHIVE'))
        .map((m) => {
          const doc = JSON.parse(Buffer.from(m.bytes).toString('utf8')) as { annotations?: Record<string, string> };
          return {
            digest: m.digest,
            mediaType: m.mediaType,
            ...(m.artifactType !== undefined ? { artifactType: m.artifactType } : {}),
            size: m.bytes.byteLength,
            ...(doc.annotations ? { annotations: doc.annotations } : {}),
            artifactStatus: m.storageClass === 'ARCHIVE' ? ('ARCHIVED' as const) : ('ACTIVE' as const),
          };
        });
      const page = paginate(referrers, { ...i, defaultMax: 50, query: `referrers:${i.subjectId.imageDigest}` });
      return { referrers: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    },
  ),

  UpdateImageStorageClass: op(
    structure({ registryId, repositoryName, imageId, targetStorageClass: enumOf(['STANDARD', 'ARCHIVE']) }),
    async (i, call) => {
      const scope = scopeOf(call, i.registryId);
      const repo = getRepository(call.deps.engine.state, scope, i.repositoryName);
      const r = resolve(repo, i.imageId);
      if ('failureCode' in r) {
        if (r.failureCode === 'ImageNotFound') throw imageNotFound(scope, i.repositoryName, i.imageId);
        throw invalidParameter(`Invalid parameter at 'imageId' failed to satisfy constraint: '${r.failureReason}'`);
      }
      await execute(call, {
        type: 'UpdateImageStorageClass',
        scope,
        repository: i.repositoryName,
        digest: r.digest,
        storageClass: i.targetStorageClass,
      });
      return {
        registryId: scope.account,
        repositoryName: i.repositoryName,
        imageId: { imageDigest: r.digest, ...(i.imageId.imageTag !== undefined ? { imageTag: i.imageId.imageTag } : {}) },
        imageStatus: i.targetStorageClass === 'ARCHIVE' ? ('ARCHIVED' as const) : ('ACTIVE' as const),
      };
    },
  ),
};
