/**
 * Pieces of write-body.ts: BatchWriter (a request body's chunks gathered into writes of
 * WRITE_BATCH bytes, one written while the next is gathered), writeAll, and the pool of reused
 * batch buffers that lent bodies are copied into.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Lease } from './lease.ts';

/** Bytes gathered before one write to the staging file. */
export const WRITE_BATCH = 1024 * 1024;

/**
 * Batch buffers for lent chunks (copied into them), kept for reuse between appends. A written
 * batch is lent on to whoever watches the writes (readers of a blob still arriving send it), so
 * it comes back once they all let go of it (lease.ts).
 */
const batchPool: Buffer[] = [];
/** In shared memory, so the hashing worker (hash-worker.ts) reads a batch where it is. */
const newBatch = (): Buffer =>
  typeof SharedArrayBuffer === 'function' ? Buffer.from(new SharedArrayBuffer(WRITE_BATCH)) : Buffer.allocUnsafeSlow(WRITE_BATCH);
export const takeBatch = (): Buffer => batchPool.pop() ?? newBatch();
export const giveBatch = (b: Buffer): void => {
  if (batchPool.length < 16) batchPool.push(b);
};
/** The whole batch buffer a view of its first bytes (a batch filled in part) is of. */
export const batchOf = (view: Uint8Array): Buffer =>
  Buffer.isBuffer(view) && view.byteLength === WRITE_BATCH ? view : Buffer.from(view.buffer, view.byteOffset, WRITE_BATCH);

/** Hears a length of the body, with the chunks that reach it; `lease`, when given, must be retained to keep them past the call. */
export type OnWritten = (length: number, chunks: readonly Uint8Array[], lease?: Lease) => void;

/** Writes every byte of `chunks` at `position`: a short write (a disk filling up) is continued, so its error surfaces. */
export async function writeAll(fh: FileHandle, chunks: Uint8Array[], position: number, total: number): Promise<void> {
  let done = 0;
  let rest = chunks;
  while (done < total) {
    const { bytesWritten } = await fh.writev(rest, position + done);
    if (bytesWritten <= 0) throw Object.assign(new Error('no byte could be written (disk full?)'), { code: 'ENOSPC' });
    done += bytesWritten;
    // drop what was written from the front of the list
    let skip = bytesWritten;
    const next: Uint8Array[] = [];
    for (const c of rest) {
      if (skip >= c.byteLength) skip -= c.byteLength;
      else {
        next.push(skip > 0 ? c.subarray(skip) : c);
        skip = 0;
      }
    }
    rest = next;
  }
}

/**
 * Gathers the chunks of a body into batches of WRITE_BATCH bytes, each written with one writev
 * while the next is gathered (at most one write in flight, so `onWritten` hears a contiguous
 * length, with the chunks that write staged).
 */
export class BatchWriter {
  written = 0;
  #queued = 0;
  #batch: Uint8Array[] = [];
  #batched = 0;
  #inFlight: Promise<void> | undefined;

  constructor(
    readonly fh: FileHandle,
    readonly offset: number,
    readonly onWritten: OnWritten | undefined,
  ) {}

  /** Bytes taken so far (written, in flight or gathered). */
  get taken(): number {
    return this.#queued + this.#batched;
  }

  /**
   * Takes a chunk. Answers a promise when the caller must wait before taking more (a full batch
   * waits for the write in flight): it resolves once that batch's write has started.
   */
  take(chunk: Uint8Array): Promise<void> | undefined {
    this.#batch.push(chunk);
    this.#batched += chunk.byteLength;
    if (this.#batched < WRITE_BATCH) return undefined;
    if (this.#inFlight === undefined) {
      this.#start();
      return undefined;
    }
    return this.#inFlight.then(() => this.#start());
  }

  /**
   * Writes what is gathered once the writes in flight are done; resolves when every byte is
   * written (a take's wait may start another write meanwhile: that one is waited for too).
   */
  async finish(): Promise<void> {
    for (;;) {
      if (this.#inFlight !== undefined) await this.#inFlight;
      else if (this.#batched > 0) this.#start();
      else return;
    }
  }

  /** Resolves once no write is in flight (whatever its outcome). */
  async settled(): Promise<void> {
    await this.#inFlight?.catch(() => undefined);
  }

  #start(): void {
    if (this.#batched === 0) return;
    const chunks = this.#batch;
    const length = this.#batched;
    const at = this.offset + this.#queued;
    this.#batch = [];
    this.#batched = 0;
    this.#queued += length;
    const write = writeAll(this.fh, chunks, at, length).then(() => {
      this.written += length;
      this.onWritten?.(this.offset + this.written, chunks);
      if (this.#inFlight === write) this.#inFlight = undefined;
    });
    // awaited before the next write, by finish, or by settled: a failure surfaces there
    write.catch(() => undefined);
    this.#inFlight = write;
  }
}
