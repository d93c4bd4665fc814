/**
 * Time travel at interactive speed: the registry state after any seq of a long
 * journal, without replaying it from the start. While the timeline is indexed
 * (timeline.ts folds every event once), the state is kept every RUNG_EVERY
 * events (a "rung") and at every mark; the state after seq N is then the rung
 * at or before N plus at most RUNG_EVERY events folded by the same evolve() as
 * replay. A cursor remembers the last state asked for, so stepping forward one
 * event folds one event.
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
import { repoKey } from '../domain/scope.ts';
import { emptyState, type RegistryState, type Repository, type Upload } from '../domain/state.ts';

/** Events between two rungs: at ~1 µs an event, the most a step replays is ~20 ms. */
export const RUNG_EVERY = 16_384;

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
  return { seq: s.seq, registries: s.registries.size === 0 ? new Map() : structuredClone(s.registries), repos: new Map(s.repos), uploads, blobs: s.blobs };
}

/** A working state that starts from a kept one (sharing everything it can). */
function fork(k: Kept): Working {
  const uploads = new Map<string, Upload>();
  for (const [id, u] of k.uploads) uploads.set(id, { ...u });
  return {
    state: { seq: k.seq, registries: k.registries.size === 0 ? new Map() : structuredClone(k.registries), repos: new Map(k.repos), uploads, blobs: k.blobs },
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

export class StateLadder {
  readonly #rungs: Kept[] = [];
  /** States at marked seqs (what a Rewound usually goes back to). */
  readonly #atMarks = new Map<number, Kept>();
  readonly #read: ReadEvents;
  /** The state after the last event folded by add(): the ladder's head. */
  #head: Working;
  #sinceRung = 0;
  readonly #rungEvery: number;
  /** The last state stateAt() answered, kept to continue from. */
  #cursor: Working | undefined;

  /** `base`: the state the history starts from (empty, or a journal's origin checkpoint); the ladder keeps it. */
  constructor(read: ReadEvents, base: RegistryState = emptyState(), opts: { rungEvery?: number } = {}) {
    this.#read = read;
    this.#rungEvery = opts.rungEvery ?? RUNG_EVERY;
    this.#rungs.push(base);
    this.#head = fork(base);
  }

  /** The last seq folded in. */
  get seq(): number {
    return this.#head.state.seq;
  }

  get firstSeq(): number {
    return this.#rungs[0]!.seq;
  }

  /** Folds the next event of the journal (seq = this.seq + 1) into the head. */
  add(e: RecordedEvent): void {
    if (e.type === 'Rewound') {
      this.#head = this.#rewound(e.data.to, e.seq);
    } else {
      foldInto(this.#head, e);
      // a mark of the state as it is now (not of an earlier seq) is kept for rewinds to it
      if (e.type === 'MarkSet' && e.data.at === e.seq - 1 && !this.#atMarks.has(e.data.at)) {
        const kept = keep(this.#head);
        kept.seq = e.data.at;
        this.#atMarks.set(e.data.at, kept);
      }
    }
    if (++this.#sinceRung >= this.#rungEvery) {
      this.#rungs.push(keep(this.#head));
      this.#sinceRung = 0;
    }
  }

  /**
   * The state right after `seq` (firstSeq <= seq <= this.seq). The answer is the
   * ladder's own: read it before the next call, never change it.
   */
  stateAt(seq: number): RegistryState {
    this.#check(seq);
    if (seq === this.#head.state.seq) return this.#head.state;
    const c = this.#cursor;
    const rung = this.#rungBefore(seq);
    if (c && c.state.seq <= seq && c.state.seq >= rung.seq) this.#fold(c, seq);
    else this.#cursor = this.#materialize(seq, rung);
    return this.#cursor!.state;
  }

  /** A state of the caller's own right after `seq`: later calls do not change it. */
  copyAt(seq: number): RegistryState {
    this.#check(seq);
    if (seq === this.#head.state.seq) return keep(this.#head);
    return keep(this.#materialize(seq));
  }

  #check(seq: number): void {
    if (!Number.isSafeInteger(seq) || seq < this.firstSeq || seq > this.#head.state.seq)
      throw new RangeError(`seq ${seq} is outside ${this.firstSeq}..${this.#head.state.seq}`);
  }

  #rungBefore(seq: number): Kept {
    const rungs = this.#rungs;
    let lo = 0;
    let hi = rungs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (rungs[mid]!.seq <= seq) lo = mid;
      else hi = mid - 1;
    }
    return rungs[lo]!;
  }

  /** A working state after `seq`, from the nearest rung. */
  #materialize(seq: number, rung = this.#rungBefore(seq)): Working {
    const marked = this.#atMarks.get(seq);
    if (marked) return fork(marked);
    const w = fork(rung);
    this.#fold(w, seq);
    return w;
  }

  /** The state after `to`, as the working state of the Rewound event at `seq`. */
  #rewound(to: number, seq: number): Working {
    const w = this.#materialize(to);
    w.state.seq = seq;
    return w;
  }

  #fold(w: Working, to: number): void {
    let at = w.state.seq;
    if (at >= to) return;
    for (const e of this.#read(at + 1, to)) {
      if (e.seq !== ++at) throw new Error(`the journal skipped from seq ${at - 1} to ${e.seq}`);
      if (e.type === 'Rewound') {
        const back = this.#rewound(e.data.to, e.seq);
        w.state = back.state;
        w.repos = back.repos;
        w.images = back.images;
        w.blobs = back.blobs;
      } else foldInto(w, e);
    }
    if (at !== to) throw new Error(`the journal ended at seq ${at}, before ${to}`);
  }
}
