/**
 * Read-only queries over a repository's images, in the shapes ECR answers
 * with (times in epoch seconds, as on the JSON wire).
 */
import type { Image, Repository } from '../domain/state.ts';
import { epochSeconds } from '../support/time.ts';

export type TagStatus = 'TAGGED' | 'UNTAGGED' | 'ANY';
export type ImageStatusFilter = 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING' | 'ANY';

export interface ImageDetailView {
  registryId: string;
  repositoryName: string;
  imageDigest: string;
  imageTags?: string[];
  imageSizeInBytes: number;
  imagePushedAt: number;
  imageManifestMediaType: string;
  artifactMediaType?: string;
  lastRecordedPullTime?: number;
  subjectManifestDigest?: string;
  imageStatus: 'ACTIVE' | 'ARCHIVED';
  lastArchivedAt?: number;
  lastActivatedAt?: number;
}

/** digest -> its tags, in the order they were put (the repository's index: no walk over its tags). */
export const tagsByDigest = (repo: Repository): ReadonlyMap<string, readonly string[]> => repo.tagsByDigest;

export const imageStatus = (image: Image): 'ACTIVE' | 'ARCHIVED' => (image.storageClass === 'ARCHIVE' ? 'ARCHIVED' : 'ACTIVE');

/**
 * imageSizeInBytes as ECR reports it: an image's config and layers; for a manifest list or image
 * index, "the largest size among its manifests" (the model's documentation of ImageDetail).
 */
export function imageSize(repo: Repository, image: Image): number {
  if (image.manifests.length === 0) return image.size;
  let largest: number | undefined;
  for (const d of image.manifests) {
    const child = repo.images.get(d);
    if (child && (largest === undefined || child.size > largest)) largest = child.size;
  }
  return largest ?? image.size;
}

/**
 * An image as DescribeImages shows it. Built field by field, in the order the wire shows them, with
 * no object per optional field (a page of 1,000 images is answered in one go).
 */
export function imageDetail(repo: Repository, image: Image, tags: readonly string[] | undefined): ImageDetailView {
  const changed = image.storageClassChangedAt;
  const d = { registryId: repo.account, repositoryName: repo.name, imageDigest: image.digest } as ImageDetailView;
  if (tags && tags.length > 0) d.imageTags = [...tags];
  d.imageSizeInBytes = imageSize(repo, image);
  d.imagePushedAt = epochSeconds(image.pushedAt);
  d.imageManifestMediaType = image.mediaType;
  if (image.configMediaType !== undefined || image.artifactType !== undefined)
    d.artifactMediaType = (image.artifactType ?? image.configMediaType)!;
  if (image.lastPulledAt !== undefined) d.lastRecordedPullTime = epochSeconds(image.lastPulledAt);
  if (image.subject !== undefined) d.subjectManifestDigest = image.subject;
  d.imageStatus = imageStatus(image);
  if (changed !== undefined && image.storageClass === 'ARCHIVE') d.lastArchivedAt = epochSeconds(changed);
  if (changed !== undefined && image.storageClass === 'STANDARD') d.lastActivatedAt = epochSeconds(changed);
  return d;
}

const statusMatches = (image: Image, filter: ImageStatusFilter): boolean =>
  filter === 'ANY' || (filter === 'ACTIVATING' ? false : imageStatus(image) === filter);

const tagMatches = (tags: readonly string[] | undefined, filter: TagStatus): boolean =>
  filter === 'ANY' || (filter === 'TAGGED') === (tags !== undefined && tags.length > 0);

/**
 * The images of the repository matching the filter, in push order, with their tags, from the
 * `start`-th match on. Cheap to skip through: details are built only for the page (imageDetail).
 */
export function* matchingImages(
  repo: Repository,
  filter: { tagStatus: TagStatus; imageStatus: ImageStatusFilter },
  start = 0,
): Iterable<{ image: Image; tags: readonly string[] | undefined }> {
  const tags = tagsByDigest(repo);
  let skip = start;
  for (const image of repo.images.values()) {
    const t = tags.get(image.digest);
    if (!tagMatches(t, filter.tagStatus) || !statusMatches(image, filter.imageStatus)) continue;
    if (skip > 0) skip--;
    else yield { image, tags: t };
  }
}

/**
 * ListImages' entries: one per tag, and one per untagged image (digest only), in push order,
 * from entry `start` on (images before it are skipped whole, by their number of entries).
 */
export function* listImageIds(repo: Repository, tagStatus: TagStatus, start = 0): Iterable<{ imageDigest: string; imageTag?: string }> {
  const tags = tagsByDigest(repo);
  let skip = start;
  for (const image of repo.images.values()) {
    const t = tags.get(image.digest);
    const tagged = t !== undefined && t.length > 0;
    const entries = tagged ? (tagStatus === 'UNTAGGED' ? 0 : t.length) : tagStatus === 'TAGGED' ? 0 : 1;
    if (skip >= entries) {
      skip -= entries;
      continue;
    }
    if (tagged) for (let k = skip; k < t.length; k++) yield { imageDigest: image.digest, imageTag: t[k]! };
    else yield { imageDigest: image.digest };
    skip = 0;
  }
}

/** Digests of the image indexes in the repository that list `digest` as a child. */
export function indexesReferencing(repo: Repository, digest: string): string[] {
  const out: string[] = [];
  for (const image of repo.images.values()) if (image.manifests.includes(digest)) out.push(image.digest);
  return out;
}

/** digest -> media type of the config and layer descriptors of one stored manifest (parsed once per image). */
const descriptorTypes = new WeakMap<Image, Map<string, string>>();

function typesOf(image: Image): Map<string, string> {
  let types = descriptorTypes.get(image);
  if (!types) {
    types = new Map();
    try {
      const doc = JSON.parse(Buffer.from(image.bytes).toString('utf8')) as {
        config?: { digest?: unknown; mediaType?: unknown };
        layers?: { digest?: unknown; mediaType?: unknown }[];
      };
      for (const d of [doc.config, ...(Array.isArray(doc.layers) ? doc.layers : [])])
        if (d && typeof d.digest === 'string' && typeof d.mediaType === 'string') types.set(d.digest, d.mediaType);
    } catch {
      // not JSON: no descriptors
    }
    descriptorTypes.set(image, types);
  }
  return types;
}

/** The media type a manifest of the repository gives the blob (BatchCheckLayerAvailability's Layer.mediaType), if any does. */
export function blobMediaType(repo: Repository, digest: string): string | undefined {
  for (const image of repo.images.values()) {
    if (!image.blobs.includes(digest)) continue;
    const type = typesOf(image).get(digest);
    if (type !== undefined) return type;
  }
  return undefined;
}

/** The images of the repository whose manifest references the blob (config or layer). */
export function imagesUsingBlob(repo: Repository, digest: string): Image[] {
  return [...repo.images.values()].filter((image) => image.blobs.includes(digest));
}
