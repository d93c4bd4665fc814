/**
 * The registry at a position as the inspector shows it (GET /_rewind/registry):
 * repositories with their settings and counts, and per repository a page of its
 * images with tags, sizes, media types and push times; an index with its child
 * manifests and their platforms; referrers nested under their subject.
 * Read-only over a RegistryState.
 */
import { isIndexMediaType, parseManifest } from '../domain/manifest.ts';
import type { Image, RegistryState, Repository, RepoSettings } from '../domain/state.ts';

export interface ChildManifest {
  digest: string;
  mediaType: string;
  /** os/architecture[/variant], or '' when the index gives none. */
  platform: string;
  /** Whether the repository holds it at this position. */
  present: boolean;
}

export interface InspectedImage {
  digest: string;
  mediaType: string;
  tags: string[];
  size: number;
  pushedAt: string;
  lastPulledAt?: string;
  storageClass: string;
  artifactType?: string;
  subject?: string;
  manifests?: ChildManifest[];
  /** Indexes of this repository that list this manifest. */
  partOf?: string[];
  referrers?: InspectedImage[];
}

export interface InspectedRepository {
  account: string;
  region: string;
  name: string;
  createdAt: string;
  settings: RepoSettings;
  imageCount: number;
  tagCount: number;
  blobCount: number;
  /** Images that refer to no other image of the repository, from `offset` on (referrers nested below their subject). */
  images: InspectedImage[];
  offset: number;
  /** Top-level images in all (images minus nested referrers). */
  total: number;
}

export interface RegistryView {
  seq: number;
  repositories: InspectedRepository[];
  uploads: { id: string; repository: string; offset: number }[];
  blobs: { count: number; bytes: number };
}

export interface RegistryViewOptions {
  /** Only this repository (by name). */
  repository?: string;
  /** Images per repository from this top-level position. */
  offset?: number;
  /** At most this many top-level images per repository (default 200). */
  limit?: number;
  /** Images only for the repositories of these names (the others with their counts, no images); default: all. */
  imagesOf?: ReadonlySet<string>;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const platformOf = (p: Readonly<Record<string, unknown>> | undefined): string =>
  p ? [p.os, p.architecture, p.variant].filter((x) => typeof x === 'string' && x !== '').join('/') : '';

export function childManifests(repo: Repository, image: Image): ChildManifest[] {
  if (!isIndexMediaType(image.mediaType)) return [];
  const parsed = parseManifest(image.bytes, image.mediaType);
  if (!parsed.ok) return image.manifests.map((digest) => ({ digest, mediaType: '', platform: '', present: repo.images.has(digest) }));
  return parsed.manifest.manifests.map((m) => ({
    digest: m.digest,
    mediaType: m.mediaType,
    platform: platformOf(m.platform),
    present: repo.images.has(m.digest),
  }));
}

function inspectImage(
  repo: Repository,
  image: Image,
  tagsOf: Map<string, string[]>,
  partOf: Map<string, string[]>,
  depth = 0,
): InspectedImage {
  const referrers = depth < 4 ? (repo.referrers.get(image.digest) ?? []).map((d) => repo.images.get(d)).filter((i) => i !== undefined) : [];
  const manifests = image.manifests.length > 0 ? childManifests(repo, image) : [];
  return {
    digest: image.digest,
    mediaType: image.mediaType,
    tags: (tagsOf.get(image.digest) ?? []).sort(),
    size: image.size,
    pushedAt: iso(image.pushedAt),
    ...(image.lastPulledAt === undefined ? {} : { lastPulledAt: iso(image.lastPulledAt) }),
    storageClass: image.storageClass,
    ...(image.artifactType === undefined ? {} : { artifactType: image.artifactType }),
    ...(image.subject === undefined ? {} : { subject: image.subject }),
    ...(manifests.length > 0 ? { manifests } : {}),
    ...(partOf.has(image.digest) ? { partOf: partOf.get(image.digest)! } : {}),
    ...(referrers.length > 0
      ? { referrers: referrers.sort((a, b) => a.pushedAt - b.pushedAt).map((r) => inspectImage(repo, r, tagsOf, partOf, depth + 1)) }
      : {}),
  };
}

/** A repository's settings and counts: an InspectedRepository without its images. */
function repositorySummary(repo: Repository, offset: number, total: number): InspectedRepository {
  return {
    account: repo.account,
    region: repo.region,
    name: repo.name,
    createdAt: iso(repo.createdAt),
    settings: repo.settings,
    imageCount: repo.images.size,
    tagCount: repo.tags.size,
    blobCount: repo.blobs.size,
    images: [],
    offset,
    total,
  };
}

/** Top-level images: a referrer is shown below its subject when the subject is here. */
const isTopLevel = (repo: Repository, i: Image): boolean => i.subject === undefined || !repo.images.has(i.subject);

export function inspectRepository(repo: Repository, offset = 0, limit = 200): InspectedRepository {
  if (limit === 0) {
    let total = 0;
    for (const i of repo.images.values()) if (isTopLevel(repo, i)) total++;
    return repositorySummary(repo, offset, total);
  }
  const tagsOf = new Map<string, string[]>();
  for (const [tag, digest] of repo.tags) {
    const list = tagsOf.get(digest);
    if (list) list.push(tag);
    else tagsOf.set(digest, [tag]);
  }
  const partOf = new Map<string, string[]>();
  for (const image of repo.images.values())
    for (const child of image.manifests) {
      const list = partOf.get(child);
      if (list) list.push(image.digest);
      else partOf.set(child, [image.digest]);
    }
  const top = [...repo.images.values()]
    .filter((i) => isTopLevel(repo, i))
    .sort((a, b) => a.pushedAt - b.pushedAt || byText(a.digest, b.digest));
  return {
    ...repositorySummary(repo, offset, top.length),
    images: top.slice(offset, offset + limit).map((i) => inspectImage(repo, i, tagsOf, partOf)),
  };
}

export function registryView(state: RegistryState, opts: RegistryViewOptions = {}): RegistryView {
  const repositories = [...state.repos.values()]
    .filter((r) => opts.repository === undefined || r.name === opts.repository)
    .sort((a, b) => byText(a.name, b.name) || byText(a.account, b.account) || byText(a.region, b.region))
    .map((r) => inspectRepository(r, opts.offset ?? 0, opts.imagesOf && !opts.imagesOf.has(r.name) ? 0 : (opts.limit ?? 200)));
  let bytes = 0;
  for (const size of state.blobs.values()) bytes += size;
  const names = new Map([...state.repos].map(([key, r]) => [key, r.name]));
  return {
    seq: state.seq,
    repositories,
    uploads: [...state.uploads.values()].map((u) => ({ id: u.id, repository: names.get(u.repo) ?? u.repo, offset: u.offset })),
    blobs: { count: state.blobs.size, bytes },
  };
}
