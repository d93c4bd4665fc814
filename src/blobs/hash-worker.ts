/**
 * sha256 on a worker thread, off the event loop, in two kinds of jobs:
 *
 * - A lent body's batches (a blob fetched from an upstream, hashed ~0.7 ms per MiB here while the
 *   event loop receives, stages and sends the next bytes). The batches live in shared memory
 *   (write-body.ts allocates them from a SharedArrayBuffer), so nothing is copied: a batch is held
 *   (its lease) until the worker has read it. The worker also writes each batch to the staged file
 *   (`write`), 256 KiB at a time, each piece right after it hashed it, while the piece is still in
 *   its core's cache; the event loop makes no file write of its own (no promise, no trip through
 *   the thread pool). Measured per 64 MiB layer (A/B runs at load 3-9): whole 1 MiB batches
 *   written on the thread pool, from memory that has left the cache, cost 24-30 ms of CPU, and
 *   65-170 ms while other work used the machine's memory bandwidth; written here piecewise, 15-21
 *   ms, and ~45 at worst.
 * - A staged file followed as it is written (a pushed request body larger than one write batch):
 *   told only the lengths written, the worker reads them back from the file (the page cache) with
 *   a descriptor of its own and hashes them. No memory is handed between threads, and the hash of
 *   a push overlaps the event loop's socket reads and the file's fdatasync. The hash lives on in
 *   the worker between the appends of one upload (a chunked push), each append reopening the file.
 *
 * One worker per process, started on first use, kept alive only while a job has work under way.
 * When it cannot run (no SharedArrayBuffer, the worker fails to start or dies), the hash fails:
 * the body is refused, nothing is kept, and later bodies are hashed on the event loop
 * (hashOffThread and followFile answer undefined from then on).
 */
import { Worker } from 'node:worker_threads';
import type { Lease } from './lease.ts';

/**
 * The worker: one node:crypto Hash per job id. Batch jobs: acknowledges each batch once read (and
 * written, when it came with a descriptor: its write's error, if any, comes with the acknowledgement),
 * answers the digest at the end. File jobs (m.file): \`open\` (re)opens the staged file, \`upTo\` hashes it up to
 * that length (read in pieces that stay in the core's cache; with \`chunks\`, the written bytes
 * themselves, handed over, are hashed instead and handed back), \`seal\` closes it and answers the
 * digest so far (the hash goes on), \`drop\` ends the job. A failed read fails the job: every later
 * seal answers the error.
 */
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const { createHash } = process.getBuiltinModule('node:crypto');
const { openSync, readSync, writeSync, closeSync } = process.getBuiltinModule('node:fs');
const hashes = new Map();
const files = new Map();
const PIECE = 256 * 1024;
const piece = Buffer.allocUnsafe(PIECE);
const shut = (f) => {
  if (f.fd === undefined) return;
  const fd = f.fd;
  f.fd = undefined;
  closeSync(fd);
};
function onFile(m, h) {
  let f = files.get(m.job);
  if (f === undefined) files.set(m.job, (f = { fd: undefined, at: 0, error: undefined }));
  try {
    if (m.open !== undefined) {
      shut(f);
      if (f.error === undefined) f.fd = openSync(m.open, 'r');
    } else if (m.chunks !== undefined) {
      if (f.error !== undefined) return;
      for (const bytes of m.chunks) {
        h.update(new Uint8Array(bytes));
        f.at += bytes.byteLength;
      }
      // back to where they were made: they are freed there, not counted against this small heap
      parentPort.postMessage({ job: m.job, back: m.chunks }, m.chunks);
      if (f.at !== m.upTo) throw new Error('the bytes handed over end at ' + f.at + ', their writes at ' + m.upTo);
    } else if (m.upTo !== undefined) {
      while (f.error === undefined && f.at < m.upTo) {
        const n = readSync(f.fd, piece, 0, Math.min(piece.length, m.upTo - f.at), f.at);
        if (n === 0) throw new Error('the file is shorter (' + f.at + ' bytes) than its writes said (' + m.upTo + ')');
        h.update(n === piece.length ? piece : piece.subarray(0, n));
        f.at += n;
      }
    } else if (m.seal) {
      shut(f);
      parentPort.postMessage(f.error === undefined ? { job: m.job, digest: h.copy().digest('hex') } : { job: m.job, error: f.error });
    } else {
      shut(f);
      files.delete(m.job);
      hashes.delete(m.job);
    }
  } catch (err) {
    if (f.error === undefined) f.error = String(err && err.message || err);
    try { shut(f); } catch {}
  }
}
// every byte of \`bytes\` written at \`position\` of \`fd\` (a short write goes on); the error, if any, as { message, code }
function writeAt(fd, bytes, position) {
  try {
    for (let done = 0; done < bytes.byteLength; ) {
      const n = writeSync(fd, bytes, done, bytes.byteLength - done, position + done);
      if (n <= 0) return { message: 'no byte could be written (disk full?)', code: 'ENOSPC' };
      done += n;
    }
    return undefined;
  } catch (err) {
    return { message: String((err && err.message) || err), code: err && err.code };
  }
}
parentPort.on('message', (m) => {
  let h = hashes.get(m.job);
  if (h === undefined) hashes.set(m.job, (h = createHash('sha256')));
  if (m.file) onFile(m, h);
  else if (m.buffer !== undefined) {
    const bytes = new Uint8Array(m.buffer, m.offset, m.length);
    if (m.fd === undefined) {
      h.update(bytes);
      parentPort.postMessage({ job: m.job, read: m.seq });
    } else {
      // hashed and written a piece at a time: each piece is written while it is still in this core's cache
      let failed;
      for (let at = 0; at < bytes.byteLength; at += PIECE) {
        const part = bytes.subarray(at, Math.min(bytes.byteLength, at + PIECE));
        h.update(part);
        failed ??= writeAt(m.fd, part, m.position + at);
      }
      parentPort.postMessage({ job: m.job, read: m.seq, failed });
    }
  } else {
    hashes.delete(m.job);
    parentPort.postMessage({ job: m.job, digest: h.digest('hex') });
  }
});
`;

type Reply =
  | { job: number; read: number; failed?: { message: string; code?: string } }
  | { job: number; digest: string }
  | { job: number; error: string }
  | { job: number; back: ArrayBuffer[] };

/** A batch posted and not read yet: its lease, and the wait for its write when the worker writes it too. */
interface Held {
  lease: Lease;
  wrote?: { resolve: () => void; reject: (err: Error) => void } | undefined;
}

interface Job {
  /** The batches posted and not read yet, by sequence number. */
  held: Map<number, Held>;
  done?: { resolve: (hex: string) => void; reject: (err: Error) => void };
  /** A file job: kept after its digest (a seal), until dropped. */
  file?: boolean;
}

let worker: Worker | undefined;
let broken = false;
let nextJob = 1;
const jobs = new Map<number, Job>();
/** Jobs with work under way: the worker keeps the process alive only while there are some. */
let busy = 0;
const hold = (w: Worker): void => {
  if (busy++ === 0) w.ref();
};
const letGo = (w: Worker): void => {
  if (--busy === 0) w.unref();
};

function fail(err: Error): void {
  broken = true;
  worker = undefined;
  busy = 0;
  for (const job of jobs.values()) {
    job.done?.reject(err);
    for (const held of job.held.values()) held.wrote?.reject(err);
  }
  // the leases of unread batches are not given back: the worker may have held them when it died
  jobs.clear();
}

function started(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.on('message', (m: Reply) => {
    const job = jobs.get(m.job);
    if ('back' in m) return;
    if (!job) return;
    if ('read' in m) {
      const held = job.held.get(m.read);
      job.held.delete(m.read);
      held?.lease.release();
      if (m.failed) held?.wrote?.reject(Object.assign(new Error(m.failed.message), { code: m.failed.code }));
      else held?.wrote?.resolve();
      return;
    }
    const done = job.done;
    job.done = undefined;
    if (!job.file) jobs.delete(m.job);
    letGo(w);
    if ('error' in m) done?.reject(new Error(`the staged file could not be hashed: ${m.error}`));
    else done?.resolve(`sha256:${m.digest}`);
  });
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`the hashing worker exited (code ${code})`)));
  worker = w;
  return w;
}

/** A sha256 computed on the worker thread, fed batches in order. */
export interface OffThreadHash {
  /** Hashes `bytes` (a view of a SharedArrayBuffer); `lease` is retained until the worker has read them. */
  update(bytes: Uint8Array, lease: Lease): void;
  /**
   * update(), and the worker writes `bytes` at `position` of the open file `fd` right after it hashed
   * them (they are still in its core's cache; no trip through the thread pool): resolves once they
   * are written, rejects with the write's error (its `code`, e.g. ENOSPC) or when the worker failed.
   * `fd` must stay open until then.
   */
  write(bytes: Uint8Array, lease: Lease, fd: number, position: number): Promise<void>;
  /** `sha256:<hex>` of every byte fed; rejects when the worker failed. */
  digest(): Promise<string>;
}

/** Whether `bytes` can be hashed off the thread (they live in shared memory). */
export const sharable = (bytes: Uint8Array): boolean => bytes.buffer instanceof SharedArrayBuffer;

/** `job` registered on the worker (started if need be), or undefined when no worker can run here (then none is tried again). */
function newJob(job: Job): { w: Worker; id: number; job: Job } | undefined {
  if (broken) return undefined;
  let w: Worker;
  try {
    w = started();
  } catch {
    broken = true;
    return undefined;
  }
  const id = nextJob++;
  jobs.set(id, job);
  return { w, id, job };
}

/** A hash on the worker thread, or undefined when none can run here (the caller hashes on the event loop). */
export function hashOffThread(): OffThreadHash | undefined {
  if (typeof SharedArrayBuffer !== 'function') return undefined;
  const opened = newJob({ held: new Map() });
  if (opened === undefined) return undefined;
  const { w, id, job } = opened;
  hold(w);
  let seq = 0;
  return {
    update(bytes, lease) {
      if (!jobs.has(id)) return; // failed already: digest() says so
      lease.retain();
      job.held.set(seq, { lease });
      w.postMessage({ job: id, seq: seq++, buffer: bytes.buffer, offset: bytes.byteOffset, length: bytes.byteLength });
    },
    write(bytes, lease, fd, position) {
      if (!jobs.has(id)) return Promise.reject(new Error('the hashing worker failed'));
      lease.retain();
      return new Promise<void>((resolve, reject) => {
        job.held.set(seq, { lease, wrote: { resolve, reject } });
        w.postMessage({ job: id, seq: seq++, buffer: bytes.buffer, offset: bytes.byteOffset, length: bytes.byteLength, fd, position });
      });
    },
    digest() {
      if (!jobs.has(id)) return Promise.reject(new Error('the hashing worker failed'));
      return new Promise<string>((resolve, reject) => {
        job.done = { resolve, reject };
        w.postMessage({ job: id });
      });
    },
  };
}

/**
 * A sha256 of a staged file, computed on the worker thread as the file is written, and kept there
 * between appends. Calls come in this order, for each append: `open`, `upTo` as writes land, then
 * `seal` (awaited before the next `open`); `drop` at any time ends it.
 */
export interface FileHash {
  /** An append starts: the worker (re)opens `path` (the file the hash goes on in: its bytes so far are those hashed). */
  open(path: string): void;
  /** The first `length` bytes of the file are written (lengths only grow). */
  upTo(length: number): void;
  /**
   * As upTo, when the bytes written since the last length told are `chunks`, each the whole of an
   * ArrayBuffer of its own that nothing else reads (handOverable): they are moved to the worker
   * (detached here, not copied), which hashes them instead of reading the file back, then moves
   * them back to be freed here: left to the worker's small heap, 16 MiB of them per push set off
   * a full collection there every push or two (V8 counts external bytes against the old generation).
   */
  handOver(length: number, chunks: readonly Uint8Array[]): void;
  /** `sha256:<hex>` of the bytes up to the last length told (the file is closed, the hash goes on); rejects when they could not be read, or the worker failed. */
  seal(): Promise<string>;
  /** Ends the job (an upload committed, discarded or failed); safe to call more than once. */
  drop(): void;
}

/**
 * Whether `chunks` can be handed over to the worker (FileHash.handOver): each the whole of an
 * ArrayBuffer (not shared memory) of its own, none twice. The caller answers for the rest: nothing
 * else reads them afterwards (node:http's request body chunks, each copied fresh from its read buffer).
 */
export function handOverable(chunks: readonly Uint8Array[]): boolean {
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    if (c.byteOffset !== 0 || c.byteLength !== c.buffer.byteLength || c.buffer instanceof SharedArrayBuffer) return false;
    for (let j = 0; j < i; j++) if (chunks[j]!.buffer === c.buffer) return false;
  }
  return chunks.length > 0;
}

/** A new hash of a file to follow on the worker thread, or undefined when none can run here (the caller hashes on the event loop). */
export function followFile(): FileHash | undefined {
  const opened = newJob({ held: new Map(), file: true });
  if (opened === undefined) return undefined;
  const { w, id, job } = opened;
  let active = false;
  const end = (): void => {
    if (!active) return;
    active = false;
    letGo(w);
  };
  return {
    open(path) {
      if (!jobs.has(id) || worker !== w) return; // failed: seal() says so
      if (!active) {
        active = true;
        hold(w);
      }
      w.postMessage({ job: id, file: true, open: path });
    },
    upTo(length) {
      if (jobs.has(id) && worker === w) w.postMessage({ job: id, file: true, upTo: length });
    },
    handOver(length, chunks) {
      if (!jobs.has(id) || worker !== w) return;
      const buffers = chunks.map((c) => c.buffer as ArrayBuffer);
      w.postMessage({ job: id, file: true, upTo: length, chunks: buffers }, buffers);
    },
    seal() {
      if (!jobs.has(id) || worker !== w) return Promise.reject(new Error('the hashing worker failed'));
      if (!active) hold(w); // sealed with no append open: held until the answer
      active = false; // the answer lets go
      return new Promise<string>((resolve, reject) => {
        job.done = { resolve, reject };
        w.postMessage({ job: id, file: true, seal: true });
      });
    },
    drop() {
      if (!jobs.delete(id)) return;
      end();
      if (job.done) {
        // its answer, still to come, finds no job: the hold it had is let go here
        letGo(w);
        job.done.reject(new Error('the hash was dropped'));
        job.done = undefined;
      }
      if (worker === w) w.postMessage({ job: id, file: true, drop: true });
    },
  };
}
