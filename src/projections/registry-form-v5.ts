/**
 * Version 5 of the registry projection's checkpoint form: columns (projections/columns.ts).
 *
 *   seq, registries, uploads, clockOffsetMs?, scanning?   as in version 4
 *   digests     every digest once, as a text column; everywhere else a digest is its index there
 *   strings     the other repeated strings (media types, artifact types, storage classes), once each
 *   manifests   every image's manifest bytes, back to back (an image names its start and length)
 *   blobs       the registry's blob table: [u32 digest, f64 size] columns
 *   repos       per repository: account, region, name, createdAt, settings, as they are;
 *               blobs   [u32 digest, f64 size]
 *               images  one column per image field, in the repository's image order: digest,
 *                       mediaType (a string index), start and length in `manifests`, pushedAt, size,
 *                       blob and child manifest digests (a count column and a flat column each),
 *                       subject, artifactType, configMediaType (-1: none), storageClass, and `rest`:
 *                       [image position, the image's other fields] for images that have any
 *               tags    [text column of tag names, u32 digest per tag], in the tags Map's order
 *               tagOrder  [digest, its tags] for each image whose tags were put in another order
 *                       than the tags Map lists them (a tag moved onto it): the order DescribeImages
 *                       answers with, which the tag index (tagsByDigest) keeps
 *               referrers  [subject, [referrer digests], ...] as in version 4
 *
 * Decoding makes no msgpack value per tag, digest or image field: 100,000 images decode in about a
 * third of the time version 4 took. An image's manifest bytes are a view into the checkpoint's
 * buffer (which must not change afterwards, as journal/checkpoints.ts decodeCheckpoint says): a copy
 * of them (80 MB at 100,000 images, zeroed then written) cost a start more than keeping the rest of
 * the checkpoint's buffer resident costs in memory (its other columns, ~100 MB there). A
 * repository's blob table and tags are built from their columns the first time they are read
 * (decodeRepository).
 *
 * It is over 400 lines because the form's encoder and decoder are kept side by side, field by
 * field: split, a field added to one and not the other would go unnoticed until a round trip.
 */
import { DeferredImages } from '../domain/deferred-images.ts';
import { DigestSizes } from '../domain/digest-sizes.ts';
import { newTags } from '../domain/repository-tags.ts';
import type { ScanningState } from '../domain/scanning/scanning-state.ts';
import { repoKey } from '../domain/scope.ts';
import type { Image, RegistrySettings, RegistryState, Repository, Upload } from '../domain/state.ts';
import { f64Column, i32Column, readF64, readI32, readU32, TextList, textColumn, u32Column, type TextColumn } from './columns.ts';

/**
 * The image fields a checkpoint form holds in place (v5's columns, v2-v4's tuples); any other
 * field (lastPulledAt, storageClassChangedAt, what later features add) travels in `rest`, as it is.
 */
export const PLACED_IMAGE_FIELDS: ReadonlySet<string> = new Set([
  'digest',
  'mediaType',
  'bytes',
  'pushedAt',
  'size',
  'blobs',
  'manifests',
  'subject',
  'artifactType',
  'configMediaType',
  'storageClass',
]);

export type ImageRest = Record<string, unknown>;

interface ImagesV5 {
  digest: Buffer;
  mediaType: Buffer;
  start: Buffer;
  length: Buffer;
  pushedAt: Buffer;
  size: Buffer;
  blobCounts: Buffer;
  blobs: Buffer;
  manifestCounts: Buffer;
  manifests: Buffer;
  subject: Buffer;
  artifactType: Buffer;
  configMediaType: Buffer;
  storageClass: Buffer;
  rest: [number, ImageRest][];
}

interface RepositoryV5 {
  account: string;
  region: string;
  name: string;
  createdAt: number;
  settings: Repository['settings'];
  blobs: [Buffer, Buffer];
  images: ImagesV5;
  tags: [TextColumn, Buffer];
  tagOrder: [number, string[]][];
  referrers: (number | number[])[];
}

export interface RegistryFormV5 {
  seq: number;
  digests: TextColumn;
  strings: string[];
  manifests: Buffer;
  registries: [string, RegistrySettings][];
  repos: RepositoryV5[];
  uploads: Upload[];
  blobs: [Buffer, Buffer];
  clockOffsetMs?: number;
  scanning?: ScanningState;
}

/** Interns strings into a table: the index of each. */
function table(): { list: string[]; of(s: string): number } {
  const list: string[] = [];
  const index = new Map<string, number>();
  return {
    list,
    of(s) {
      let i = index.get(s);
      if (i === undefined) index.set(s, (i = list.push(s) - 1));
      return i;
    },
  };
}

function sizesColumns(m: ReadonlyMap<string, number>, d: (digest: string) => number): [Buffer, Buffer] {
  const digests: number[] = [];
  const sizes: number[] = [];
  for (const [digest, size] of m) {
    digests.push(d(digest));
    sizes.push(size);
  }
  return [u32Column(digests), f64Column(sizes)];
}

/** Images whose tag index lists their tags in another order than the tags Map does. */
function tagOrderOf(repo: Repository, d: (digest: string) => number): [number, string[]][] {
  const byMap = new Map<string, string[]>();
  for (const [tag, digest] of repo.tags) {
    const list = byMap.get(digest);
    if (list) list.push(tag);
    else byMap.set(digest, [tag]);
  }
  const out: [number, string[]][] = [];
  for (const [digest, list] of repo.tagsByDigest) {
    const mapped = byMap.get(digest);
    if (mapped === undefined || mapped.length !== list.length || mapped.some((t, i) => t !== list[i])) out.push([d(digest), [...list]]);
  }
  return out;
}

interface Encoder {
  d(digest: string): number;
  s(text: string): number;
  /** Appends manifest bytes; returns where they start. */
  bytes(b: Uint8Array): number;
}

function encodeImages(images: Iterable<Image>, e: Encoder): ImagesV5 {
  const c = {
    digest: [] as number[],
    mediaType: [] as number[],
    start: [] as number[],
    length: [] as number[],
    pushedAt: [] as number[],
    size: [] as number[],
    blobCounts: [] as number[],
    blobs: [] as number[],
    manifestCounts: [] as number[],
    manifests: [] as number[],
    subject: [] as number[],
    artifactType: [] as number[],
    configMediaType: [] as number[],
    storageClass: [] as number[],
  };
  const rest: [number, ImageRest][] = [];
  let k = 0;
  for (const i of images) {
    c.digest.push(e.d(i.digest));
    c.mediaType.push(e.s(i.mediaType));
    c.start.push(e.bytes(i.bytes));
    c.length.push(i.bytes.byteLength);
    c.pushedAt.push(i.pushedAt);
    c.size.push(i.size);
    c.blobCounts.push(i.blobs.length);
    for (const b of i.blobs) c.blobs.push(e.d(b));
    c.manifestCounts.push(i.manifests.length);
    for (const m of i.manifests) c.manifests.push(e.d(m));
    c.subject.push(i.subject === undefined ? -1 : e.d(i.subject));
    c.artifactType.push(i.artifactType === undefined ? -1 : e.s(i.artifactType));
    c.configMediaType.push(i.configMediaType === undefined ? -1 : e.s(i.configMediaType));
    c.storageClass.push(e.s(i.storageClass));
    let extra: ImageRest | undefined;
    for (const key in i) {
      const value = (i as unknown as ImageRest)[key];
      if (value === undefined || PLACED_IMAGE_FIELDS.has(key)) continue;
      (extra ??= {})[key] = value;
    }
    if (extra) rest.push([k, extra]);
    k++;
  }
  return {
    digest: u32Column(c.digest),
    mediaType: u32Column(c.mediaType),
    start: f64Column(c.start),
    length: u32Column(c.length),
    pushedAt: f64Column(c.pushedAt),
    size: f64Column(c.size),
    blobCounts: u32Column(c.blobCounts),
    blobs: u32Column(c.blobs),
    manifestCounts: u32Column(c.manifestCounts),
    manifests: u32Column(c.manifests),
    subject: i32Column(c.subject),
    artifactType: i32Column(c.artifactType),
    configMediaType: i32Column(c.configMediaType),
    storageClass: u32Column(c.storageClass),
    rest,
  };
}

function encodeRepository(r: Repository, e: Encoder): RepositoryV5 {
  const names: string[] = [];
  const tagDigests: number[] = [];
  for (const [tag, digest] of r.tags) {
    names.push(tag);
    tagDigests.push(e.d(digest));
  }
  const referrers: (number | number[])[] = [];
  for (const [subject, list] of r.referrers) referrers.push(e.d(subject), list.map(e.d));
  return {
    account: r.account,
    region: r.region,
    name: r.name,
    createdAt: r.createdAt,
    settings: r.settings,
    blobs: sizesColumns(r.blobs, e.d),
    images: encodeImages(r.images.values(), e),
    tags: [textColumn(names), u32Column(tagDigests)],
    tagOrder: tagOrderOf(r, e.d),
    referrers,
  };
}

export function encodeVersion5(s: RegistryState): RegistryFormV5 {
  const digests = table();
  const strings = table();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const e: Encoder = {
    d: digests.of,
    s: strings.of,
    bytes(b) {
      chunks.push(b);
      total += b.byteLength;
      return total - b.byteLength;
    },
  };
  const repos = [...s.repos.values()].map((r) => encodeRepository(r, e));
  const blobs = sizesColumns(s.blobs, e.d);
  const manifests = Buffer.allocUnsafe(total);
  let at = 0;
  for (const c of chunks) {
    manifests.set(c, at);
    at += c.byteLength;
  }
  return {
    seq: s.seq,
    digests: textColumn(digests.list),
    strings: strings.list,
    manifests,
    registries: [...s.registries],
    repos,
    uploads: [...s.uploads.values()],
    blobs,
    ...(s.clockOffsetMs !== undefined ? { clockOffsetMs: s.clockOffsetMs } : {}),
    ...(s.scanning !== undefined ? { scanning: s.scanning } : {}),
  };
}

interface Decoder {
  digests: TextList;
  strings: string[];
  /** The manifest bytes, back to back: a view into the checkpoint's buffer. */
  manifests: Uint8Array;
}

/** One shared empty list for the child manifests of every image manifest (an image's lists are never changed). */
const NO_CHILDREN: readonly string[] = Object.freeze([]);

interface Sizes {
  digests: Uint32Array;
  sizes: Float64Array;
}

/** A digest -> size table's columns, read (copied out of the checkpoint's buffer) and checked. */
function readSizes(cols: [Buffer, Buffer], digestCount: number, what: string): Sizes {
  const digests = readU32(cols[0], `${what} digests`);
  const sizes = readF64(cols[1], `${what} sizes`);
  if (digests.length !== sizes.length) throw new Error(`${what}: ${digests.length} digests, ${sizes.length} sizes`);
  for (let k = 0; k < digests.length; k++) if (digests[k]! >= digestCount) throw new Error(`${what}: digest ${digests[k]} out of range`);
  return { digests, sizes };
}

/**
 * The table, built on its first read (domain/digest-sizes.ts). The digest list names each digest once
 * (encodeVersion5's `table()`), so different indexes are different digests: the size needs no table.
 */
const sizesMap = (c: Sizes, digests: TextList): Map<string, number> =>
  DigestSizes.fromColumns(c.digests, (i) => digests.at(i), c.sizes, true);

/** An image's manifest bytes: a view of `manifests`, never of the bytes around it in the checkpoint. */
function manifestBytes(manifests: Uint8Array, start: number, length: number): Uint8Array {
  if (start + length > manifests.byteLength) throw new Error(`manifest bytes ${start}+${length} out of range`);
  return new Uint8Array(manifests.buffer, manifests.byteOffset + start, length);
}

/** Checks that every value of `column` is below `limit` (an index into a list of that length). */
function checkIndexes(column: ArrayLike<number>, limit: number, what: string): void {
  for (let k = 0; k < column.length; k++) if (column[k]! >= limit) throw new Error(`${what}: index ${column[k]} out of range`);
}

/** Where each image's entries start in a flat column of counts[k] entries per image (n + 1 offsets). */
function offsetsOf(counts: Uint32Array, total: number, what: string): Uint32Array {
  const at = new Uint32Array(counts.length + 1);
  for (let k = 0; k < counts.length; k++) at[k + 1] = at[k]! + counts[k]!;
  if (at[counts.length] !== total) throw new Error(`${what}: the counts add up to ${at[counts.length]}, the column holds ${total}`);
  return at;
}

/**
 * The images of a repository, with the keys in the order evolve() gives them (one hidden class for
 * both), made when the repository's images are first used (domain/deferred-images.ts). The columns
 * are read and checked here, so a damaged form is refused when it is decoded, not on a later read.
 */
function decodeImages(c: ImagesV5, x: Decoder): Map<string, Image> {
  const digest = readU32(c.digest, 'image digest');
  const mediaType = readU32(c.mediaType, 'mediaType');
  const start = readF64(c.start, 'start');
  const length = readU32(c.length, 'length');
  const pushedAt = readF64(c.pushedAt, 'pushedAt');
  const size = readF64(c.size, 'size');
  const blobs = readU32(c.blobs, 'blobs');
  const blobAt = offsetsOf(readU32(c.blobCounts, 'blobCounts'), blobs.length, 'blobs');
  const manifests = readU32(c.manifests, 'manifests');
  const manifestAt = offsetsOf(readU32(c.manifestCounts, 'manifestCounts'), manifests.length, 'manifests');
  const subject = readI32(c.subject, 'subject');
  const artifactType = readI32(c.artifactType, 'artifactType');
  const configMediaType = readI32(c.configMediaType, 'configMediaType');
  const storageClass = readU32(c.storageClass, 'storageClass');
  const { digests, strings } = x;
  const n = digest.length;
  for (const [what, col] of [
    ['mediaType', mediaType],
    ['start', start],
    ['length', length],
    ['pushedAt', pushedAt],
    ['size', size],
    ['subject', subject],
    ['artifactType', artifactType],
    ['configMediaType', configMediaType],
    ['storageClass', storageClass],
  ] as const)
    if (col.length !== n) throw new Error(`image column ${what} has ${col.length} values for ${n} images`);
  for (const col of [digest, blobs, manifests, subject]) checkIndexes(col, digests.length, 'image digests');
  for (const col of [mediaType, artifactType, configMediaType, storageClass]) checkIndexes(col, strings.length, 'image strings');
  for (let k = 0; k < n; k++)
    if (start[k]! + length[k]! > x.manifests.byteLength) throw new Error(`manifest bytes ${start[k]}+${length[k]} out of range`);
  const rest = new Map(c.rest);
  for (const k of rest.keys()) if (!(k >= 0 && k < n)) throw new Error(`image rest: position ${k} out of range`);
  const made: (Image | undefined)[] = new Array(n);
  const make = (k: number): Image => {
    let image = made[k];
    if (image !== undefined) return image;
    const blobList = new Array<string>(blobAt[k + 1]! - blobAt[k]!);
    for (let j = 0, b = blobAt[k]!; j < blobList.length; j++) blobList[j] = digests.at(blobs[b++]!);
    let childList = NO_CHILDREN;
    if (manifestAt[k + 1]! > manifestAt[k]!) {
      const list = new Array<string>(manifestAt[k + 1]! - manifestAt[k]!);
      for (let j = 0, m = manifestAt[k]!; j < list.length; j++) list[j] = digests.at(manifests[m++]!);
      childList = list;
    }
    image = {
      digest: digests.at(digest[k]!),
      mediaType: strings[mediaType[k]!]!,
      bytes: manifestBytes(x.manifests, start[k]!, length[k]!),
      pushedAt: pushedAt[k]!,
      size: size[k]!,
      blobs: blobList,
      manifests: childList,
      storageClass: strings[storageClass[k]!] as Image['storageClass'],
      ...(subject[k]! < 0 ? {} : { subject: digests.at(subject[k]!) }),
      ...(artifactType[k]! < 0 ? {} : { artifactType: strings[artifactType[k]!]! }),
      ...(configMediaType[k]! < 0 ? {} : { configMediaType: strings[configMediaType[k]!]! }),
    };
    const extra = rest.get(k);
    if (extra !== undefined) Object.assign(image, extra);
    made[k] = image;
    return image;
  };
  return DeferredImages.of(
    (put) => {
      for (let k = 0; k < n; k++) put(make(k));
    },
    () => [...rest].filter(([, r]) => r.extra !== undefined).map(([k]) => make(k)),
  );
}

/** A repository's tag columns, read (copied out of the checkpoint's buffer) and checked. */
interface TagColumns {
  /** the tag names back to back, and the length of each */
  text: string;
  lengths: Uint32Array;
  digests: Uint32Array;
  order: [number, string[]][];
}

function readTagColumns(r: RepositoryV5, digestCount: number): TagColumns {
  const column = r.tags[0] as unknown;
  if (!Array.isArray(column) || typeof column[0] !== 'string') throw new Error(`repository ${r.name}: tag names are not [text, lengths]`);
  const text = column[0];
  const lengths = readU32(column[1] as Uint8Array, 'tag names');
  const digests = readU32(r.tags[1], 'tag digests');
  if (lengths.length !== digests.length) throw new Error(`repository ${r.name}: ${lengths.length} tag names, ${digests.length} digests`);
  let total = 0;
  for (let k = 0; k < lengths.length; k++) total += lengths[k]!;
  if (total !== text.length) throw new Error(`repository ${r.name}: the lengths of its tag names do not add up to their text`);
  for (let k = 0; k < digests.length; k++) if (digests[k]! >= digestCount) throw new Error(`repository ${r.name}: tag digest out of range`);
  for (const [d] of r.tagOrder) if (d >= digestCount) throw new Error(`repository ${r.name}: tag order digest out of range`);
  return { text, lengths, digests, order: r.tagOrder };
}

interface TagTables {
  tags: Map<string, string>;
  tagsByDigest: Map<string, readonly string[]>;
}

/** The tags Map and the tag index (the index in the order `tagOrder` gives, else the Map's). */
function tagTables(c: TagColumns, digests: TextList): TagTables {
  const { tags, tagsByDigest } = newTags();
  // an image's tags are mostly next to each other: a run of them needs one index lookup
  let runOf = -1;
  let run: string[] = [];
  let at = 0;
  for (let k = 0; k < c.lengths.length; k++) {
    const d = c.digests[k]!;
    const digest = digests.at(d);
    const name = c.text.slice(at, (at += c.lengths[k]!));
    tags.set(name, digest);
    if (d !== runOf) {
      runOf = d;
      const list = tagsByDigest.get(digest);
      // a list the index holds is its own (pushed onto in place, as putTag does)
      if (list) run = list as string[];
      else tagsByDigest.set(digest, (run = []));
    }
    run.push(name);
  }
  for (const [d, order] of c.order) tagsByDigest.set(digests.at(d), order);
  return { tags, tagsByDigest };
}

function decodeRepository(r: RepositoryV5, x: Decoder): Repository {
  const { digests } = x;
  const referrers = new Map<string, string[]>();
  for (let k = 0; k < r.referrers.length; k += 2)
    referrers.set(
      digests.at(r.referrers[k] as number),
      (r.referrers[k + 1] as number[]).map((i) => digests.at(i)),
    );
  // A repository's blob table and its tags (with their index) are built the first time they are
  // read, from columns read and checked here: a start builds none of them (400,000 blobs and a
  // million tags in a registry of 100,000 images); the first request on a repository builds its own.
  const blobs = sizesMap(readSizes(r.blobs, digests.length, 'repository blobs'), digests);
  let tagColumns: TagColumns | undefined = readTagColumns(r, digests.length);
  let tags: TagTables | undefined;
  const tagsBuilt = (): TagTables => {
    if (tags === undefined) {
      tags = tagTables(tagColumns!, digests);
      tagColumns = undefined;
    }
    return tags;
  };
  return {
    account: r.account,
    region: r.region,
    name: r.name,
    createdAt: r.createdAt,
    blobs,
    images: decodeImages(r.images, x),
    get tags(): Map<string, string> {
      return tagsBuilt().tags;
    },
    get tagsByDigest(): Map<string, readonly string[]> {
      return tagsBuilt().tagsByDigest;
    },
    referrers,
    settings: r.settings,
  };
}

export function decodeVersion5(f: RegistryFormV5): RegistryState {
  if (!(f.manifests instanceof Uint8Array)) throw new Error('manifests is not a bin');
  const x: Decoder = { digests: new TextList(f.digests, 'digests'), strings: f.strings, manifests: f.manifests };
  const repos = new Map<string, Repository>();
  for (const r of f.repos) repos.set(repoKey(r, r.name), decodeRepository(r, x));
  return {
    seq: f.seq,
    registries: new Map(f.registries),
    repos,
    uploads: new Map(f.uploads.map((u) => [u.id, u])),
    blobs: sizesMap(readSizes(f.blobs, x.digests.length, 'blobs'), x.digests),
    ...(f.clockOffsetMs !== undefined ? { clockOffsetMs: f.clockOffsetMs } : {}),
    ...(f.scanning !== undefined ? { scanning: f.scanning } : {}),
  };
}
