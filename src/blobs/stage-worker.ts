/**
 * A request body's batches hashed (sha256) and written to its staged file on a worker thread, off
 * the event loop. On this 2-core machine the event loop of a push spent about half its time in
 * sha256 (~0.6 ms per MiB): with it here, the loop receives the next bodies while the worker
 * hashes and writes these, each on its own core.
 *
 * A job is one upload's hash: it lives across the upload's appends (a chunked push feeds one
 * job, PATCH after PATCH) until the upload is committed or dropped. Its batches' memory moves to
 * the worker (transferred, not copied: writeBodyOffThread hands over only memory nobody else
 * holds), the worker hashes them, writes them at their offset of the file descriptor (the caller
 * keeps the file open until every write it asked for has answered), and answers each write.
 *
 * One worker per process, started on first use, holding the process open only while a write or
 * a digest is under way. When it cannot run (it fails to start, or dies), the job's writes and
 * digests reject: that body is refused, the upload's hash is rebuilt from its staged bytes on its
 * next append, and every later body is hashed and written on the event loop (stageJob answers
 * undefined from then on). Durability is the caller's, as on the event loop: fdatasync once
 * every write answered, before the bytes are acknowledged.
 */
import { Worker } from 'node:worker_threads';

/**
 * The worker: one Hash per job. A write hashes its chunks and writes them, 256 KiB at a time (a
 * short write is continued, so a full disk's error surfaces); a failed write ends its job (later writes of it
 * fail too, the hash no longer says what the file holds). A digest is of every byte so far.
 */
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const { createHash } = process.getBuiltinModule('node:crypto');
const { writevSync } = process.getBuiltinModule('node:fs');
const GROUP = 256 * 1024;
const hashes = new Map();
const failed = new Map();
const writeAll = (fd, chunks, position, length) => {
  let done = 0;
  let rest = chunks;
  while (done < length) {
    const n = writevSync(fd, rest, position + done);
    if (n <= 0) throw Object.assign(new Error('no byte could be written (disk full?)'), { code: 'ENOSPC' });
    done += n;
    let skip = n;
    const next = [];
    for (const c of rest) {
      if (skip >= c.byteLength) skip -= c.byteLength;
      else { next.push(skip > 0 ? c.subarray(skip) : c); skip = 0; }
    }
    rest = next;
  }
};
parentPort.on('message', (m) => {
  if (m.drop) { hashes.delete(m.job); failed.delete(m.job); return; }
  const err = failed.get(m.job);
  if (err !== undefined) return parentPort.postMessage({ seq: m.seq, error: err });
  let h = hashes.get(m.job);
  if (h === undefined) hashes.set(m.job, (h = createHash('sha256')));
  if (m.chunks === undefined) return parentPort.postMessage({ seq: m.seq, digest: h.copy().digest('hex') });
  try {
    // hashed then written a group at a time, while the group is still in this core's cache
    let group = [];
    let bytes = 0;
    let at = m.position;
    for (const c of m.chunks) {
      h.update(c);
      group.push(c);
      bytes += c.byteLength;
      if (bytes < GROUP) continue;
      writeAll(m.fd, group, at, bytes);
      at += bytes;
      group = [];
      bytes = 0;
    }
    if (bytes > 0) writeAll(m.fd, group, at, bytes);
    parentPort.postMessage({ seq: m.seq });
  } catch (e) {
    const error = { message: String(e && e.message), code: e && e.code };
    hashes.delete(m.job);
    failed.set(m.job, error);
    parentPort.postMessage({ seq: m.seq, error });
  }
});
`;

interface Reply {
  seq: number;
  digest?: string;
  error?: { message: string; code?: string };
}

interface Waiting {
  resolve: (digest: string | undefined) => void;
  reject: (err: Error) => void;
}

let worker: Worker | undefined;
let broken = false;
let nextJob = 1;
let nextSeq = 1;
/** Writes and digests asked for and not answered yet, by sequence number. */
const waiting = new Map<number, Waiting>();

function fail(err: Error): void {
  broken = true;
  worker = undefined;
  for (const w of waiting.values()) w.reject(err);
  waiting.clear();
}

function started(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.on('message', (m: Reply) => {
    const asked = waiting.get(m.seq);
    if (!asked) return;
    waiting.delete(m.seq);
    if (waiting.size === 0) w.unref();
    if (m.error) asked.reject(Object.assign(new Error(m.error.message), m.error.code ? { code: m.error.code } : {}));
    else asked.resolve(m.digest);
  });
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`the staging worker exited (code ${code})`)));
  w.unref();
  worker = w;
  return w;
}

/** One upload's hash on the worker, fed by the writes of its bodies in order. */
export interface StageJob {
  /**
   * Hashes `chunks` and writes them at `position` of `fd`; resolves once written. The chunks'
   * memory goes to the worker (each must be the whole of an ArrayBuffer nobody else uses).
   */
  write(fd: number, chunks: Uint8Array[], position: number, length: number): Promise<void>;
  /** `sha256:<hex>` of every byte written through this job so far; rejects when a write failed or the worker did. */
  digest(): Promise<string>;
  /** Ends the job: the worker forgets its hash. */
  drop(): void;
}

function ask(w: Worker, message: object, transfer: ArrayBuffer[] = []): Promise<string | undefined> {
  const seq = nextSeq++;
  return new Promise<string | undefined>((resolve, reject) => {
    waiting.set(seq, { resolve, reject });
    w.ref();
    try {
      w.postMessage({ ...message, seq }, transfer);
    } catch (err) {
      waiting.delete(seq);
      if (waiting.size === 0) w.unref();
      reject(err as Error);
    }
  });
}

/**
 * Whether request bodies go to the worker. Tests that inject faults into FileHandle's writes turn
 * it off, so that bodies reach them (a real full disk reaches the worker's writes too:
 * test/reliability/disk-full.test.ts).
 */
export const stagingWorker = { enabled: true };

/** A new job on the worker, or undefined when none can run here (the caller hashes and writes on the event loop). */
export function stageJob(): StageJob | undefined {
  if (broken || !stagingWorker.enabled) return undefined;
  let w: Worker;
  try {
    w = started();
  } catch {
    broken = true;
    return undefined;
  }
  const job = nextJob++;
  return {
    write: async (fd, chunks, position, length) => {
      if (worker !== w) throw new Error('the staging worker failed');
      await ask(
        w,
        { job, fd, chunks, position, length },
        chunks.map((c) => c.buffer as ArrayBuffer),
      );
    },
    digest: async () => {
      if (worker !== w) throw new Error('the staging worker failed');
      return `sha256:${await ask(w, { job })}`;
    },
    drop: () => {
      if (worker === w) w.postMessage({ job, drop: true });
    },
  };
}
