/**
 * end-12: the referrers of a subject digest as an OCI image index: one
 * descriptor per manifest in the repository whose `subject` is that digest,
 * with its artifactType and annotations, optionally filtered by artifactType.
 */
import { MEDIA_TYPES, parseManifest } from '../domain/manifest.ts';
import type { Image, Repository } from '../domain/state.ts';

export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ReferrersIndex {
  schemaVersion: 2;
  mediaType: typeof MEDIA_TYPES.ociIndex;
  manifests: ReferrerDescriptor[];
}

function describe(image: Image): ReferrerDescriptor {
  const parsed = parseManifest(image.bytes, image.mediaType);
  const annotations = parsed.ok ? parsed.manifest.annotations : undefined;
  return {
    mediaType: image.mediaType,
    digest: image.digest,
    size: image.bytes.byteLength,
    ...(image.artifactType === undefined ? {} : { artifactType: image.artifactType }),
    ...(annotations === undefined ? {} : { annotations: { ...annotations } }),
  };
}

export function listReferrers(repo: Repository | undefined, subject: string, artifactType?: string): ReferrersIndex {
  const manifests: ReferrerDescriptor[] = [];
  for (const digest of repo?.referrers.get(subject) ?? []) {
    const image = repo?.images.get(digest);
    if (!image) continue;
    if (artifactType !== undefined && image.artifactType !== artifactType) continue;
    manifests.push(describe(image));
  }
  return { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests };
}
