/**
 * The "registry" projection: every repository, image, tag, blob link and upload
 * (domain/state.ts), folded by domain/evolve.ts, and its snapshot form. Bump
 * VERSION whenever that form or the meaning of the state changes: journal
 * snapshots of another version are rebuilt by replay instead of misread, and
 * snapshot files (portable, made by older versions) keep decoding through the
 * decoder of their version.
 *
 * Version 2: every digest is stored once, in `digests`, and everywhere
 * else as its index there; Maps are flat arrays of alternating keys and values;
 * an image is a tuple. Decoding a checkpoint then makes one string per digest
 * (the image, its tags, its blob links and the global blob table share it) and
 * no entry pairs: 10,000 images decode in about half the time of version 1,
 * whose form (Maps as entry arrays, images as objects, digests inline) is still read.
 *
 * Version 3: the version-2 form plus `clockOffsetMs` (RegistryState.clockOffsetMs,
 * the total of the ClockAdvanced events) once the clock was advanced; a version-2 form is read
 * as a registry whose clock was never advanced.
 *
 * Version 4: the version-3 form plus `scanning` (RegistryState.scanning, the advisory
 * list image scans match against, domain/scanning/scanning-state.ts) once one was put; versions
 * 2 and 3 are read as registries without one. Image scan results are image fields, carried in
 * each image's `rest` since version 2.
 *
 * Version 5 (written): the same facts in columns (registry-form-v5.ts): a checkpoint of 100,000
 * images decodes in a third of the time and keeps no view into the checkpoint's buffer, and it
 * carries the order of each image's tags (the tag index, domain/repository-tags.ts); versions 1
 * to 4 are read with that index built from the order of the tags Map.
 */
import { evolve } from '../domain/evolve.ts';
import { indexTags } from '../domain/repository-tags.ts';
import { repoKey } from '../domain/scope.ts';
import type { ScanningState } from '../domain/scanning/scanning-state.ts';
import { emptyState, type Image, type RegistrySettings, type RegistryState, type Repository, type Upload } from '../domain/state.ts';
import type { Projection } from './projection.ts';
import { decodeVersion5, encodeVersion5, type ImageRest, PLACED_IMAGE_FIELDS, type RegistryFormV5 } from './registry-form-v5.ts';

/** An index into RegistrySnapshot.digests. */
type D = number;

/**
 * [digest, mediaType, bytes, pushedAt, size, blobs, manifests, subject, artifactType,
 *  configMediaType, storageClass, rest]: absent optional fields are null; `rest` holds the
 * rarer ones (lastPulledAt, storageClassChangedAt, extra), or is null when there are none.
 */
type ImageTuple = [
  D,
  string,
  Uint8Array,
  number,
  number,
  D[],
  D[],
  D | null,
  string | null,
  string | null,
  Image['storageClass'],
  ImageRest | null,
];

interface RepositorySnapshot {
  account: string;
  region: string;
  name: string;
  createdAt: number;
  /** [digest, size, ...] */
  blobs: (D | number)[];
  images: ImageTuple[];
  /** [tag, digest, ...] */
  tags: (string | D)[];
  /** [subject, [referrer digests], ...] */
  referrers: (D | D[])[];
  settings: Repository['settings'];
}

interface RegistrySnapshot {
  seq: number;
  digests: string[];
  registries: [string, RegistrySettings][];
  repos: RepositorySnapshot[];
  uploads: Upload[];
  /** [digest, size, ...] */
  blobs: (D | number)[];
  /** RegistryState.clockOffsetMs; absent when the clock was never advanced (and in older checkpoints). */
  clockOffsetMs?: number;
  /** Version 4: RegistryState.scanning; absent when no advisory list was ever put. */
  scanning?: ScanningState;
}

/** The form this build writes (version 5). */
export const encodeRegistryState = (s: RegistryState): RegistryFormV5 => encodeVersion5(s);

/** The version-4 form (no longer written; tests make older checkpoints with it). */
export function encodeVersion4(s: RegistryState): RegistrySnapshot {
  const digests: string[] = [];
  const indexOf = new Map<string, D>();
  const d = (digest: string): D => {
    let i = indexOf.get(digest);
    if (i === undefined) {
      i = digests.length;
      digests.push(digest);
      indexOf.set(digest, i);
    }
    return i;
  };
  const sizes = (m: Map<string, number>): (D | number)[] => {
    const out: (D | number)[] = [];
    for (const [digest, size] of m) out.push(d(digest), size);
    return out;
  };
  const repos = [...s.repos.values()].map((r): RepositorySnapshot => {
    const tags: (string | D)[] = [];
    for (const [tag, digest] of r.tags) tags.push(tag, d(digest));
    const referrers: (D | D[])[] = [];
    for (const [subject, list] of r.referrers) referrers.push(d(subject), list.map(d));
    return {
      account: r.account,
      region: r.region,
      name: r.name,
      createdAt: r.createdAt,
      blobs: sizes(r.blobs),
      images: [...r.images.values()].map((i) => encodeImage(i, d)),
      tags,
      referrers,
      settings: r.settings,
    };
  });
  return {
    seq: s.seq,
    digests,
    registries: [...s.registries],
    repos,
    uploads: [...s.uploads.values()],
    blobs: sizes(s.blobs),
    ...(s.clockOffsetMs !== undefined ? { clockOffsetMs: s.clockOffsetMs } : {}),
    ...(s.scanning !== undefined ? { scanning: s.scanning } : {}),
  };
}

function encodeImage(i: Image, d: (digest: string) => D): ImageTuple {
  let rest: ImageRest | null = null;
  for (const key in i) {
    const value = (i as unknown as ImageRest)[key];
    if (value === undefined || PLACED_IMAGE_FIELDS.has(key)) continue;
    (rest ??= {})[key] = value;
  }
  return [
    d(i.digest),
    i.mediaType,
    i.bytes,
    i.pushedAt,
    i.size,
    i.blobs.map(d),
    i.manifests.map(d),
    i.subject === undefined ? null : d(i.subject),
    i.artifactType ?? null,
    i.configMediaType ?? null,
    i.storageClass,
    rest,
  ];
}

/** The state from a checkpoint form of the given version (one of registryProjection.readable). */
export function decodeRegistryState(raw: unknown, version: number): RegistryState {
  if (version === 5) return decodeVersion5(raw as RegistryFormV5);
  if (version === 1) return decodeVersion1(raw as RegistrySnapshotV1);
  if (version !== 2 && version !== 3 && version !== 4)
    throw new Error(`registry projection version ${version} is not one this build reads`);
  const s = raw as RegistrySnapshot;
  const digests = s.digests;
  const sizes = (flat: (D | number)[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (let k = 0; k < flat.length; k += 2) m.set(digests[flat[k]!]!, flat[k + 1]!);
    return m;
  };
  const repos = new Map<string, Repository>();
  for (const r of s.repos) {
    const images = new Map<string, Image>();
    for (const t of r.images) {
      const image = decodeImage(t, digests);
      images.set(image.digest, image);
    }
    const tags = new Map<string, string>();
    for (let k = 0; k < r.tags.length; k += 2) tags.set(r.tags[k] as string, digests[r.tags[k + 1] as D]!);
    const tagsByDigest = indexTags(tags);
    const referrers = new Map<string, string[]>();
    for (let k = 0; k < r.referrers.length; k += 2)
      referrers.set(
        digests[r.referrers[k] as D]!,
        (r.referrers[k + 1] as D[]).map((i) => digests[i]!),
      );
    repos.set(repoKey(r, r.name), {
      account: r.account,
      region: r.region,
      name: r.name,
      createdAt: r.createdAt,
      blobs: sizes(r.blobs),
      images,
      tags,
      tagsByDigest,
      referrers,
      settings: r.settings,
    });
  }
  return {
    seq: s.seq,
    registries: new Map(s.registries),
    repos,
    uploads: new Map(s.uploads.map((u) => [u.id, u])),
    blobs: sizes(s.blobs),
    ...(s.clockOffsetMs !== undefined ? { clockOffsetMs: s.clockOffsetMs } : {}),
    ...(version === 4 && s.scanning !== undefined ? { scanning: s.scanning } : {}),
  };
}

/** An image with the keys in the order evolve() gives them (one hidden class for both). */
function decodeImage(t: ImageTuple, digests: string[]): Image {
  const [digest, mediaType, bytes, pushedAt, size, blobs, manifests, subject, artifactType, configMediaType, storageClass, rest] = t;
  const image: Image = {
    digest: digests[digest]!,
    mediaType,
    bytes,
    pushedAt,
    size,
    blobs: blobs.map((i) => digests[i]!),
    manifests: manifests.length === 0 ? [] : manifests.map((i) => digests[i]!),
    storageClass,
    ...(subject === null ? {} : { subject: digests[subject]! }),
    ...(artifactType === null ? {} : { artifactType }),
    ...(configMediaType === null ? {} : { configMediaType }),
  };
  return rest === null ? image : Object.assign(image, rest);
}

/** Version 1: Maps as arrays of entries, images as they are in the state. */
interface RegistrySnapshotV1 {
  seq: number;
  registries: [string, RegistrySettings][];
  repos: {
    account: string;
    region: string;
    name: string;
    createdAt: number;
    blobs: [string, number][];
    images: Image[];
    tags: [string, string][];
    referrers: [string, string[]][];
    settings: Repository['settings'];
  }[];
  uploads: Upload[];
  blobs: [string, number][];
  /** Never written by a version-1 writer (it predates ClockAdvanced); read when present. */
  clockOffsetMs?: number;
}

function decodeVersion1(s: RegistrySnapshotV1): RegistryState {
  return {
    seq: s.seq,
    registries: new Map(s.registries),
    repos: new Map(
      s.repos.map((r) => {
        const tags = new Map(r.tags);
        const repo: Repository = {
          account: r.account,
          region: r.region,
          name: r.name,
          createdAt: r.createdAt,
          blobs: new Map(r.blobs),
          images: new Map(r.images.map((i) => [i.digest, i])),
          tags,
          tagsByDigest: indexTags(tags),
          referrers: new Map(r.referrers),
          settings: r.settings,
        };
        return [repoKey(r, r.name), repo];
      }),
    ),
    uploads: new Map(s.uploads.map((u) => [u.id, u])),
    blobs: new Map(s.blobs),
    ...(s.clockOffsetMs !== undefined ? { clockOffsetMs: s.clockOffsetMs } : {}),
  };
}

/** The registry projection: the state every query reads, folded by the domain's evolve(). */
export const registryProjection: Projection<RegistryState> = {
  name: 'registry',
  version: 5,
  readable: [1, 2, 3, 4, 5],
  initial: emptyState,
  evolve,
  encode: encodeRegistryState,
  decode: decodeRegistryState,
};
