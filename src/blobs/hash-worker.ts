/**
 * sha256 of a lent body's batches on a worker thread, off the event loop: a blob fetched from an
 * upstream is hashed (~0.7 ms per MiB here) while the event loop receives, stages and sends the
 * next bytes. The batches live in shared memory (write-body.ts allocates them from a
 * SharedArrayBuffer), so nothing is copied: a batch is held (its lease) until the worker has read it.
 *
 * One worker per process, started on first use, kept alive only while a hash is under way. When
 * it cannot run (no SharedArrayBuffer, the worker fails to start or dies), the hash fails: the
 * body is refused, nothing is kept, and the next body is hashed on the event loop (hashOffThread
 * answers undefined from then on).
 */
import { Worker } from 'node:worker_threads';
import type { Lease } from './lease.ts';

/** The worker: one node:crypto Hash per job id; acknowledges each batch once read, answers the digest at the end. */
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const { createHash } = process.getBuiltinModule('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  let h = hashes.get(m.job);
  if (h === undefined) hashes.set(m.job, (h = createHash('sha256')));
  if (m.buffer !== undefined) {
    h.update(new Uint8Array(m.buffer, m.offset, m.length));
    parentPort.postMessage({ job: m.job, read: m.seq });
  } else {
    hashes.delete(m.job);
    parentPort.postMessage({ job: m.job, digest: h.digest('hex') });
  }
});
`;

type Reply = { job: number; read: number } | { job: number; digest: string };

interface Job {
  /** Leases of the batches posted and not read yet, by sequence number. */
  held: Map<number, Lease>;
  done?: { resolve: (hex: string) => void; reject: (err: Error) => void };
}

let worker: Worker | undefined;
let broken = false;
let nextJob = 1;
const jobs = new Map<number, Job>();

function fail(err: Error): void {
  broken = true;
  worker = undefined;
  for (const job of jobs.values()) job.done?.reject(err);
  // the leases of unread batches are not given back: the worker may have held them when it died
  jobs.clear();
}

function started(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.on('message', (m: Reply) => {
    const job = jobs.get(m.job);
    if (!job) return;
    if ('read' in m) {
      const lease = job.held.get(m.read);
      job.held.delete(m.read);
      lease?.release();
      return;
    }
    jobs.delete(m.job);
    if (jobs.size === 0) w.unref();
    job.done?.resolve(`sha256:${m.digest}`);
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
  /** `sha256:<hex>` of every byte fed; rejects when the worker failed. */
  digest(): Promise<string>;
}

/** Whether `bytes` can be hashed off the thread (they live in shared memory). */
export const sharable = (bytes: Uint8Array): boolean => bytes.buffer instanceof SharedArrayBuffer;

/** A hash on the worker thread, or undefined when none can run here (the caller hashes on the event loop). */
export function hashOffThread(): OffThreadHash | undefined {
  if (broken || typeof SharedArrayBuffer !== 'function') return undefined;
  let w: Worker;
  try {
    w = started();
  } catch {
    broken = true;
    return undefined;
  }
  const id = nextJob++;
  const job: Job = { held: new Map() };
  jobs.set(id, job);
  w.ref();
  let seq = 0;
  return {
    update(bytes, lease) {
      if (!jobs.has(id)) return; // failed already: digest() says so
      lease.retain();
      job.held.set(seq, lease);
      w.postMessage({ job: id, seq: seq++, buffer: bytes.buffer, offset: bytes.byteOffset, length: bytes.byteLength });
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
