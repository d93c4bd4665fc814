/**
 * The batch writers of write-body.ts: a body's chunks gathered into writes of WRITE_BATCH bytes,
 * one written while the next is gathered, and the pool of reused batch buffers they share.
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

/**
 * Batch buffers for request bodies (CopyingWriter): never handed to the hashing worker, so in
 * ordinary memory (a copy into shared memory is slower: relaxed atomic copies).
 */
const plainPool: Buffer[] = [];
const takePlain = (): Buffer => plainPool.pop() ?? Buffer.allocUnsafeSlow(WRITE_BATCH);
const givePlain = (b: Buffer): void => {
  if (plainPool.length < 16) plainPool.push(b);
};

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

  /** Writes what is gathered once the write in flight is done; resolves when every byte is written. */
  async finish(): Promise<void> {
    await this.#inFlight;
    if (this.#batched > 0) {
      this.#start();
      await this.#inFlight;
    }
  }

  /** Resolves once no write is in flight (whatever its outcome). */
  async settled(): Promise<void> {
    await this.#inFlight?.catch(() => undefined);
  }

  #start(): void {
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

/**
 * Copies the chunks of a body into reused batch buffers of WRITE_BATCH bytes, one written while
 * the next fills (at most one write in flight). A chunk is done with as soon as it is copied:
 * lent chunks (support/lent-chunks.ts) may be read into again, and a request body's chunks, each a
 * fresh ArrayBuffer from node:http, die young instead of waiting in a batch for its write (kept
 * until their write, they outlived scavenges and were promoted: only a full collection frees
 * those). That is not enough to avoid full collections: V8 (11.x, Node 20) counts every external
 * byte allocated since the last full collection, young ones too until a scavenge frees them,
 * against the old generation's headroom, which is only max(10% of the heap, 8 MB) once its growing
 * factor is at its floor; young ArrayBuffers trigger a scavenge only past 32 MB (2 x the default
 * max semi-space, whatever --max-semi-space-size says). Half a 16 MiB push of node:http body
 * fragments can start the next incremental marking: issue #16 has the measurements. The bin
 * raises that headroom's floor (--initial-old-space-size in tools/ecr-rewind.js).
 * `onWritten` hears no chunks (the buffers are reused: readers of a blob still arriving read the
 * staged file).
 */
export class CopyingWriter {
  written = 0;
  #queued = 0;
  #buf: Buffer | undefined = takePlain();
  #filled = 0;
  #inFlight: Promise<void> | undefined;

  constructor(
    readonly fh: FileHandle,
    readonly offset: number,
    readonly onWritten: OnWritten | undefined,
  ) {}

  /** Bytes taken so far (written, in flight or gathered). */
  get taken(): number {
    return this.#queued + this.#filled;
  }

  /**
   * Copies a chunk in. Answers a promise when the caller must wait before the next chunk (a full
   * batch waits for the write in flight; the rest of this chunk is copied once it started).
   */
  take(chunk: Uint8Array): Promise<void> | undefined {
    const buf = this.#buf;
    if (buf === undefined) throw new Error('the body writer is closed');
    const n = Math.min(chunk.byteLength, buf.length - this.#filled);
    buf.set(n === chunk.byteLength ? chunk : chunk.subarray(0, n), this.#filled);
    this.#filled += n;
    if (this.#filled < buf.length) return undefined;
    const rest = chunk.subarray(n);
    if (this.#inFlight === undefined) {
      this.#send();
      return rest.byteLength > 0 ? this.take(rest) : undefined;
    }
    return this.#inFlight.then(() => {
      // the body may have failed meanwhile (settled gave the buffer back): nothing more is written
      if (this.#buf === undefined) return undefined;
      this.#send();
      return rest.byteLength > 0 ? this.take(rest) : undefined;
    });
  }

  /** Writes what is gathered once the write in flight is done; resolves when every byte is written. */
  async finish(): Promise<void> {
    await this.#inFlight;
    if (this.#filled > 0) {
      this.#send();
      await this.#inFlight;
    }
  }

  /** Resolves once no write is in flight (whatever its outcome), and gives the batch buffer back. */
  async settled(): Promise<void> {
    await this.#inFlight?.catch(() => undefined);
    if (this.#buf) givePlain(this.#buf);
    this.#buf = undefined;
  }

  #send(): void {
    const full = this.#buf!;
    const length = this.#filled;
    const at = this.offset + this.#queued;
    this.#queued += length;
    this.#buf = takePlain();
    this.#filled = 0;
    const write = writeAll(this.fh, [full.subarray(0, length)], at, length).then(
      () => {
        givePlain(full);
        this.written += length;
        this.onWritten?.(this.offset + this.written, []);
        if (this.#inFlight === write) this.#inFlight = undefined;
      },
      (err: unknown) => {
        givePlain(full);
        throw err;
      },
    );
    // awaited before the next write, by finish, or by settled: a failure surfaces there
    write.catch(() => undefined);
    this.#inFlight = write;
  }
}
