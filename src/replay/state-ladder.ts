/**
 * Time travel at interactive speed: the registry state after any seq of a long
 * journal, without replaying it from the start.
 *
 * While the timeline is indexed, add() only records the shape of history, as in
 * effective-history.ts: each event that changes state points at the event before
 * it on its line, and a Rewound makes the line continue from the event its target
 * seq stood at. The state after seq N is then the fold of the events on the path
 * from the start to N's line head: no rewound-away event is read. States are kept
 * ("rungs") every RUNG_EVERY events of depth along the paths folded so far, so a
 * later position folds at most RUNG_EVERY events past the nearest rung on its path.
 * A cursor remembers the last state asked for: stepping forward one event folds one.
 *
 * Rungs are cheap because they share: a kept state and the working state that
 * goes on from it share every repository until an event is about to change one,
 * which is then copied first (copy on write; the repository an event touches is
 * named in its data, or by its upload). Image objects are shared the same way
 * and copied before an event that names their digest. So a rung costs a Map of
 * repositories plus the blob and upload Maps, and a rewind (Rewound) to a mark
 * costs the same, not a replay.
 */
import type { RecordedEvent } from '../domain/events.ts';
import { evolve } from '../domain/evolve.ts';
import { copyTagIndex } from '../domain/repository-tags.ts';
import { repoKey } from '../domain/scope.ts';
import { emptyState, type RegistryState, type Repository, type Upload } from '../domain/state.ts';

/** Events of depth between two rungs: at ~2 µs an event read and folded, a step folds at most ~16 ms. */
export const RUNG_EVERY = 8192;

export type ReadEvents = (from: number, to: number) => Iterable<RecordedEvent>;

/** A state that is never changed again (rungs, marks). */
type Kept = RegistryState;

/** A state being folded, with what it owns outright (safe to change in place). */
interface Working {
  state: RegistryState;
  repos: Set<Repository>;
  images: Set<object>;
  /** Whether state.blobs is its own (else shared with a kept state: copied before UploadCompleted). */
  blobs: boolean;
}

function copyRepository(r: Repository): Repository {
  const referrers = new Map<string, string[]>();
  for (const [d, list] of r.referrers) referrers.set(d, [...list]);
  return {
    account: r.account,
    region: r.region,
    name: r.name,
    createdAt: r.createdAt,
    blobs: new Map(r.blobs),
    images: new Map(r.images),
    tags: new Map(r.tags),
    tagsByDigest: copyTagIndex(r.tagsByDigest),
    referrers,
    // evolve replaces the settings' fields and arrays, never changes them in place
    settings: { ...r.settings },
  };
}

/** A kept copy of a working state; the working state goes on sharing its repositories and images. */
function keep(w: Working): Kept {
  const s = w.state;
  w.repos.clear();
  w.images.clear();
  w.blobs = false;
  const uploads = new Map<string, Upload>();
  for (const [id, u] of s.uploads) uploads.set(id, { ...u });
  return {
    seq: s.seq,
    registries: s.registries.size === 0 ? new Map() : structuredClone(s.registries),
    repos: new Map(s.repos),
    uploads,
    blobs: s.blobs,
  };
}

/** A working state that starts from a kept one (sharing everything it can). */
function fork(k: Kept): Working {
  const uploads = new Map<string, Upload>();
  for (const [id, u] of k.uploads) uploads.set(id, { ...u });
  return {
    state: {
      seq: k.seq,
      registries: k.registries.size === 0 ? new Map() : structuredClone(k.registries),
      repos: new Map(k.repos),
      uploads,
      blobs: k.blobs,
    },
    repos: new Set(),
    images: new Set(),
    blobs: false,
  };
}

/** Folds one event (not Rewound) into a working state, copying first what it is about to change. */
function foldInto(w: Working, e: RecordedEvent): void {
  const s = w.state;
  const d = e.data as { account?: unknown; region?: unknown; repository?: unknown; uploadId?: unknown; digest?: unknown };
  let key: string | undefined;
  if (typeof d.repository === 'string' && typeof d.account === 'string' && typeof d.region === 'string')
    key = repoKey({ account: d.account, region: d.region }, d.repository);
  else if (typeof d.uploadId === 'string') key = s.uploads.get(d.uploadId)?.repo;
  let repo = key === undefined ? undefined : s.repos.get(key);
  if (repo && !w.repos.has(repo)) {
    repo = copyRepository(repo);
    s.repos.set(key!, repo);
    w.repos.add(repo);
  }
  if (repo && typeof d.digest === 'string') {
    const image = repo.images.get(d.digest);
    if (image && !w.images.has(image)) {
      const copy = { ...image };
      if (image.extra) copy.extra = structuredClone(image.extra);
      repo.images.set(d.digest, copy);
      w.images.add(copy);
    }
  }
  if (e.type === 'UploadCompleted' && !w.blobs) {
    (s as { blobs: Map<string, number> }).blobs = new Map(s.blobs);
    w.blobs = true;
  }
  evolve(s, e);
  if (e.type === 'RepositoryCreated' && key !== undefined) {
    const created = s.repos.get(key);
    if (created) w.repos.add(created);
  } else if (e.type === 'ManifestPut' && repo) {
    const put = repo.images.get(e.data.digest);
    if (put) w.images.add(put);
  }
}

/** A growable Int32Array. */
class Ints {
  data = new Int32Array(1024);
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[i] = v;
  }
}

const BASE = -1;

export class StateLadder {
  readonly #read: ReadEvents;
  readonly #base: Kept;
  /** seq of position 0 */
  readonly #first: number;
  #count = 0;
  /** per position: the position of the previous state-changing event on its line (BASE: none) */
  readonly #parent = new Ints();
  /** per position: the state-changing event whose state the state after this position is (BASE: the base) */
  readonly #head = new Ints();
  /** per position of a state-changing event: how many such events lead to it */
  readonly #depth = new Ints();
  #line = BASE;
  /** kept states by position of their head event */
  readonly #rungs = new Map<number, Kept>();
  readonly #rungEvery: number;
  /** The last state folded: its head position, and the state. */
  #cursor: { head: number; w: Working } | undefined;

  /** `base`: the state the history starts from (empty, or a journal's origin checkpoint); the ladder keeps it. */
  constructor(read: ReadEvents, base: RegistryState = emptyState(), opts: { rungEvery?: number } = {}) {
    this.#read = read;
    this.#base = base;
    this.#first = base.seq + 1;
    this.#rungEvery = opts.rungEvery ?? RUNG_EVERY;
  }

  /** The last seq recorded. */
  get seq(): number {
    return this.#first + this.#count - 1;
  }

  /** The lowest position with a state (the base's seq). */
  get firstSeq(): number {
    return this.#base.seq;
  }

  /** Records the next event of the journal (seq = this.seq + 1): where it stands in history. */
  add(e: RecordedEvent): void {
    const i = this.#count;
    if (e.type === 'Rewound') this.#line = this.#headOf(e.data.to);
    else if (e.type !== 'MarkSet') {
      this.#parent.set(i, this.#line);
      this.#depth.set(i, this.#line === BASE ? 1 : this.#depth.data[this.#line]! + 1);
      this.#line = i;
    }
    this.#head.set(i, this.#line);
    this.#count = i + 1;
  }

  /**
   * The state right after `seq` (firstSeq <= seq <= this.seq). The answer is the
   * ladder's own: read it before the next call, never change it.
   */
  stateAt(seq: number): RegistryState {
    this.#check(seq);
    const w = this.#at(this.#headOf(seq), true);
    w.state.seq = seq;
    return w.state;
  }

  /** A state of the caller's own right after `seq`: later calls do not change it. */
  copyAt(seq: number): RegistryState {
    this.#check(seq);
    const kept = keep(this.#at(this.#headOf(seq), false));
    kept.seq = seq;
    return kept;
  }

  #check(seq: number): void {
    if (!Number.isSafeInteger(seq) || seq < this.firstSeq || seq > this.seq)
      throw new RangeError(`seq ${seq} is outside ${this.firstSeq}..${this.seq}`);
  }

  #headOf(seq: number): number {
    return seq < this.#first ? BASE : this.#head.data[seq - this.#first]!;
  }

  /** A working state after the event at position `head` (folded from the nearest kept state on its path). */
  #at(head: number, asCursor: boolean): Working {
    const c = this.#cursor;
    if (c && c.head === head) {
      if (asCursor) return c.w;
      return forkOf(c.w);
    }
    // the path back to a state we have: the cursor, a rung or the base
    const path: number[] = [];
    let node = head;
    let from: Working | undefined;
    while (node !== BASE) {
      if (c && c.head === node) {
        from = asCursor ? c.w : forkOf(c.w);
        break;
      }
      const rung = this.#rungs.get(node);
      if (rung) {
        from = fork(rung);
        break;
      }
      path.push(node);
      node = this.#parent.data[node]!;
    }
    const w = from ?? fork(this.#base);
    path.reverse();
    this.#foldPath(w, path);
    if (asCursor) this.#cursor = { head, w };
    return w;
  }

  /** Folds the events at these positions (ascending, one line of history) into `w`, keeping rungs on the way. */
  #foldPath(w: Working, path: number[]): void {
    let k = 0;
    while (k < path.length) {
      // one read per stretch of nearby positions (a rewound-away stretch is skipped)
      let end = k;
      while (end + 1 < path.length && path[end + 1]! - path[end]! <= 64) end++;
      const from = this.#first + path[k]!;
      const to = this.#first + path[end]!;
      for (const e of this.#read(from, to)) {
        const p = e.seq - this.#first;
        if (p !== path[k]) continue;
        foldInto(w, e);
        if (this.#depth.data[p]! % this.#rungEvery === 0 && !this.#rungs.has(p)) this.#rungs.set(p, keep(w));
        k++;
        if (k > end) break;
      }
      if (k <= end) throw new Error(`the journal has no seq ${this.#first + path[k]!}`);
    }
  }
}

/** A working state of its own from another one (which goes on sharing with it). */
function forkOf(w: Working): Working {
  return fork(keep(w));
}
