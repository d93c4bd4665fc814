/**
 * What changed between two registry states (`ecr-rewind diff`): repositories
 * created or deleted, images added or removed, tags added, removed or moved,
 * settings changed, blob links and uploads. Both states are read, not changed.
 */
import type { RegistryState, Repository } from '../domain/state.ts';
import { canonicalJson as json, stateHash } from '../projections/canonical-state.ts';

export interface RepositoryChange {
  repository: string;
  imagesAdded: string[];
  imagesRemoved: string[];
  tagsAdded: { tag: string; digest: string }[];
  tagsRemoved: { tag: string; digest: string }[];
  tagsMoved: { tag: string; from: string; to: string }[];
  settingsChanged: { setting: string; from: unknown; to: unknown }[];
  blobsLinked: number;
  blobsUnlinked: number;
}

export interface StateDiff {
  from: { seq: number; hash: string };
  to: { seq: number; hash: string };
  same: boolean;
  repositoriesCreated: string[];
  repositoriesDeleted: string[];
  repositoriesChanged: RepositoryChange[];
  /** What a created repository holds at the end (its images and tags as added), in the order of repositoriesCreated. */
  contentOfCreated: RepositoryChange[];
  /** What a deleted repository held (its images and tags as removed), in the order of repositoriesDeleted. */
  contentOfDeleted: RepositoryChange[];
  blobsAdded: number;
  uploadsStarted: string[];
  uploadsEnded: string[];
  registrySettingsChanged: string[];
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

export function diffRepository(key: string, a: Repository, b: Repository): RepositoryChange | undefined {
  const c: RepositoryChange = {
    repository: key,
    imagesAdded: sorted([...b.images.keys()].filter((d) => !a.images.has(d))),
    imagesRemoved: sorted([...a.images.keys()].filter((d) => !b.images.has(d))),
    tagsAdded: [],
    tagsRemoved: [],
    tagsMoved: [],
    settingsChanged: [],
    blobsLinked: [...b.blobs.keys()].filter((d) => !a.blobs.has(d)).length,
    blobsUnlinked: [...a.blobs.keys()].filter((d) => !b.blobs.has(d)).length,
  };
  for (const tag of sorted(new Set([...a.tags.keys(), ...b.tags.keys()]))) {
    const was = a.tags.get(tag);
    const now = b.tags.get(tag);
    if (was === undefined && now !== undefined) c.tagsAdded.push({ tag, digest: now });
    else if (was !== undefined && now === undefined) c.tagsRemoved.push({ tag, digest: was });
    else if (was !== now) c.tagsMoved.push({ tag, from: was!, to: now! });
  }
  const sa = a.settings as unknown as Record<string, unknown>;
  const sb = b.settings as unknown as Record<string, unknown>;
  for (const setting of sorted(new Set([...Object.keys(sa), ...Object.keys(sb)]))) {
    if (json(sa[setting]) !== json(sb[setting])) c.settingsChanged.push({ setting, from: sa[setting], to: sb[setting] });
  }
  const changed =
    c.imagesAdded.length +
    c.imagesRemoved.length +
    c.tagsAdded.length +
    c.tagsRemoved.length +
    c.tagsMoved.length +
    c.settingsChanged.length +
    c.blobsLinked +
    c.blobsUnlinked;
  return changed > 0 || a.createdAt !== b.createdAt ? c : undefined;
}

/** The same repository without images, tags or blobs: what a created one is compared with. */
const hollow = (r: Repository): Repository => ({ ...r, images: new Map(), tags: new Map(), blobs: new Map() });

export function diffStates(a: RegistryState, b: RegistryState): StateDiff {
  const from = { seq: a.seq, hash: stateHash(a) };
  const to = { seq: b.seq, hash: stateHash(b) };
  const changed: RepositoryChange[] = [];
  for (const key of sorted(a.repos.keys())) {
    const rb = b.repos.get(key);
    if (!rb) continue;
    const c = diffRepository(key, a.repos.get(key)!, rb);
    if (c) changed.push(c);
  }
  const scopes = sorted(new Set([...a.registries.keys(), ...b.registries.keys()]));
  const created = sorted([...b.repos.keys()].filter((k) => !a.repos.has(k)));
  const deleted = sorted([...a.repos.keys()].filter((k) => !b.repos.has(k)));
  const content = (key: string, from: Repository, to: Repository): RepositoryChange =>
    diffRepository(key, from, to) ?? {
      repository: key,
      imagesAdded: [],
      imagesRemoved: [],
      tagsAdded: [],
      tagsRemoved: [],
      tagsMoved: [],
      settingsChanged: [],
      blobsLinked: 0,
      blobsUnlinked: 0,
    };
  return {
    from,
    to,
    same: from.hash === to.hash,
    repositoriesCreated: created,
    repositoriesDeleted: deleted,
    repositoriesChanged: changed,
    contentOfCreated: created.map((k) => content(k, hollow(b.repos.get(k)!), b.repos.get(k)!)),
    contentOfDeleted: deleted.map((k) => content(k, a.repos.get(k)!, hollow(a.repos.get(k)!))),
    blobsAdded: [...b.blobs.keys()].filter((d) => !a.blobs.has(d)).length,
    uploadsStarted: sorted([...b.uploads.keys()].filter((u) => !a.uploads.has(u))),
    uploadsEnded: sorted([...a.uploads.keys()].filter((u) => !b.uploads.has(u))),
    registrySettingsChanged: scopes.filter((s) => json(a.registries.get(s)) !== json(b.registries.get(s))),
  };
}
