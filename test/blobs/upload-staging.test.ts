// Upload staging: chunks written at the offset the journal knows, a failed append cut back to
// where it started, commit verifying the digest (a live sha256, sha512 read back) before the
// bytes are linked into the store (the staged file dropped on release), and the hash rebuilt
// from the staged file after a restart.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import test from 'ava';
import { BlobStore, fileIdentity } from '../../src/blobs/blob-store.ts';
import { UploadStaging } from '../../src/blobs/upload-staging.ts';
import { FILLS, LENT, type LentChunks } from '../../src/support/lent-chunks.ts';
import type { Lease } from '../../src/blobs/lease.ts';
import { exists, lent, patterned, RecordingStore, sha256, sha512, streamOf, tempRoot } from './blob-helpers.ts';
import { sameBytes } from '../support/bytes.ts';

async function* chunks(...parts: (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p;
}

/** A body that sends `bytes` and then fails (a client that goes away mid-chunk). */
async function* failingAfter(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
  throw new Error('client went away');
}

const stagedSize = async (store: BlobStore, id: string): Promise<number> => (await stat(store.stagingPath(id))).size;

test('chunks appended at their offsets are committed as one blob; the staged file is linked into the store and dropped on release', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: false });
  const staging = new UploadStaging(store);
  t.is(await staging.append('u', 0, chunks('hello', ' ')), 6);
  t.is(await staging.append('u', 6, chunks('wor', 'ld')), 5);
  const committed = await staging.commit('u', 11, sha256('hello world'));
  t.like(committed, { ok: true, digest: sha256('hello world'), size: 11 });
  t.is(await readFile(store.path(sha256('hello world')), 'utf8'), 'hello world');
  t.is(
    committed.ok ? committed.stored : undefined,
    fileIdentity(await stat(store.path(sha256('hello world')))),
    'it names the store file it verified (the staged file, linked)',
  );
  // committed again (a retried completion): the store keeps its file, which this commit did not link
  await staging.append('again', 0, chunks('hello world'));
  t.like(await staging.commit('again', 11, sha256('hello world')), { ok: true, stored: undefined });
  t.true(await exists(store.stagingPath('u')), 'the staged file stays until the completion is recorded');
  await staging.release('u');
  t.false(await exists(store.stagingPath('u')));
  t.is(await readFile(store.path(sha256('hello world')), 'utf8'), 'hello world', 'the stored blob outlives the staged file');
});

test('lent chunks (a source reading into one buffer again) are staged whole; each write is heard with its batch, unchanged while its lease is held', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: true });
  const staging = new UploadStaging(store);
  const blob = patterned(3 * 1024 * 1024 + 4321);
  const heard: [number, number][] = [];
  const kept: Uint8Array[] = [];
  const leases: Lease[] = [];
  let ended = '';
  const written = await staging.append('lent', 0, lent(blob, 65_537), Infinity, {
    written: (length, chunks, lease) => {
      heard.push([length, chunks.length]);
      // a watcher that keeps the chunks past the call holds the lease: the batch is not reused meanwhile
      if (lease) {
        lease.retain();
        leases.push(lease);
      }
      kept.push(...chunks);
    },
    ended: (digest) => {
      ended = digest;
    },
  });
  t.is(written, blob.length);
  t.is(ended, sha256(blob), 'the digest of the staged bytes is told once the body is written');
  t.is(heard.at(-1)?.[0], blob.length);
  t.true(
    heard.every(([length, n], i) => n === 1 && (i === 0 || length > heard[i - 1]![0])),
    'lengths grow; each write hands on its batch',
  );
  t.is(leases.length, heard.length, 'every batch comes with a lease');
  sameBytes(t, Buffer.concat(kept), blob, 'no batch held was written over');
  for (const l of leases) l.release();
  t.throws(() => leases[0]!.release(), { message: /released more often/ });
  t.like(await staging.commit('lent', blob.length, sha256(blob)), { ok: true });
  sameBytes(t, await readFile(store.path(sha256(blob))), blob);
  // over its limit: refused, nothing kept
  await t.throwsAsync(staging.append('big', 0, lent(blob, 65_537), 1024 * 1024));
  t.is(await stagedSize(store, 'big'), 0);
  await store.close();
});

/**
 * `bytes` read straight into the buffers the stager gives (FILLS), `step` bytes at a time (odd
 * steps end a read mid-buffer); failing after `failAfter` bytes when given. Iterating it instead is
 * refused: a stager that can have its buffers filled must not copy.
 */
function filling(bytes: Uint8Array, step: number, failAfter = Infinity): LentChunks & { given: number; taken: number } {
  const body = {
    given: 0,
    taken: 0,
    [LENT]: true as const,
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      throw new Error('iterated: the bytes were copied');
    },
    [FILLS]: (take: () => Uint8Array, give: (b: Uint8Array) => void): AsyncIterator<Uint8Array> => {
      const gen = async function* (): AsyncGenerator<Uint8Array> {
        let into: Uint8Array | undefined;
        let filled = 0;
        try {
          for (let at = 0; at < bytes.length; ) {
            if (at >= failAfter) throw new Error('the upstream went away');
            if (into === undefined) {
              body.taken++;
              into = take();
            }
            const n = Math.min(step, bytes.length - at, into.byteLength - filled);
            into.set(bytes.subarray(at, at + n), filled);
            filled += n;
            at += n;
            if (filled === into.byteLength) {
              const full = into;
              into = undefined;
              filled = 0;
              yield full;
            }
            if (at % (5 * step) === 0) await new Promise((r) => setTimeout(r, 1));
          }
          if (into !== undefined && filled > 0) {
            const last = into.subarray(0, filled);
            into = undefined;
            yield last;
          }
        } finally {
          if (into !== undefined) {
            body.given++;
            give(into);
          }
        }
      };
      return gen();
    },
  };
  return body;
}

test('a body that fills the stager buffers (FILLS) is staged whole with its digest; one that fails or exceeds the limit leaves nothing staged', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: true });
  const staging = new UploadStaging(store);
  const blob = patterned(3 * 1024 * 1024 + 4321);
  let ended = '';
  const body = filling(blob, 200_003);
  const lengths: number[] = [];
  const written = await staging.append('filled', 0, body, Infinity, {
    received: (length) => lengths.push(length),
    ended: (digest) => {
      ended = digest;
    },
  });
  t.is(written, blob.length);
  t.is(ended, sha256(blob));
  t.deepEqual(lengths, [1, 2, 3].map((m) => m * 1024 * 1024).concat(blob.length), 'each buffer is handed on as it was filled');
  t.is(body.taken, 4);
  t.like(await staging.commit('filled', blob.length, sha256(blob)), { ok: true });
  sameBytes(t, await readFile(store.path(sha256(blob))), blob);
  const failing = filling(blob, 65_536, 1536 * 1024);
  await t.throwsAsync(staging.append('failed', 0, failing), { message: 'the upstream went away' });
  t.is(await stagedSize(store, 'failed'), 0);
  t.is(failing.given, 1, 'the buffer half filled went back');
  const big = filling(blob, 65_536);
  await t.throwsAsync(staging.append('big', 0, big, 2 * 1024 * 1024), { instanceOf: RangeError });
  t.is(await stagedSize(store, 'big'), 0);
  t.is(big.taken, 3, 'the source was stopped at the buffer past the limit (which the stager keeps: it was yielded)');
  await store.close();
});

test('after a lent body hashed off the event loop, an append at its end goes on with the right hash', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: false });
  const staging = new UploadStaging(store);
  const first = patterned(2 * 1024 * 1024 + 99);
  const more = Buffer.from('and then some more bytes');
  const whole = Buffer.concat([first, more]);
  let ended = '';
  await staging.append('u', 0, lent(first, 65_537), Infinity, { ended: (d) => (ended = d) });
  t.is(ended, sha256(first));
  await staging.append('u', first.length, chunks(more.toString()), Infinity, { ended: (d) => (ended = d) });
  t.is(ended, sha256(whole), 'the hash was rebuilt from the staged bytes');
  t.like(await staging.commit('u', whole.length, sha256(whole)), { ok: true });
  sameBytes(t, await readFile(store.path(sha256(whole))), whole);
});

test('an append at an offset cuts what was staged past it (a chunk sent again after an unacknowledged one)', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: false });
  const staging = new UploadStaging(store);
  await staging.append('u', 0, chunks('hello world'));
  await staging.append('u', 6, chunks('there'));
  t.is(await readFile(store.stagingPath('u'), 'utf8'), 'hello there');
  t.like(await staging.commit('u', 11, sha256('hello there')), { ok: true });
});

test('a failed append is cut back to its offset, and the next one continues from there with the right hash', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: true });
  const staging = new UploadStaging(store);
  await staging.append('u', 0, chunks('abc'));
  // more than one write batch (1 MiB) reaches the file before the body fails
  await t.throwsAsync(staging.append('u', 3, failingAfter(patterned(3 * 1024 * 1024))), { message: 'client went away' });
  t.is(await stagedSize(store, 'u'), 3, 'the bytes of the failed append are gone');
  await t.throwsAsync(staging.append('u', 3, chunks('0123456789'), 4), { instanceOf: RangeError });
  t.is(await stagedSize(store, 'u'), 3, 'a body over its limit keeps nothing');
  await staging.append('u', 3, chunks('xyz'));
  t.like(await staging.commit('u', 6, sha256('abcxyz')), { ok: true, size: 6 });
  await store.close();
});

test('a digest that does not match is refused with the actual one; nothing enters the store and the bytes stay staged', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: false });
  const staging = new UploadStaging(store);
  await staging.append('u', 0, chunks('real bytes'));
  t.deepEqual(await staging.commit('u', 10, sha256('other bytes')), { ok: false, actual: sha256('real bytes'), size: 10 });
  t.false(await exists(store.path(sha256('other bytes'))));
  t.false(await exists(store.path(sha256('real bytes'))));
  t.is(await readFile(store.stagingPath('u'), 'utf8'), 'real bytes');
  t.like(await staging.commit('u', 10, sha256('real bytes')), { ok: true }, 'a later commit with the right digest succeeds');
});

test('a sha512 digest is verified by reading the staged bytes back, and stored under sha512', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: false });
  const staging = new UploadStaging(store);
  await staging.append('u', 0, chunks('sha512 ', 'bytes'));
  t.like(await staging.commit('u', 12, sha512('sha512 wrong')), { ok: false, actual: sha512('sha512 bytes') });
  t.like(await staging.commit('u', 12, sha512('sha512 bytes')), { ok: true, digest: sha512('sha512 bytes'), size: 12 });
  t.is(await readFile(store.path(sha512('sha512 bytes')), 'utf8'), 'sha512 bytes');
});

test('an empty blob commits without any append', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: true });
  const staging = new UploadStaging(store);
  t.like(await staging.commit('empty', 0, sha256('')), { ok: true, size: 0 });
  t.is((await stat(store.path(sha256('')))).size, 0);
  await store.close();
});

test('after a restart the hash is rebuilt from the staged bytes the journal knows; bytes past them are cut at commit', async (t) => {
  const root = await tempRoot(t);
  const before = new UploadStaging(new BlobStore(root, { durable: false }));
  await before.append('u', 0, chunks('hello '));
  await before.append('v', 0, chunks('recorded', ' but not in the journal'));
  // a new process: no live hash, only the staged files
  const store = new BlobStore(root, { durable: false });
  const after = new UploadStaging(store);
  await after.append('u', 6, chunks('world'));
  t.like(await after.commit('u', 11, sha256('hello world')), { ok: true });
  // the journal knows 8 bytes of v (its ChunkAppended for the rest was never written)
  t.like(await after.commit('v', 8, sha256('recorded')), { ok: true, size: 8 });
  t.is(await readFile(store.path(sha256('recorded')), 'utf8'), 'recorded');
});

test('a durable append fdatasyncs its bytes, so commit does not flush them again', async (t) => {
  const store = new RecordingStore(await tempRoot(t), { durable: true });
  const staging = new UploadStaging(store);
  await staging.append('u', 0, chunks('flushed by append'));
  await staging.commit('u', 17, sha256('flushed by append'));
  t.deepEqual(store.flushed, [true]);
  await store.close();
});

test('an empty append does not vouch for staged bytes it did not flush: commit flushes them', async (t) => {
  const root = await tempRoot(t);
  // bytes staged by a run without fsync (or rebuilt after a restart) were never fdatasync'ed here
  await new UploadStaging(new BlobStore(root, { durable: false })).append('u', 0, chunks('not flushed yet'));
  const store = new RecordingStore(root, { durable: true });
  const staging = new UploadStaging(store);
  t.is(await staging.append('u', 15, chunks()), 0);
  t.like(await staging.commit('u', 15, sha256('not flushed yet')), { ok: true });
  t.deepEqual(store.flushed, [false], 'commit was told the bytes are not flushed');
  await store.close();
});

test('discard drops the staged bytes and the live hash', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: false });
  const staging = new UploadStaging(store);
  await staging.append('u', 0, chunks('to be dropped'));
  await staging.discard('u');
  t.false(await exists(store.stagingPath('u')));
  await staging.discard('never-started');
  // an upload started again under the same id begins from nothing
  await writeFile(store.stagingPath('u'), 'stale');
  await staging.append('u', 0, chunks('fresh'));
  t.like(await staging.commit('u', 5, sha256('fresh')), { ok: true });
});

test('a stream body of many batches (a request) is staged whole, in order, read from its events with backpressure', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: true });
  const staging = new UploadStaging(store);
  const bytes = patterned(3.5 * 1024 * 1024 + 123);
  const heard: number[] = [];
  t.is(await staging.append('u', 0, streamOf(bytes), Infinity, { written: (length) => heard.push(length) }), bytes.byteLength);
  t.deepEqual(heard, [1, 2, 3].map((m) => m * 1024 * 1024).concat(bytes.byteLength), 'onWritten hears each batch, contiguous');
  t.true((await readFile(store.stagingPath('u'))).equals(bytes));
  // a second chunk from the same upload continues after it (no cut, no inode check needed)
  const more = patterned(70_000, 9);
  t.is(await staging.append('u', bytes.byteLength, streamOf(more, 1000)), more.byteLength);
  t.like(await staging.commit('u', bytes.byteLength + more.byteLength, sha256(Buffer.concat([bytes, more]))), { ok: true });
  await store.close();
});

/**
 * Destroys `stream` `ms` after its reader started reading it (its first 'resume'), not after a fixed
 * time from now: on a loaded machine the append may not listen yet, and an error emitted with no
 * listener is uncaught.
 */
function destroyOnceRead(stream: PassThrough, ms: number, err?: Error): void {
  stream.once('resume', () => setTimeout(() => stream.destroy(err), ms));
}

test('a request body of chunks larger than a batch is staged whole; one destroyed while it waits for a write fails with its own error', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: true });
  const staging = new UploadStaging(store);
  // chunks of 2.5 MiB: each fills two batches and waits for the write of the first
  const bytes = patterned(6 * 1024 * 1024 + 77, 3);
  t.is(await staging.append('u', 0, streamOf(bytes, 2.5 * 1024 * 1024)), bytes.byteLength);
  t.true((await readFile(store.stagingPath('u'))).equals(bytes));
  t.like(await staging.commit('u', bytes.byteLength, sha256(bytes)), { ok: true });
  // a body destroyed with an error while it is paused for a write fails with that error, and leaves nothing unhandled
  const failing = new PassThrough();
  failing.write(patterned(3 * 1024 * 1024, 4));
  const appending = staging.append('v', 0, failing);
  destroyOnceRead(failing, 50, new Error('client went away'));
  await t.throwsAsync(appending, { message: 'client went away' });
  t.is(await stagedSize(store, 'v'), 0);
  await store.close();
});

test('a stream body that fails, closes early or exceeds the limit is refused, cut back to its offset, and destroyed', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: false });
  const staging = new UploadStaging(store);
  await staging.append('u', 0, chunks('abc'));
  const failing = new PassThrough();
  failing.write(patterned(2 * 1024 * 1024));
  destroyOnceRead(failing, 20, new Error('client went away'));
  await t.throwsAsync(staging.append('u', 3, failing), { message: 'client went away' });
  t.is(await stagedSize(store, 'u'), 3);
  const closed = new PassThrough();
  closed.write(patterned(10_000));
  destroyOnceRead(closed, 20);
  await t.throwsAsync(staging.append('u', 3, closed), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
  t.is(await stagedSize(store, 'u'), 3);
  const long = streamOf(patterned(3 * 1024 * 1024));
  await t.throwsAsync(staging.append('u', 3, long, 1024 * 1024), { instanceOf: RangeError });
  t.true(long.destroyed, 'the rest of a refused body is not read');
  t.is(await stagedSize(store, 'u'), 3);
  t.is(await staging.append('u', 3, streamOf(Buffer.from('def'))), 3);
  t.like(await staging.commit('u', 6, sha256('abcdef')), { ok: true });
});

test('an upload that goes on after its staged file was linked into the store never writes into the stored blob', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: true });
  const staging = new UploadStaging(store);
  await staging.append('u', 0, chunks('hello'));
  // committed (linked) but, say, the completion could not be recorded: the client sends more
  t.like(await staging.commit('u', 5, sha256('hello')), { ok: true });
  t.is(await staging.append('u', 5, chunks(' world')), 6);
  t.is(await readFile(store.path(sha256('hello')), 'utf8'), 'hello', 'the stored blob is untouched');
  // and one that starts again from 0 after a commit gets a file of its own too
  t.like(await staging.commit('u', 11, sha256('hello world')), { ok: true });
  t.is(await staging.append('u', 0, chunks('bye')), 3);
  t.is(await readFile(store.path(sha256('hello world')), 'utf8'), 'hello world');
  t.is(await readFile(store.stagingPath('u'), 'utf8'), 'bye');
  await store.close();
});
