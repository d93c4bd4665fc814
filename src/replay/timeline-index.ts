/**
 * The timeline of a journal as compact columns, one entry per event, for the
 * inspector: filtered, searched and paged by position in memory, so that a page
 * of rows from anywhere in a 1,000,000-event journal needs no journal read.
 *
 * Per event it keeps the time, the type, the face, the repository, the tag, the
 * digest and one more name (previous digest, subject, mark), each string interned
 * once, and the one-line summary of event-summary.ts: interned (most repeat), or
 * rebuilt from the columns when a row is read for the types whose columns tell it.
 * About 40 bytes an event.
 *
 * The face is not recorded in events; it is what the journal tells:
 *   admin  MarkSet, Rewound
 *   ecr    repositories created by the API, ECR-only settings events, ECR layer uploads
 *   oci    repositories created on push, /v2 uploads, blob mounts and blob deletes
 *   either events both faces cause alike (a manifest, a tag, a delete, a pull)
 */
import type { RecordedEvent } from '../domain/events.ts';
import { short, summaryOf } from './event-summary.ts';

export type Face = 'oci' | 'ecr' | 'admin' | 'either';
export const FACES: readonly Face[] = ['either', 'oci', 'ecr', 'admin'];

/** Core events both faces cause: their face is not in the journal. */
const EITHER_FACE = new Set(['ManifestPut', 'TagPut', 'TagDeleted', 'ImageDeleted', 'ImagePulled']);
/** Core events of the /v2 face alone (ECR has no blob mount or blob delete). */
const OCI_ONLY = new Set(['BlobMounted', 'BlobDeleted']);
/** Types whose log summary the index columns tell (the rest keep theirs, interned). */
const DERIVED = new Set([
  'UploadStarted',
  'UploadCancelled',
  'TagPut',
  'TagDeleted',
  'ImageDeleted',
  'ImagePulled',
  'BlobDeleted',
  'RepositoryDeleted',
  'MarkSet',
  'Rewound',
]);
/** Upload events after UploadStarted name their upload only. */
const UPLOAD_FOLLOW_UPS = new Set(['ChunkAppended', 'UploadCompleted', 'UploadCancelled']);

export interface TimelineRow {
  seq: number;
  time: string;
  type: string;
  face: Face;
  repository: string;
  tag: string;
  digest: string;
  /** Another name the event carries: previous digest, subject, source repository of a mount, mark name. */
  other: string;
  summary: string;
  /** Rewound: the seq whose state it brought back. */
  jumpTo?: number;
}

export interface TimelineFilter {
  types?: readonly string[];
  faces?: readonly Face[];
  repository?: string;
  /** A tag, a digest prefix (with or without `sha256:`), a repository name part, or a mark name prefix. */
  search?: string;
}

/** A growable typed column. */
class Column<A extends Int32Array | Uint8Array | Float64Array> {
  data: A;
  constructor(private readonly make: (n: number) => A) {
    this.data = make(1024);
  }
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[i] = v;
  }
}

class Interned {
  readonly list: string[] = [];
  readonly #ids = new Map<string, number>();
  id(s: string): number {
    let id = this.#ids.get(s);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(s);
      this.#ids.set(s, id);
    }
    return id;
  }
  find(s: string): number | undefined {
    return this.#ids.get(s);
  }
}

const NONE = -1;

export class TimelineIndex {
  /** seq of position 0 */
  readonly firstSeq: number;
  #count = 0;
  readonly #time = new Column((n) => new Float64Array(n));
  readonly #type = new Column((n) => new Uint8Array(n));
  readonly #face = new Column((n) => new Uint8Array(n));
  readonly #repo = new Column((n) => new Int32Array(n));
  readonly #tag = new Column((n) => new Int32Array(n));
  readonly #digest = new Column((n) => new Int32Array(n));
  readonly #other = new Column((n) => new Int32Array(n));
  readonly #summary = new Column((n) => new Int32Array(n));
  readonly #types = new Interned();
  readonly #names = new Interned();
  readonly #summaries = new Interned();
  readonly #jumps = new Map<number, number>();
  /** MarkSet seq -> the seq it marked */
  readonly #marked = new Map<number, number>();
  /** Open uploads: upload id -> repository and face (the follow-up events name the upload only). */
  readonly #uploads = new Map<string, { repository: string; face: Face }>();
  /** Marks as set by MarkSet events: name -> marked seq (a later one of the same name wins). */
  readonly marks = new Map<string, number>();
  #cache: { key: string; positions: number[]; scanned: number } | undefined;

  constructor(firstSeq: number, marks?: ReadonlyMap<string, number>) {
    this.firstSeq = firstSeq;
    for (const [name, seq] of marks ?? []) this.marks.set(name, seq);
  }

  /** Events indexed. */
  get count(): number {
    return this.#count;
  }

  get lastSeq(): number {
    return this.firstSeq + this.#count - 1;
  }

  /** Every event type seen, and every repository named, for filter choices. */
  facets(): { types: string[]; repositories: string[] } {
    const repos = new Set<number>();
    const col = this.#repo.data;
    for (let i = 0; i < this.#count; i++) if (col[i] !== NONE) repos.add(col[i]!);
    return { types: [...this.#types.list].sort(), repositories: [...repos].map((id) => this.#names.list[id]!).sort() };
  }

  add(e: RecordedEvent): void {
    const i = this.#count;
    if (e.seq !== this.firstSeq + i) throw new Error(`timeline expected seq ${this.firstSeq + i}, got ${e.seq}`);
    const d = e.data as unknown as Record<string, unknown>;
    const type = e.type;
    let face: Face;
    let repository = d.repository;
    let other: unknown;
    if (type === 'UploadStarted') {
      face = e.data.via;
      this.#uploads.set(e.data.uploadId, { repository: e.data.repository, face });
    } else if (UPLOAD_FOLLOW_UPS.has(type)) {
      const id = d.uploadId as string;
      const u = this.#uploads.get(id);
      face = u?.face ?? 'either';
      repository = u?.repository;
      if (type !== 'ChunkAppended') this.#uploads.delete(id);
    } else if (type === 'MarkSet') {
      face = 'admin';
      other = e.data.name;
      this.marks.set(e.data.name, e.data.at);
      this.#marked.set(e.seq, e.data.at);
    } else if (type === 'Rewound') {
      face = 'admin';
      other = e.data.mark;
      this.#jumps.set(e.seq, e.data.to);
    } else {
      face =
        type === 'RepositoryCreated'
          ? e.data.cause === 'push'
            ? 'oci'
            : 'ecr'
          : OCI_ONLY.has(type)
            ? 'oci'
            : EITHER_FACE.has(type)
              ? 'either'
              : 'ecr';
      other = d.previous ?? d.subject ?? d.from;
    }
    this.#time.set(i, e.time);
    this.#type.set(i, this.#types.id(type));
    this.#face.set(i, FACES.indexOf(face));
    this.#repo.set(i, this.#name(repository));
    this.#tag.set(i, this.#name(d.tag));
    this.#digest.set(i, this.#name(d.digest));
    this.#other.set(i, this.#name(other));
    // summaries that the columns above tell are written when a row is read
    this.#summary.set(i, DERIVED.has(type) ? NONE : this.#summaries.id(summaryOf(e)));
    this.#count = i + 1;
  }

  #name(v: unknown): number {
    return typeof v === 'string' && v !== '' ? this.#names.id(v) : NONE;
  }

  /** The summary of event-summary.ts for the types whose columns tell it all. */
  #derived(seq: number, type: string, face: Face, digest: string, other: string): string {
    switch (type) {
      case 'UploadStarted':
        return `upload started via ${face}`;
      case 'UploadCancelled':
        return 'upload cancelled';
      case 'TagPut':
        return other ? `moved ${short(other)} -> ${short(digest)}` : `-> ${short(digest)}`;
      case 'TagDeleted':
        return `untagged ${short(digest)}`;
      case 'ImageDeleted':
        return 'image deleted';
      case 'ImagePulled':
        return 'pulled';
      case 'BlobDeleted':
        return 'blob unlinked';
      case 'RepositoryDeleted':
        return 'deleted';
      case 'MarkSet':
        return `mark '${other}' at seq ${this.#marked.get(seq)}`;
      case 'Rewound':
        return `rewound to seq ${this.#jumps.get(seq)}${other ? ` (mark '${other}')` : ''}`;
      default:
        return '';
    }
  }

  row(position: number): TimelineRow {
    const n = (col: Column<Int32Array>): string => {
      const id = col.data[position]!;
      return id === NONE ? '' : this.#names.list[id]!;
    };
    const seq = this.firstSeq + position;
    const jump = this.#jumps.get(seq);
    const row: TimelineRow = {
      seq,
      time: new Date(this.#time.data[position]!).toISOString(),
      type: this.#types.list[this.#type.data[position]!]!,
      face: FACES[this.#face.data[position]!]!,
      repository: n(this.#repo),
      tag: n(this.#tag),
      digest: n(this.#digest),
      other: n(this.#other),
      summary: '',
      ...(jump === undefined ? {} : { jumpTo: jump }),
    };
    const summary = this.#summary.data[position]!;
    row.summary = summary === NONE ? this.#derived(seq, row.type, row.face, row.digest, row.other) : this.#summaries.list[summary]!;
    return row;
  }

  /**
   * The positions of the events that pass `f`, ascending; undefined when every event passes.
   * The last answer is cached and extended as events are added.
   */
  select(f: TimelineFilter): number[] | undefined {
    const test = this.#matcher(f);
    if (!test) return undefined;
    const key = JSON.stringify([f.types ?? [], f.faces ?? [], f.repository ?? '', f.search ?? '']);
    let cache = this.#cache;
    if (!cache || cache.key !== key || cache.scanned > this.#count) cache = this.#cache = { key, positions: [], scanned: 0 };
    for (let i = cache.scanned; i < this.#count; i++) if (test(i)) cache.positions.push(i);
    cache.scanned = this.#count;
    return cache.positions;
  }

  /** The seq of the last event before the first one recorded later than `time` (undefined: none). */
  lastAtOrBefore(time: number): number | undefined {
    const t = this.#time.data;
    let i = 0;
    while (i < this.#count && t[i]! <= time) i++;
    return i === 0 ? undefined : this.firstSeq + i - 1;
  }

  /** The positions of the events that touched an image: its digest, or its digest as previous tag target or subject. */
  imageEvents(repository: string, digest: string): number[] {
    const repo = this.#names.find(repository);
    const id = this.#names.find(digest);
    if (repo === undefined || id === undefined) return [];
    const out: number[] = [];
    const r = this.#repo.data;
    const dg = this.#digest.data;
    const ot = this.#other.data;
    for (let i = 0; i < this.#count; i++) if (r[i] === repo && (dg[i] === id || ot[i] === id)) out.push(i);
    return out;
  }

  #matcher(f: TimelineFilter): ((i: number) => boolean) | undefined {
    const tests: ((i: number) => boolean)[] = [];
    if (f.types && f.types.length > 0) {
      const wanted = new Uint8Array(256);
      for (const t of f.types) {
        const id = this.#types.find(t);
        if (id !== undefined) wanted[id] = 1;
      }
      const col = this.#type;
      tests.push((i) => wanted[col.data[i]!] === 1);
    }
    if (f.faces && f.faces.length > 0) {
      const wanted = new Set(f.faces.map((x) => FACES.indexOf(x)));
      const col = this.#face;
      tests.push((i) => wanted.has(col.data[i]!));
    }
    if (f.repository !== undefined && f.repository !== '') {
      const id = this.#names.find(f.repository) ?? -2;
      const col = this.#repo;
      tests.push((i) => col.data[i] === id);
    }
    const q = f.search?.trim().toLowerCase();
    if (q) {
      // decide once per distinct name, then test ids
      const names = this.#names.list;
      const hit = new Uint8Array(names.length);
      const digestQ = q.includes(':') ? q : `sha256:${q}`;
      for (let id = 0; id < names.length; id++) {
        const s = names[id]!.toLowerCase();
        hit[id] = s === q || s.startsWith(q) || s.startsWith(digestQ) ? 1 : 0;
      }
      const repoHit = new Uint8Array(names.length);
      for (let id = 0; id < names.length; id++) repoHit[id] = names[id]!.toLowerCase().includes(q) ? 1 : 0;
      const { data: rp } = this.#repo;
      const { data: tg } = this.#tag;
      const { data: dg } = this.#digest;
      const { data: ot } = this.#other;
      const yes = (a: Uint8Array, id: number): boolean => id !== NONE && id < a.length && a[id] === 1;
      tests.push((i) => yes(repoHit, rp[i]!) || yes(hit, tg[i]!) || yes(hit, dg[i]!) || yes(hit, ot[i]!));
    }
    if (tests.length === 0) return undefined;
    return (i) => tests.every((t) => t(i));
  }
}
