/**
 * What changed between two registry states, for the inspector (GET /_rewind/diff):
 * per repository the images that appeared and vanished (with their tags and media
 * types), tags added, removed and moved (a moved tag is one line: from -> to), and
 * settings changed; a repository created or deleted in between lists its images
 * and tags as added or removed. Read-only over both states.
 */
import type { Image, RegistryState, Repository } from '../domain/state.ts';
import { diffRepository, type RepositoryChange } from './state-diff.ts';

export interface DiffImage {
  digest: string;
  mediaType: string;
  size: number;
  /** Its tags on the side where it exists. */
  tags: string[];
}

export interface RepositoryDiff {
  repository: string;
  account: string;
  region: string;
  status: 'created' | 'deleted' | 'changed';
  imagesAdded: DiffImage[];
  imagesRemoved: DiffImage[];
  tagsAdded: RepositoryChange['tagsAdded'];
  tagsRemoved: RepositoryChange['tagsRemoved'];
  tagsMoved: RepositoryChange['tagsMoved'];
  settingsChanged: RepositoryChange['settingsChanged'];
  blobsLinked: number;
  blobsUnlinked: number;
}

export interface DiffView {
  from: number;
  to: number;
  same: boolean;
  repositories: RepositoryDiff[];
  blobsAdded: number;
  uploadsStarted: string[];
  uploadsEnded: string[];
  registrySettingsChanged: string[];
}

const emptyLike = (r: Repository): Repository => ({
  account: r.account,
  region: r.region,
  name: r.name,
  createdAt: r.createdAt,
  blobs: new Map(),
  images: new Map(),
  tags: new Map(),
  tagsByDigest: new Map(),
  referrers: new Map(),
  settings: r.settings,
});

function describe(repo: Repository, digests: string[]): DiffImage[] {
  if (digests.length === 0) return [];
  const tagsOf = new Map<string, string[]>();
  for (const [tag, digest] of repo.tags) tagsOf.set(digest, [...(tagsOf.get(digest) ?? []), tag]);
  return digests.map((digest) => {
    const image = repo.images.get(digest) as Image;
    return { digest, mediaType: image.mediaType, size: image.size, tags: (tagsOf.get(digest) ?? []).sort() };
  });
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function diffView(a: RegistryState, b: RegistryState): DiffView {
  const keys = [...new Set([...a.repos.keys(), ...b.repos.keys()])].sort();
  const repositories: RepositoryDiff[] = [];
  for (const key of keys) {
    const ra = a.repos.get(key);
    const rb = b.repos.get(key);
    const status = !ra ? 'created' : !rb ? 'deleted' : 'changed';
    const before = ra ?? emptyLike(rb!);
    const after = rb ?? emptyLike(ra!);
    const c = diffRepository(key, before, after);
    if (!c && status === 'changed') continue;
    const any = ra ?? rb!;
    repositories.push({
      repository: any.name,
      account: any.account,
      region: any.region,
      status,
      imagesAdded: describe(after, c?.imagesAdded ?? []),
      imagesRemoved: describe(before, c?.imagesRemoved ?? []),
      tagsAdded: c?.tagsAdded ?? [],
      tagsRemoved: c?.tagsRemoved ?? [],
      tagsMoved: c?.tagsMoved ?? [],
      settingsChanged: status === 'changed' ? (c?.settingsChanged ?? []) : [],
      blobsLinked: c?.blobsLinked ?? 0,
      blobsUnlinked: c?.blobsUnlinked ?? 0,
    });
  }
  const scopes = [...new Set([...a.registries.keys(), ...b.registries.keys()])].sort();
  const view: DiffView = {
    from: a.seq,
    to: b.seq,
    same: false,
    repositories,
    blobsAdded: [...b.blobs.keys()].filter((d) => !a.blobs.has(d)).length,
    uploadsStarted: [...b.uploads.keys()].filter((u) => !a.uploads.has(u)).sort(),
    uploadsEnded: [...a.uploads.keys()].filter((u) => !b.uploads.has(u)).sort(),
    registrySettingsChanged: scopes.filter((s) => !sameJson(a.registries.get(s), b.registries.get(s))),
  };
  view.same =
    repositories.length === 0 &&
    view.blobsAdded === 0 &&
    view.uploadsStarted.length === 0 &&
    view.uploadsEnded.length === 0 &&
    view.registrySettingsChanged.length === 0 &&
    a.blobs.size === b.blobs.size;
  return view;
}
