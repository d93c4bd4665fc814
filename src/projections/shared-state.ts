/**
 * Kept states that share with the live one (copy on write): what a mark keeps, what a reset
 * brings back, and the rungs of the inspector's state ladder (replay/state-ladder.ts).
 *
 * keep(w) returns a state that is never changed again; the working state goes on sharing every
 * repository, image and the blob table with it, and copies each of them the first time an event
 * is about to change it (prepare, before evolve). fork(kept) starts a working state from a kept
 * one the same way. So keeping or restoring a state costs a Map of repositories, the registries'
 * settings and the open uploads, not a copy of every image and tag: a reset of a registry of
 * 100,000 images is a few milliseconds instead of seconds.
 *
 * It rests on one rule of the evolvers (domain/evolve.ts): an event changes only the repository
 * its data names (account, region, repository; or its upload's repository), only the images of
 * it named by its `digest`, the registry's blob table (UploadCompleted), the registries'
 * settings, the uploads, and replaces (never changes in place) `scanning`. Each of those is copied
 * here before the event, the settings and an image's `extra` deeply, as evolvers change those in place.
 */
import { markFrozen } from '../domain/deferred-images.ts';
import { DigestSizes } from '../domain/digest-sizes.ts';
import type { RecordedEvent } from '../domain/events.ts';
import { evolve } from '../domain/evolve.ts';
import { copyTags } from '../domain/repository-tags.ts';
import { repoKey } from '../domain/scope.ts';
import type { Image, RegistryState, Repository, Upload } from '../domain/state.ts';

/**
 * What a working state owns outright (safe to change in place) since it last shared; undefined:
 * it owns everything (nothing was ever kept from it).
 */
export interface Ownership {
  repos: Set<Repository>;
  images: Set<Image>;
  /** Whether state.blobs is its own (else shared with a kept state: copied before UploadCompleted). */
  blobs: boolean;
}

export interface Working {
  state: RegistryState;
  own?: Ownership | undefined;
}

export function copyRepository(r: Repository): Repository {
  const referrers = new Map<string, string[]>();
  for (const [d, list] of r.referrers) referrers.set(d, [...list]);
  const { tags, tagsByDigest } = copyTags(r);
  return {
    account: r.account,
    region: r.region,
    name: r.name,
    createdAt: r.createdAt,
    blobs: DigestSizes.copy(r.blobs),
    images: new Map(r.images),
    tags,
    tagsByDigest,
    referrers,
    // evolvers change some settings in place (a repository's lifecycle bookkeeping)
    settings: structuredClone(r.settings),
  };
}

/** The parts of a state that are copied whole when it is kept or forked (small: settings, open uploads). */
function topLevel(s: RegistryState, blobs: Map<string, number>): RegistryState {
  const uploads = new Map<string, Upload>();
  for (const [id, u] of s.uploads) uploads.set(id, { ...u });
  return {
    seq: s.seq,
    registries: s.registries.size === 0 ? new Map() : structuredClone(s.registries),
    repos: new Map(s.repos),
    uploads,
    blobs,
    ...(s.clockOffsetMs !== undefined ? { clockOffsetMs: s.clockOffsetMs } : {}),
    ...(s.scanning !== undefined ? { scanning: s.scanning } : {}),
  };
}

/** Its repositories are shared with a kept state from now on: never changed again (prepare copies them first). */
function freeze(s: RegistryState): void {
  for (const r of s.repos.values()) markFrozen(r);
}

/** A kept copy of a working state, never changed again; the working state goes on sharing with it. */
export function keep(w: Working): RegistryState {
  const kept = topLevel(w.state, w.state.blobs);
  w.own = { repos: new Set(), images: new Set(), blobs: false };
  freeze(kept);
  return kept;
}

/** A working state that starts from a kept one (sharing everything it can). */
export function fork(kept: RegistryState): Working {
  freeze(kept);
  return { state: topLevel(kept, kept.blobs), own: { repos: new Set(), images: new Set(), blobs: false } };
}

/** Copies what `e` is about to change, where it is shared with a kept state. */
function prepare(w: Working, e: RecordedEvent): void {
  const own = w.own;
  if (own === undefined) return;
  const s = w.state;
  const d = e.data as { account?: unknown; region?: unknown; repository?: unknown; uploadId?: unknown; digest?: unknown };
  let key: string | undefined;
  if (typeof d.repository === 'string' && typeof d.account === 'string' && typeof d.region === 'string')
    key = repoKey({ account: d.account, region: d.region }, d.repository);
  else if (typeof d.uploadId === 'string') key = s.uploads.get(d.uploadId)?.repo;
  let repo = key === undefined ? undefined : s.repos.get(key);
  if (repo && !own.repos.has(repo)) {
    repo = copyRepository(repo);
    s.repos.set(key!, repo);
    own.repos.add(repo);
  }
  if (repo && typeof d.digest === 'string') {
    const image = repo.images.get(d.digest);
    if (image && !own.images.has(image)) {
      const copy = { ...image };
      if (image.extra) copy.extra = structuredClone(image.extra);
      repo.images.set(d.digest, copy);
      own.images.add(copy);
    }
  }
  if (e.type === 'UploadCompleted' && !own.blobs) {
    (s as { blobs: Map<string, number> }).blobs = DigestSizes.copy(s.blobs);
    own.blobs = true;
  }
}

/** Marks what `e` created as the working state's own. */
function adopt(w: Working, e: RecordedEvent): void {
  const own = w.own;
  if (own === undefined) return;
  const d = e.data as { account?: string; region?: string; repository?: string; digest?: string };
  if (e.type !== 'RepositoryCreated' && e.type !== 'ManifestPut') return;
  const repo = w.state.repos.get(repoKey({ account: d.account!, region: d.region! }, d.repository!));
  if (!repo) return;
  if (e.type === 'RepositoryCreated') own.repos.add(repo);
  else {
    const image = repo.images.get(d.digest!);
    if (image) own.images.add(image);
  }
}

/** Folds one event (not Rewound) into a working state, copying first what it is about to change. */
export function foldShared(w: Working, e: RecordedEvent): void {
  prepare(w, e);
  evolve(w.state, e);
  adopt(w, e);
}
