/**
 * Writing a request body (node:http's IncomingMessage) through a job of the staging worker
 * (stage-worker.ts): its chunks are gathered into batches of WRITE_BATCH bytes, each handed to
 * the worker, which hashes and writes it while the event loop receives the next.
 */
import type { FileHandle } from 'node:fs/promises';
import { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { WRITE_BATCH } from './batch-writers.ts';
import type { StageJob } from './stage-worker.ts';
import { pump, type Written } from './write-body.ts';

/** Batches handed to the worker and not written yet, per body, before its stream is paused. */
const IN_FLIGHT = 4;
/** Chunks in one batch at most (a body of tiny chunks is not sent one huge list). */
const MAX_CHUNKS = 256;

/**
 * Whether a body's chunks are its own, so their memory can move to the worker: node:http copies
 * each fragment of a request body into an ArrayBuffer of its own, and nothing but the upload reads
 * a request body. Any other body is written on the event loop (write-body.ts).
 */
export const isRequestBody = (body: AsyncIterable<Uint8Array>): body is IncomingMessage => body instanceof IncomingMessage;

/** A chunk whose memory can be handed over as it is, or else a copy of it. */
const owned = (chunk: Uint8Array): Uint8Array =>
  chunk.byteOffset === 0 && chunk.buffer instanceof ArrayBuffer && chunk.byteLength === chunk.buffer.byteLength
    ? chunk
    : new Uint8Array(chunk);

/**
 * Writes `body` into `fh` from `offset` through `job`, which hashes it after every byte it was
 * fed before; answers the bytes written and the sha256 of all the job's bytes. At most IN_FLIGHT
 * batches wait for the worker (the stream is paused meanwhile). Nothing is in flight once it
 * returns or throws (the file may be closed and cut back then).
 */
export async function writeBodyOffThread(fh: FileHandle, body: Readable, offset: number, limit: number, job: StageJob): Promise<Written> {
  let batch: Uint8Array[] = [];
  let batched = 0;
  let queued = 0;
  let written = 0;
  /** Every write asked for (settled before returning); `waits` the ones the stream has not waited for. */
  const all: Promise<void>[] = [];
  const waits: Promise<void>[] = [];
  const send = (): void => {
    if (batched === 0) return;
    const chunks = batch;
    const length = batched;
    const at = offset + queued;
    batch = [];
    batched = 0;
    queued += length;
    // the worker answers in order: `written` grows contiguously
    const write = job.write(fh.fd, chunks, at, length).then(() => {
      written += length;
    });
    write.catch(() => undefined);
    all.push(write);
    waits.push(write);
  };
  const take = (chunk: Uint8Array): Promise<void> | undefined => {
    if (queued + batched + chunk.byteLength > limit) throw new RangeError(`body exceeds ${limit} bytes`);
    batch.push(owned(chunk));
    batched += chunk.byteLength;
    if (batched < WRITE_BATCH && batch.length < MAX_CHUNKS) return undefined;
    send();
    return waits.length > IN_FLIGHT ? waits.shift() : undefined;
  };
  try {
    await pump(body, take);
    send();
    await Promise.all(all);
    return { written, sha256: await job.digest() };
  } finally {
    await Promise.allSettled(all);
  }
}
