/**
 * The single writer of a journal folder (format: journal/README.md).
 * It is over 400 lines because the writer's state (pending frames, group commit, segment
 * rollover, failure and its revival) is one object whose invariants hold only if one class owns it.
 */
import { writeSync } from 'node:fs';
import { mkdir, open, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from '../support/durable-file.ts';
import { EventEmitter } from 'eventemitter3';
import { BATCH_HEADER_SIZE, encodePayload } from './codec.ts';
import { checkRecord, toError, type Envelope, type NewRecord } from './envelope.ts';
import { FRAME_OVERHEAD, FrameBuffer } from './frame-buffer.ts';
import { listCheckpoints } from './checkpoints.ts';
import { JournalNotFoundError } from './errors.ts';
import { acquireLock } from './lock.ts';
import type { DirLock } from './lock.ts';
import { recoverJournal } from './recovery.ts';
import { SeekIndex } from './seek-index.ts';
import { readSegments } from './segment-reader.ts';
import { HEADER_SIZE, MAX_PAYLOAD, encodeHeader, segmentFileName, segmentsDir } from './segment-format.ts';
import type { SegmentFile } from './segment-format.ts';
import { isEmptyTable, upcast } from './upcast.ts';
import type { UpcastTable } from './upcast.ts';

/**
 * When an append is acknowledged:
 * - `always`: its frames are written and fdatasync'ed (group commit: concurrent appends share one
 *   write and one fdatasync). Appends that arrive while a flush's fdatasync runs are written and
 *   get an fdatasync of their own at once, without waiting for it (at most SYNCS_IN_FLIGHT at a
 *   time); flushes are acknowledged in journal order, each only once its own fdatasync, begun
 *   after its frames were written, has returned, and every earlier flush is acknowledged;
 * - `interval`: its frames are written to the OS; fdatasync runs at most every `intervalMs`;
 * - `never`: at once; frames are buffered and written in batches, never synced until close/flush.
 */
export type FsyncMode = 'always' | 'interval' | 'never';

export interface JournalOptions {
  fsync: FsyncMode;
  /** `interval` mode: the longest time written frames wait for fdatasync (default 100 ms) */
  intervalMs?: number;
  /** a segment rolls over before it would grow past this many bytes (default 64 MiB) */
  segmentBytes?: number;
  upcasters?: UpcastTable;
  /** the event types readers know (see segment-reader.ts); undefined: any */
  eventTypes?: ReadonlySet<string>;
  /** told about recovered torn tails and misbehaving listeners (default: process.emitWarning) */
  warn?: (msg: string) => void;
}

/** How large the frames of one append may be (tools writing a whole history). */
export interface FrameBounds {
  records: number;
  /** payload bytes of envelopes per frame */
  bytes: number;
}

/** The bounds fork, compact and other writers of a whole history use. */
export const HISTORY_FRAMES: FrameBounds = Object.freeze({ records: 1000, bytes: 1024 * 1024 });

interface Waiter {
  envs: Envelope[];
  resolve: (envs: Envelope[]) => void;
  reject: (err: Error) => void;
}

/** A new segment starts at byte `at` of the pending frames, with `firstSeq`. */
interface Roll {
  at: number;
  firstSeq: number;
}

/** What is on disk (written to the OS) and safe to read: replaced as a whole after each flush. */
interface DiskView {
  segments: SegmentFile[];
  lastEnd: number;
  lastSeq: number;
}

interface OpenSegment {
  fh: FileHandle;
  firstSeq: number;
  size: number;
}

/** Writes up to this size are made without the thread pool (writeCurrent). */
const SYNC_WRITE_BYTES = 64 * 1024;
/**
 * In `always` mode, how many fdatasyncs may run at once. A client whose append arrives while a
 * flush syncs no longer waits for that sync and then its own (about two syncs per commit when
 * 8 clients push manifests): its frames are written and synced at once. Two concurrent fdatasyncs
 * of one file here finish ~2x as many syncs per second as one after the other.
 */
const SYNCS_IN_FLIGHT = 2;
/** In `never` mode, appends start waiting for the disk once this much is buffered. */
const NEVER_BACKLOG_BYTES = 32 * 1024 * 1024;
/** In `never` mode, a batch this big is written without waiting for the next turn of the event loop. */
const NEVER_BATCH_BYTES = 1024 * 1024;

/**
 * The single writer of a journal directory (see journal/README.md for the format).
 * Sequence numbers are assigned synchronously inside `append`, so the order of append calls is
 * the journal order; the returned promise resolves once the records are durable under the fsync mode,
 * and 'appended' is emitted with each append's records at that moment, in journal order.
 */
export class Journal extends EventEmitter<{ appended: [Envelope[]] }> {
  private seq: number;
  private pend = new FrameBuffer();
  private spare = new FrameBuffer();
  private pendRolls: Roll[] = [];
  private pendWaiters: Waiter[] = [];
  private pendEnvs: Envelope[] = [];
  /** the envelopes of flushes written and not yet acknowledged, oldest first (replaced, never changed) */
  private inflight: Envelope[][] = [];
  /** bytes the current segment will have once everything pending is written; -1: no segment yet */
  private plannedSegBytes: number;
  private segments: SegmentFile[];
  private disk: DiskView;
  /** where frames start in the segments read so far (reads from a seq deep in a segment start near it) */
  private readonly seek = new SeekIndex();
  private scheduled: NodeJS.Immediate | undefined;
  private running = false;
  /** `always` mode: fdatasyncs in flight */
  private syncing = 0;
  /** settles once every flush begun so far is acknowledged (or refused); never rejects */
  private settled: Promise<void> = Promise.resolve();
  /** the loop, while it waits for a sync to end or for appends (kick) */
  private wake: (() => void) | undefined;
  private wakeSoon: NodeJS.Immediate | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private syncDue = false;
  private unsynced = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private lastSync = Date.now();
  private failed: Error | undefined;
  private closing: Promise<void> | undefined;
  private readonly mode: FsyncMode;
  private readonly intervalMs: number;
  private readonly segmentBytes: number;
  private readonly upcasters: UpcastTable | undefined;
  private readonly eventTypes: ReadonlySet<string> | undefined;
  private readonly warn: (msg: string) => void;

  /** Opens (creating if needed) a journal directory for writing: takes the lock, then recovers a torn tail. */
  static async open(dir: string, opts: JournalOptions): Promise<Journal> {
    await mkdir(segmentsDir(dir), { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      // a file given as the journal folder gets a sentence, not ENOTDIR
      throw err.code === 'ENOTDIR' || err.code === 'EEXIST' ? new JournalNotFoundError(dir, `${dir} is a file, not a journal folder`) : err;
    });
    const lock = acquireLock(dir);
    try {
      const warn = opts.warn ?? ((msg: string) => process.emitWarning(msg, 'JournalWarning'));
      // the journal never starts below a checkpoint: the events it covers were acknowledged
      const rec = recoverJournal(dir, warn, listCheckpoints(dir).at(-1) ?? 0);
      const last = rec.segments.at(-1);
      const current = last ? { fh: await open(last.path, 'r+'), firstSeq: last.firstSeq, size: rec.lastSize } : undefined;
      return new Journal(dir, { ...opts, warn }, lock, rec.segments, rec.lastSeq, current, rec.verified);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  private constructor(
    readonly dir: string,
    opts: JournalOptions & { warn: (msg: string) => void },
    private readonly lock: DirLock,
    segments: SegmentFile[],
    lastSeq: number,
    private current: OpenSegment | undefined,
    /** what recovery checksummed at open: reads do not checksum those frames a second time */
    private readonly verified: ReadonlyMap<string, number>,
  ) {
    super();
    this.mode = opts.fsync;
    this.intervalMs = opts.intervalMs ?? 100;
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.upcasters = isEmptyTable(opts.upcasters) ? undefined : opts.upcasters;
    this.eventTypes = opts.eventTypes;
    this.warn = opts.warn;
    this.seq = lastSeq;
    this.segments = segments;
    this.plannedSegBytes = current ? current.size : -1;
    this.disk = { segments, lastEnd: current ? current.size : 0, lastSeq };
  }

  /** The last assigned sequence number (0 for an empty journal). */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Appends `records` as one frame (a command's events: recovered all or none), or, with
   * `frames`, as consecutive frames of at most `frames.records` records and `frames.bytes`
   * payload bytes each (a single larger record gets a frame to itself): what the tools that
   * write a whole history use, so one damaged frame never costs more than a bounded part of it.
   */
  append(records: NewRecord[], frames?: FrameBounds): Promise<Envelope[]> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closing !== undefined) return Promise.reject(new Error(`journal ${this.dir} is closed`));
    if (records.length === 0) return Promise.resolve([]);
    // Encode everything first: a record that cannot be encoded leaves the journal untouched.
    const envs: Envelope[] = new Array(records.length);
    const payloads: Buffer[] = new Array(records.length);
    let total = 0;
    try {
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        checkRecord(r);
        const e: Envelope = { seq: this.seq + 1 + i, type: r.type, v: r.v, time: r.time, data: r.data };
        const payload = encodePayload(e);
        total = frames && total > 0 && total + payload.length > frames.bytes ? payload.length : total + payload.length;
        if (total + BATCH_HEADER_SIZE > MAX_PAYLOAD)
          throw new RangeError(`record ${r.type} makes this append ${total} bytes, more than a frame holds (${MAX_PAYLOAD})`);
        envs[i] = e;
        payloads[i] = payload;
      }
    } catch (err) {
      return Promise.reject(err);
    }
    this.seq += records.length;
    // The records of one append call make one frame (or, with `frames`, consecutive bounded
    // frames): one checksum, recovered all or none, and a layout that depends only on the append
    // calls (not on how a group commit happened to gather them), so the same calls always give
    // the same bytes. A new segment starts when a frame would not fit in the current one.
    for (let i = 0; i < payloads.length; ) {
      let bytes = 0;
      let end = i;
      do bytes += payloads[end++]!.length;
      while (
        end < payloads.length &&
        (frames === undefined || (end - i < frames.records && bytes + payloads[end]!.length <= frames.bytes))
      );
      this.addFrame(payloads, envs, i, end, bytes);
      i = end;
    }
    if (this.mode === 'never' && this.pendWaiters.length === 0 && this.pend.length < NEVER_BACKLOG_BYTES) {
      this.kick(this.pend.length >= NEVER_BATCH_BYTES);
      return Promise.resolve().then(() => {
        this.emitAppended(envs);
        return envs;
      });
    }
    return new Promise<Envelope[]>((resolve, reject) => {
      this.pendWaiters.push({ envs, resolve, reject });
      this.kick(false);
    });
  }

  /** Puts records [from, to) into one new frame of the pending bytes. */
  private addFrame(payloads: Buffer[], envs: Envelope[], from: number, to: number, bytes: number): void {
    const at = this.pend.startFrame();
    if (
      this.plannedSegBytes < 0 ||
      (this.plannedSegBytes > HEADER_SIZE && this.plannedSegBytes + FRAME_OVERHEAD + bytes > this.segmentBytes)
    ) {
      this.pendRolls.push({ at, firstSeq: envs[from]!.seq });
      this.plannedSegBytes = HEADER_SIZE;
    }
    this.plannedSegBytes += FRAME_OVERHEAD + bytes;
    for (let i = from; i < to; i++) {
      this.pend.appendEnvelope(payloads[i]!);
      this.pendEnvs.push(envs[i]!);
    }
  }

  /**
   * Every envelope with fromSeq <= seq <= toSeq appended so far, in order, upcast. Synchronous:
   * written frames are read from the segments (checksums verified), frames still on their way to
   * the disk are served from memory. What is appended after this call is not included.
   */
  read(fromSeq = 1, toSeq = Number.POSITIVE_INFINITY): Iterable<Envelope> {
    const view = this.disk;
    const inflight = this.inflight;
    const pend = this.pendEnvs;
    const pendLen = pend.length;
    const table = this.upcasters;
    const eventTypes = this.eventTypes;
    const lift = (e: Envelope): Envelope => (table === undefined ? e : upcast(e, table));
    const verified = this.verified;
    const seek = this.seek;
    return (function* () {
      yield* readSegments(view.segments, {
        from: fromSeq,
        to: Math.min(toSeq, view.lastSeq),
        lastEnd: view.lastEnd,
        tolerateTail: false,
        upcasters: table,
        eventTypes,
        verified,
        seek,
      });
      for (const envs of inflight) for (const e of envs) if (e.seq >= fromSeq && e.seq <= toSeq) yield lift(e);
      for (let i = 0; i < pendLen; i++) {
        const e = pend[i]!;
        if (e.seq >= fromSeq && e.seq <= toSeq) yield lift(e);
      }
    })();
  }

  /** Writes everything appended so far and fdatasyncs it, whatever the mode. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.failed) throw this.failed;
      if (this.unsynced) this.syncDue = true;
      if (!this.running && this.pend.length === 0 && !this.syncDue) return;
      this.startLoop();
      await this.loopDone;
    }
  }

  /**
   * After a failed write (a full disk): waits for the writer to stop, cuts the journal back to the
   * frames on disk before the failure (every acknowledged append is in them; a restart would read
   * the same), drops the appends that failed, and accepts appends again. Throws when the cut fails
   * too (the journal then stays failed). A journal that has not failed is left as it is.
   */
  async revive(): Promise<void> {
    await this.loopDone;
    if (!this.failed || this.closing !== undefined) return;
    const view = this.disk;
    const keep = new Set(view.segments.map((s) => s.path));
    if (this.current) {
      await this.current.fh.close().catch(() => undefined);
      this.current = undefined;
    }
    for (const seg of this.segments) if (!keep.has(seg.path)) await unlink(seg.path).catch(() => undefined);
    await syncDir(segmentsDir(this.dir));
    const last = view.segments.at(-1);
    if (last) {
      const fh = await open(last.path, 'r+');
      try {
        await fh.truncate(view.lastEnd);
        await fh.datasync();
      } catch (err) {
        await fh.close();
        throw err;
      }
      this.current = { fh, firstSeq: last.firstSeq, size: view.lastEnd };
    }
    this.segments = view.segments;
    // frames past the cut are gone; new ones will start where they started
    this.seek.forget();
    this.seq = view.lastSeq;
    this.pend.clear();
    this.spare.clear();
    this.pendRolls = [];
    this.pendWaiters = [];
    this.pendEnvs = [];
    this.inflight = [];
    this.plannedSegBytes = this.current ? view.lastEnd : -1;
    this.unsynced = false;
    this.syncDue = false;
    this.failed = undefined;
  }

  /**
   * Flushes, fdatasyncs, closes the current segment and releases the lock. Appends after this are
   * refused. A journal that failed is closed without a flush (nothing more can be written to it).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.syncTimer) clearTimeout(this.syncTimer);
      try {
        if (!this.failed) await this.flush();
      } finally {
        if (this.syncTimer) clearTimeout(this.syncTimer);
        await this.current?.fh.close();
        this.current = undefined;
        this.lock.release();
      }
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Starts a flush now, or on the next turn of the event loop so concurrent appends join it. A loop
   * waiting on a sync in flight is woken on that next turn, to write and sync these appends too.
   */
  private kick(now: boolean): void {
    if (this.running) {
      if (this.wake !== undefined)
        this.wakeSoon ??= setImmediate(() => {
          this.wakeSoon = undefined;
          this.wakeLoop();
        });
      return;
    }
    if (now) this.startLoop();
    else this.scheduled ??= setImmediate(() => this.startLoop());
  }

  private startLoop(): void {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.running || this.failed) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  private wakeLoop(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /**
   * The only place that touches the segment file handle: writes, syncs and rollovers are serialized
   * here (in `always` mode a flush's fdatasync may still run while the next flush writes and syncs).
   * It ends once nothing is pending and every sync it began has been answered.
   */
  private async loop(): Promise<void> {
    try {
      while (!this.failed) {
        if (this.pend.length > 0 && this.syncing < SYNCS_IN_FLIGHT) await this.flushOnce();
        else if (this.syncing > 0)
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
        else if (this.syncDue) {
          this.syncDue = false;
          if (this.current && this.unsynced) {
            this.unsynced = false;
            await this.current.fh.datasync();
            this.lastSync = Date.now();
          }
        } else break;
      }
    } catch (err) {
      this.fail(err);
    } finally {
      // after a failed write, syncs still in flight are answered (refused) before the loop ends
      if (this.syncing > 0) await this.settled;
      this.running = false;
    }
  }

  private async flushOnce(): Promise<void> {
    // a rollover closes the segment: the syncs in flight on it end first
    if (this.pendRolls.length > 0 && this.syncing > 0) {
      await this.settled;
      if (this.failed) return;
    }
    const buf = this.pend;
    this.pend = this.spare;
    this.spare = buf;
    const rolls = this.pendRolls;
    const waiters = this.pendWaiters;
    const envs = this.pendEnvs;
    this.pendRolls = [];
    this.pendWaiters = [];
    this.pendEnvs = [];
    this.inflight = [...this.inflight, envs];
    try {
      const bytes = buf.bytes();
      let pos = 0;
      for (const roll of rolls) {
        if (roll.at > pos) await this.writeCurrent(bytes.subarray(pos, roll.at));
        await this.rollTo(roll.firstSeq);
        pos = roll.at;
      }
      if (bytes.length > pos) await this.writeCurrent(bytes.subarray(pos));
      if (this.mode !== 'always') {
        this.unsynced = true;
        if (this.mode === 'interval') this.scheduleSync();
      }
    } catch (err) {
      const error = toError(err);
      for (const w of waiters) w.reject(error);
      throw error;
    }
    buf.clear();
    const disk: DiskView = { segments: this.segments, lastEnd: this.current!.size, lastSeq: envs.at(-1)!.seq };
    if (this.mode !== 'always') return this.acknowledge(disk, waiters);
    this.syncing++;
    const synced = this.current!.fh.datasync();
    const earlier = this.settled;
    this.settled = (async () => {
      let error: Error | undefined;
      try {
        await synced;
      } catch (err) {
        error = toError(err);
      }
      await earlier;
      this.syncing--;
      if (error !== undefined && this.failed === undefined) this.fail(error);
      const refused = error ?? this.failed;
      if (refused !== undefined) for (const w of waiters) w.reject(refused);
      else {
        this.lastSync = Date.now();
        this.acknowledge(disk, waiters);
      }
      this.wakeLoop();
    })();
  }

  /** The oldest flush in flight is durable (under the fsync mode): readers see it on disk, its appends are answered. */
  private acknowledge(disk: DiskView, waiters: Waiter[]): void {
    this.disk = disk;
    this.inflight = this.inflight.slice(1);
    for (const w of waiters) {
      this.emitAppended(w.envs);
      w.resolve(w.envs);
    }
  }

  /**
   * Writes at the end of the current segment. A small write (the frames of a few commands) is
   * made in this thread: it only copies into the page cache, and saves a trip through the thread
   * pool before the fdatasync on every commit (the latency of a manifest PUT or a small blob push).
   */
  private async writeCurrent(bytes: Buffer): Promise<void> {
    const cur = this.current!;
    let off = 0;
    if (bytes.length <= SYNC_WRITE_BYTES)
      while (off < bytes.length) off += writeSync(cur.fh.fd, bytes, off, bytes.length - off, cur.size + off);
    while (off < bytes.length) {
      const { bytesWritten } = await cur.fh.write(bytes, off, bytes.length - off, cur.size + off);
      off += bytesWritten;
    }
    cur.size += bytes.length;
  }

  /** Closes the current segment (synced, so only the last segment can ever have a torn tail) and starts the next. */
  private async rollTo(firstSeq: number): Promise<void> {
    if (this.current) {
      await this.current.fh.datasync();
      await this.current.fh.close();
      this.current = undefined;
    }
    const dir = segmentsDir(this.dir);
    const path = join(dir, segmentFileName(firstSeq));
    const fh = await open(path, 'wx');
    this.current = { fh, firstSeq, size: 0 };
    await this.writeCurrent(encodeHeader(firstSeq));
    this.segments = [...this.segments, { firstSeq, path }];
    await syncDir(dir);
  }

  private scheduleSync(): void {
    if (this.syncTimer) return;
    const wait = Math.max(0, this.lastSync + this.intervalMs - Date.now());
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      this.syncDue = true;
      this.startLoop();
    }, wait);
    this.syncTimer.unref();
  }

  private emitAppended(envs: Envelope[]): void {
    try {
      this.emit('appended', envs);
    } catch (err) {
      this.warn(`journal: an 'appended' listener threw: ${toError(err).message}`);
    }
  }

  /** A failed write leaves the file in an unknown state: refuse everything from now on. */
  private fail(err: unknown): void {
    const cause = toError(err);
    this.failed = new Error(`journal ${this.dir} failed and accepts no more appends: ${cause.message}`, { cause });
    const waiters = this.pendWaiters;
    this.pendWaiters = [];
    for (const w of waiters) w.reject(this.failed);
  }
}
