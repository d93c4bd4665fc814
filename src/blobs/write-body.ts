/**
 * Writing a body (a request's, or any stream of chunks) into a staging file: hashed as it comes,
 * gathered into large writes, one written while the next is received (upload-staging.ts).
 */
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { FILLS, isLent, type LentChunks } from '../support/lent-chunks.ts';
import { type FileHash, followFile, handOverable, hashOffThread, type OffThreadHash, sharable } from './hash-worker.ts';
import { BatchWriter, batchOf, giveBatch, type OnWritten, takeBatch, WRITE_BATCH, writeAll } from './batch-writers.ts';
import { CountedLease } from './lease.ts';

export type { OnWritten } from './batch-writers.ts';

/** What the caller of writeBody hears. */
export interface WriteWatch {
  /** The length written so far after each write, with the chunks that write staged (none when `received` heard them). */
  written?: OnWritten | undefined;
  /** Lent bodies only: the length taken so far, with the chunks not written yet, as soon as they are batched. */
  received?: OnWritten | undefined;
  /** The length written so far after each write, every byte before it landed in the file (no chunks: a request body's still go to the hashing worker). */
  landed?: ((length: number) => void) | undefined;
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
    /** the wait the last chunk taken asked for, until it is over */
    let pending: Promise<void> | undefined;
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
      pending = wait;
      wait.then(() => {
        pending = undefined;
        if (!done) stream.resume();
      }, stop);
    };
    // a stream may end while paused after its last chunk: the wait that chunk asked for comes first
    const onEnd = (): void => {
      if (pending === undefined) stop();
      else {
        // ended whole: its close that follows is no premature close
        stream.off('close', onClose);
        pending.then(() => stop(), stop);
      }
    };
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

/** Batches of lent chunks written at once (each at its own offset): the source reads on while earlier ones are written. */
const LENT_WRITES = 2;
/**
 * The same, when the hashing worker hashes and writes them, in order, one after the other: it must
 * not set the pace of the socket reads and of readers that keep up (who are sent a batch once it
 * is received, before its write). The window keeps every batch not written yet, so this bounds the
 * memory a blob holds while the worker is behind.
 */
const WORKER_WRITES = 8;

/** A batch buffer (from takeBatch) and how many of its first bytes hold the body. */
interface Batch {
  buf: Buffer;
  length: number;
}

/**
 * The bytes of a lent body in batch buffers (takeBatch), each the consumer's once yielded (it gives
 * it back): filled by the source itself when it offers to (`FILLS`: no copy here), else copied
 * from its lent chunks before the next one is asked for. Every batch is full but the last.
 */
async function* batchesOf(body: LentChunks, limit: number): AsyncGenerator<Batch> {
  let taken = 0;
  const fill = body[FILLS];
  if (fill !== undefined) {
    const filled = fill(takeBatch, (b) => giveBatch(batchOf(b)));
    let done = false;
    try {
      for (let next = await filled.next(); !next.done; next = await filled.next()) {
        const view = next.value;
        taken += view.byteLength;
        if (taken > limit) {
          giveBatch(batchOf(view));
          throw new RangeError(`body exceeds ${limit} bytes`);
        }
        yield { buf: batchOf(view), length: view.byteLength };
      }
      done = true;
    } finally {
      if (!done) await filled.return?.();
    }
    return;
  }
  let buf: Buffer | undefined = takeBatch();
  let filledTo = 0;
  try {
    for await (const chunk of body) {
      if (taken + chunk.byteLength > limit) throw new RangeError(`body exceeds ${limit} bytes`);
      taken += chunk.byteLength;
      // copied before the next chunk is asked for: the source reads into this memory again
      for (let from = 0; from < chunk.byteLength; ) {
        const n = Math.min(chunk.byteLength - from, buf.length - filledTo);
        buf.set(from === 0 && n === chunk.byteLength ? chunk : chunk.subarray(from, from + n), filledTo);
        filledTo += n;
        from += n;
        if (filledTo === buf.length) {
          const full = buf;
          buf = takeBatch();
          filledTo = 0;
          yield { buf: full, length: full.length };
        }
      }
    }
    if (filledTo > 0) {
      const last = buf;
      buf = undefined;
      yield { buf: last, length: filledTo };
    }
  } finally {
    if (buf !== undefined) giveBatch(buf);
  }
}

/**
 * writeBody for lent chunks (support/lent-chunks.ts): they reach reused batch buffers (read into
 * them by the source, or copied: batchesOf), each hashed as a whole; a full batch is written
 * while the next ones fill (up to LENT_WRITES at once, at their own offsets; WORKER_WRITES by the hashing
 * worker, right after it hashed the batch, when it hashes them). Each batch comes
 * with a lease: it is reused once nobody holds it. With `watch.received`, a batch is handed on as
 * soon as it is full, before its write (readers of a blob still arriving send it from memory,
 * whatever the disk is doing), and `watch.written` hears only the lengths written (in order,
 * contiguous); without it, `watch.written` hears each batch once written.
 */
async function writeLentBody(
  fh: FileHandle,
  body: LentChunks,
  offset: number,
  limit: number,
  hash: Hash | undefined,
  watch: WriteWatch,
): Promise<Written> {
  // no hash to go on from (a body from the first byte): hashed on the worker thread, a batch at a
  // time, once its first batch is full; a body that fits in one batch (a config blob) is hashed here
  // at once: its digest is not queued behind the batches of larger bodies the worker has in hand
  let offThread: OffThreadHash | undefined;
  let inline = hash;
  let decided = hash !== undefined;
  let written = 0;
  let queued = 0;
  /** The writes under way, oldest first; each settles once its write did and its length was heard (in order). */
  const inFlight: Promise<void>[] = [];
  let heard: Promise<void> = Promise.resolve();
  const send = async ({ buf: full, length }: Batch): Promise<void> => {
    const bytes = full.subarray(0, length);
    const at = offset + queued;
    queued += length;
    const lease = new CountedLease(() => giveBatch(full));
    if (!decided) {
      decided = true;
      offThread = length === full.length ? hashOffThread() : undefined;
      if (offThread === undefined) inline = createHash('sha256');
    }
    inline?.update(bytes);
    if (offThread && !sharable(bytes)) {
      lease.release();
      throw new Error('a batch outside shared memory cannot be hashed off the thread');
    }
    watch.received?.(offset + queued, [bytes], lease);
    // off the thread, the worker writes the batch once it hashed it
    const write = offThread ? offThread.write(bytes, lease, fh.fd, at) : writeAll(fh, [bytes], at, bytes.byteLength);
    write.catch(() => undefined);
    const before = heard;
    heard = (async () => {
      try {
        // its own write first: once this settles, so did that write (what `finally` below counts on)
        await write;
        await before;
        written += bytes.byteLength;
        watch.landed?.(offset + written);
        watch.written?.(offset + written, watch.received ? [] : [bytes], watch.received ? undefined : lease);
      } finally {
        // the writer's own hold: the batch is reused once the watchers let go too
        lease.release();
      }
    })();
    // awaited when the queue is full, or below: a failure surfaces there
    heard.catch(() => undefined);
    inFlight.push(heard);
    if (inFlight.length >= (offThread ? WORKER_WRITES : LENT_WRITES)) await inFlight.shift();
  };
  try {
    for await (const batch of batchesOf(body, limit)) await send(batch);
    await heard;
    if (hash !== undefined) return { written };
    return { written, sha256: offThread ? await offThread.digest() : `sha256:${(inline ?? createHash('sha256')).digest('hex')}` };
  } finally {
    // a failed body: its off-thread hash is ended all the same (the worker lets go of its batches)
    offThread?.digest().catch(() => undefined);
    // every write under way lands before the caller cuts the file back
    await Promise.allSettled(inFlight);
    await heard.catch(() => undefined);
  }
}

/** How a body's bytes are hashed (writeBody): the upload's hash so far, to go on with, or none (a body from the first byte). */
export interface BodyHashing {
  /** The upload's bytes so far, hashed on the event loop: the body's go on into it as they come. */
  hash?: Hash | undefined;
  /** The upload's bytes so far, hashed by the worker following the staged file: the body's go on into it. */
  follow?: FileHash | undefined;
  /** The staged file `fh` writes (the worker reads it back). */
  path: string;
}

/**
 * The bytes written, and how they were hashed: `sha256` when the digest is known already (a lent
 * body from the first byte), `hash` when a body from the first byte was hashed on the event loop
 * (the upload's hash to go on with), `follow` when the worker hashes them (seal it for the digest).
 */
export interface Written {
  written: number;
  sha256?: string;
  hash?: Hash;
  follow?: FileHash;
}

/**
 * Writes `body` into `fh` from `offset`, hashing it as `hashing` says as it comes; answers the bytes
 * written. With no hash to go on from (a body from the staged file's first byte), the body is hashed
 * however suits it: a lent body larger than one write batch on the hashing worker from shared
 * memory (hash-worker.ts), a request body larger than one write batch by the worker reading the
 * staged file back as it is written (see writeRequestBody), a smaller body of either kind on the
 * event loop.
 * Socket chunks are small (16-64 KiB): they are gathered into one write of up to WRITE_BATCH
 * bytes, so a large body costs few trips to the thread pool, and one batch is written while the
 * next is received (batch-writers.ts). A Node stream (a request body) is read from its events
 * and its chunks are written as they are (copying them into reused batches cost ~20 ms of CPU per
 * 16 MiB push once the bin's --initial-old-space-size had ended the full collections that node:http's
 * fresh buffers set off: tools/ecr-rewind.cjs); lent chunks (support/lent-chunks.ts) are copied into
 * reused batches (see writeLentBody for what `watch` hears of them); any other body is iterated.
 * Nothing is in flight once it returns or throws (but the worker's reads, which `seal` waits for).
 */
export async function writeBody(
  fh: FileHandle,
  body: AsyncIterable<Uint8Array>,
  offset: number,
  limit: number,
  hashing: BodyHashing,
  watch: WriteWatch = {},
): Promise<Written> {
  if (isLent(body)) {
    if (hashing.follow) throw new Error('a lent body goes on from a hash on the event loop, not a followed file');
    const { written, sha256 } = await writeLentBody(fh, body, offset, limit, hashing.hash, watch);
    return sha256 === undefined ? { written } : { written, sha256 };
  }
  return writeRequestBody(fh, body, offset, limit, hashing, watch);
}

/**
 * writeBody for any body but a lent one. The hash goes on where it is: on the event loop as chunks
 * come (`hashing.hash`), or on the worker (`hashing.follow`), told each length once written. A body
 * from the first byte is hashed on the event loop as its writes land while it fits in one batch;
 * once it fills one (before the first write starts) the worker follows the file instead: the event
 * loop spends nothing on the hash of a large push, and the hash overlaps the socket reads and the
 * fdatasync (16 MiB pushes, 4 at a time: 13-15 instead of 24-28 ms of main-thread CPU per push, the
 * process's about the same). The worker is handed node:http's chunks once written (moved, not copied)
 * rather than reading the file back (~1 ms of the worker's CPU less per 16 MiB push), unless a watcher
 * is given them too. When the worker cannot run, the event loop hashes.
 */
async function writeRequestBody(
  fh: FileHandle,
  body: AsyncIterable<Uint8Array>,
  offset: number,
  limit: number,
  hashing: BodyHashing,
  watch: WriteWatch,
): Promise<Written> {
  const { hash, path } = hashing;
  let follow = hashing.follow;
  /** A body from the first byte: hashed here (once its writes land) until the worker follows it. */
  let fresh: Hash | undefined;
  let created: FileHash | undefined;
  let decided = false;
  if (follow) follow.open(path);
  else if (hash === undefined) fresh = createHash('sha256');
  // node:http copies each fragment of a request body into a Buffer of its own, which nothing reads
  // once written (unless someone watches the writes): the worker is handed those
  const handing = body instanceof IncomingMessage && watch.written === undefined;
  const onWritten: OnWritten = (length, chunks, lease) => {
    if (follow) {
      if (handing && handOverable(chunks)) follow.handOver(length, chunks);
      else follow.upTo(length);
    } else if (fresh) for (const c of chunks) fresh.update(c);
    watch.landed?.(length);
    watch.written?.(length, chunks, lease);
  };
  const writer = new BatchWriter(fh, offset, onWritten);
  const take = (chunk: Uint8Array): Promise<void> | undefined => {
    if (writer.taken + chunk.byteLength > limit) throw new RangeError(`body exceeds ${limit} bytes`);
    if (hash) hash.update(chunk);
    else if (fresh && !decided && writer.taken + chunk.byteLength >= WRITE_BATCH) {
      // a large body: its first write starts with this chunk, so nothing is hashed yet; the worker reads from the first byte
      decided = true;
      created = followFile();
      if (created) {
        follow = created;
        fresh = undefined;
        follow.open(path);
      }
    }
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
    const written = writer.written;
    if (follow) return { written, follow };
    return fresh ? { written, hash: fresh } : { written };
  } catch (err) {
    created?.drop();
    throw err;
  } finally {
    // a failed body: the write in flight lands before the caller cuts the file back
    await writer.settled();
  }
}
