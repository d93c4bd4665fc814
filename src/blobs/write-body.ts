/**
 * Writing a body (a request's, or any stream of chunks) into a staging file: hashed as it comes,
 * gathered into large writes, one written while the next is received (upload-staging.ts).
 */
import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { isLent } from '../support/lent-chunks.ts';

/** Bytes gathered before one write to the staging file. */
const WRITE_BATCH = 1024 * 1024;

/**
 * Batch buffers (CopyingWriter), kept for reuse between appends: two per body being written (one
 * filling, one being written), for up to 8 bodies at once; beyond that they are left to the GC.
 */
const batchPool: Buffer[] = [];
const takeBatch = (): Buffer => batchPool.pop() ?? Buffer.allocUnsafeSlow(WRITE_BATCH);
const giveBatch = (b: Buffer): void => {
  if (batchPool.length < 16) batchPool.push(b);
};

/** Writes every byte of `chunks` at `position`: a short write (a disk filling up) is continued, so its error surfaces. */
async function writeAll(fh: FileHandle, chunks: Uint8Array[], position: number, total: number): Promise<void> {
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
class BatchWriter {
  written = 0;
  #queued = 0;
  #batch: Uint8Array[] = [];
  #batched = 0;
  #inFlight: Promise<void> | undefined;

  constructor(
    readonly fh: FileHandle,
    readonly offset: number,
    readonly onWritten: ((length: number, chunks: readonly Uint8Array[]) => void) | undefined,
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
 * Feeds the chunks of a Node stream (a request body) to `take` from its 'data' events, pausing
 * the stream while `take` asks to wait: no promise per chunk, unlike async iteration. Like the
 * iterator, it destroys the stream when it stops early (`take` threw or refused to go on), and
 * fails when the stream closes before its end.
 */
function pump(stream: Readable, take: (chunk: Uint8Array) => Promise<void> | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const stop = (err?: unknown): void => {
      if (done) return;
      done = true;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', stop);
      stream.off('close', onClose);
      // an error that comes after the close (a body destroyed while paused) is not left unhandled
      stream.on('error', () => undefined);
      if (err === undefined) resolve();
      else {
        stream.destroy();
        reject(err);
      }
    };
    const onData = (chunk: Uint8Array): void => {
      let wait: Promise<void> | undefined;
      try {
        wait = take(chunk);
      } catch (err) {
        stop(err);
        return;
      }
      if (wait === undefined) return;
      stream.pause();
      wait.then(() => {
        if (!done) stream.resume();
      }, stop);
    };
    const onEnd = (): void => stop();
    // a stream destroyed with an error while paused may close before it emits the error: that error is the cause
    const onClose = (): void => stop(stream.errored ?? Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    if (stream.readableEnded) return resolve();
    if (stream.destroyed) return onClose();
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', stop);
    stream.once('close', onClose);
    stream.resume();
  });
}

/**
 * Copies the chunks of a body into reused batch buffers of WRITE_BATCH bytes, one written while
 * the next fills (at most one write in flight). A chunk is done with as soon as it is copied:
 * lent chunks (support/lent-chunks.ts) may be read into again, and a request body's chunks, each a
 * fresh ArrayBuffer from node:http, die young instead of waiting in a batch for its write. Kept
 * until their write, they outlived scavenges on a busy machine and were promoted, and ArrayBuffer
 * bytes promoted since the last full collection count against the old generation's limit: a
 * full collection followed every few pushes (heap-wide marking for garbage a scavenge would have
 * freed). `onWritten` hears no chunks (the buffers are reused: readers of a blob still arriving
 * read the staged file).
 */
class CopyingWriter {
  written = 0;
  #queued = 0;
  #buf: Buffer | undefined = takeBatch();
  #filled = 0;
  #inFlight: Promise<void> | undefined;

  constructor(
    readonly fh: FileHandle,
    readonly offset: number,
    readonly onWritten: ((length: number, chunks: readonly Uint8Array[]) => void) | undefined,
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
    if (this.#buf) giveBatch(this.#buf);
    this.#buf = undefined;
  }

  #send(): void {
    const full = this.#buf!;
    const length = this.#filled;
    const at = this.offset + this.#queued;
    this.#queued += length;
    this.#buf = takeBatch();
    this.#filled = 0;
    const write = writeAll(this.fh, [full.subarray(0, length)], at, length).then(
      () => {
        giveBatch(full);
        this.written += length;
        this.onWritten?.(this.offset + this.written, []);
        if (this.#inFlight === write) this.#inFlight = undefined;
      },
      (err: unknown) => {
        giveBatch(full);
        throw err;
      },
    );
    // awaited before the next write, by finish, or by settled: a failure surfaces there
    write.catch(() => undefined);
    this.#inFlight = write;
  }
}

/**
 * Writes `body` into `fh` from `offset`, hashing it into `hash` as it comes; answers the bytes
 * written. Socket chunks are small (16-64 KiB): they are gathered into one write of up to
 * WRITE_BATCH bytes, so a large body costs few trips to the thread pool, and one batch is
 * written while the next is received. Chunks are copied into reused batches (CopyingWriter),
 * unless `onWritten` wants the chunks themselves (readers of a blob still arriving send them):
 * then they are kept until written (BatchWriter), which lent chunks cannot be. A Node stream (a
 * request body) is read from its events, any other body is iterated. Nothing is in flight once it
 * returns or throws.
 */
export async function writeBody(
  fh: FileHandle,
  body: AsyncIterable<Uint8Array>,
  offset: number,
  limit: number,
  hash: Hash,
  onWritten: ((length: number, chunks: readonly Uint8Array[]) => void) | undefined,
): Promise<number> {
  const writer =
    isLent(body) || onWritten === undefined ? new CopyingWriter(fh, offset, onWritten) : new BatchWriter(fh, offset, onWritten);
  const take = (chunk: Uint8Array): Promise<void> | undefined => {
    if (writer.taken + chunk.byteLength > limit) throw new RangeError(`body exceeds ${limit} bytes`);
    hash.update(chunk);
    return writer.take(chunk);
  };
  try {
    if (body instanceof Readable) await pump(body, take);
    else
      for await (const chunk of body) {
        const wait = take(chunk);
        if (wait !== undefined) await wait;
      }
    await writer.finish();
    return writer.written;
  } finally {
    // a failed body: the write in flight lands before the caller cuts the file back
    await writer.settled();
  }
}
