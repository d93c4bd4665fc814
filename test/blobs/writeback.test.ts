// Early writeback (writeback.ts): a durable append flushes a large body (a request's, or a lent one)
// while it is still arriving (an fdatasync every WRITEBACK_EVERY bytes, one at a time), and still
// flushes it whole after its last write before it answers; a store without fsync never flushes.
// An early flush that fails fails the append, even when the final flush succeeds, and the staged
// bytes are cut back.
// FileHandle.prototype.datasync is wrapped to watch the flushes: the tests run serially.
import { fstatSync } from 'node:fs';
import { type FileHandle, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { BlobStore } from '../../src/blobs/blob-store.ts';
import { UploadStaging } from '../../src/blobs/upload-staging.ts';
import { WRITEBACK_EVERY, Writeback } from '../../src/blobs/writeback.ts';
import { lent, patterned, sha256, streamOf, tempRoot } from './blob-helpers.ts';

/** The size of each file flushed (fdatasync) while `t` runs, in order; `fail(n)` makes the n-th flush (from 1) fail with EIO. */
async function watchFlushes(t: ExecutionContext, dir: string, fail?: (n: number) => boolean): Promise<number[]> {
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as FileHandle;
  await probe.close();
  const real = proto.datasync;
  const sizes: number[] = [];
  proto.datasync = function (this: FileHandle): Promise<void> {
    sizes.push(fstatSync(this.fd).size);
    if (fail?.(sizes.length)) return Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    return real.call(this);
  };
  t.teardown(() => {
    proto.datasync = real;
  });
  return sizes;
}

test.serial('a durable append of a large body flushes it as it comes, one flush at a time, and whole after its last write', async (t) => {
  const root = await tempRoot(t);
  const store = new BlobStore(root, { durable: true });
  const staging = new UploadStaging(store);
  const bytes = patterned(4 * WRITEBACK_EVERY + 12_345);
  const flushes = await watchFlushes(t, root);
  t.is(await staging.append('u', 0, streamOf(bytes)), bytes.byteLength);
  // how many depends on how fast the disk is (one at a time): at least the first
  t.true(flushes.length >= 2, `early flushes as the body came, then the last: ${flushes}`);
  t.is(flushes.at(-1), bytes.byteLength, 'the last flush comes after the last write');
  // an early flush starts once the writes since the last one add up to WRITEBACK_EVERY: the last
  // write of the body may be the one that does (a flush of the whole body, then the final one)
  for (const size of flushes.slice(0, -1)) t.true(size >= WRITEBACK_EVERY && size <= bytes.byteLength, `an early flush at ${size}`);
  // a later PATCH counts from its own offset
  const more = patterned(WRITEBACK_EVERY + 5, 3);
  flushes.length = 0;
  t.is(await staging.append('u', bytes.byteLength, streamOf(more)), more.byteLength);
  t.is(flushes.at(-1), bytes.byteLength + more.byteLength);
  t.true(flushes.length >= 2, `one early flush past WRITEBACK_EVERY bytes of this PATCH: ${flushes}`);
  t.like(await staging.commit('u', bytes.byteLength + more.byteLength, sha256(Buffer.concat([bytes, more]))), { ok: true });
  await store.close();
});

test.serial('a lent body (pull through cache) is flushed as it comes too, whole after its last write', async (t) => {
  const root = await tempRoot(t);
  const store = new BlobStore(root, { durable: true });
  const staging = new UploadStaging(store);
  const bytes = patterned(3 * WRITEBACK_EVERY + 777, 5);
  const flushes = await watchFlushes(t, root);
  t.is(await staging.append('u', 0, lent(bytes, 65_537)), bytes.byteLength);
  t.true(flushes.length >= 2, `early flushes, then the last: ${flushes}`);
  t.is(flushes.at(-1), bytes.byteLength);
  t.like(await staging.commit('u', bytes.byteLength, sha256(bytes)), { ok: true });
  await store.close();
});

test.serial('a small body is flushed once; a store without fsync flushes nothing', async (t) => {
  const root = await tempRoot(t);
  const flushes = await watchFlushes(t, root);
  const durable = new UploadStaging(new BlobStore(join(root, 'a'), { durable: true }));
  await durable.append('u', 0, streamOf(patterned(WRITEBACK_EVERY - 1)));
  t.deepEqual(flushes, [WRITEBACK_EVERY - 1]);
  flushes.length = 0;
  const loose = new UploadStaging(new BlobStore(join(root, 'b'), { durable: false }));
  await loose.append('u', 0, streamOf(patterned(3 * WRITEBACK_EVERY)));
  t.deepEqual(flushes, []);
});

test.serial('a failed early flush fails the append (the final one succeeding), cut back to its offset; the upload goes on', async (t) => {
  const root = await tempRoot(t);
  const store = new BlobStore(root, { durable: true });
  const staging = new UploadStaging(store);
  const first = patterned(100_000);
  await staging.append('u', 0, streamOf(first));
  // the first flush of the next append is an early one: it fails, every other succeeds
  let failAt = Number.POSITIVE_INFINITY;
  const flushes = await watchFlushes(t, root, (n) => n === failAt);
  failAt = 1;
  const big = patterned(3 * WRITEBACK_EVERY, 7);
  await t.throwsAsync(staging.append('u', first.byteLength, streamOf(big)), { message: /EIO/ });
  t.true(flushes.length >= 2 && flushes[0]! < first.byteLength + big.byteLength, `an early flush failed: ${flushes}`);
  t.is((await stat(store.stagingPath('u'))).size, first.byteLength, 'cut back to where the append started');
  failAt = Number.POSITIVE_INFINITY;
  t.is(await staging.append('u', first.byteLength, streamOf(big)), big.byteLength);
  t.like(await staging.commit('u', first.byteLength + big.byteLength, sha256(Buffer.concat([first, big]))), { ok: true });
  t.true((await readFile(store.path(sha256(Buffer.concat([first, big]))))).equals(Buffer.concat([first, big])));
  await store.close();
});

test.serial('Writeback starts a flush every `every` bytes, never two at once, and settle reports a failed one', async (t) => {
  const root = await tempRoot(t);
  const fh = await open(join(root, 'f'), 'w');
  t.teardown(() => fh.close());
  const w = new Writeback(fh, 100, 10);
  w.written(105);
  t.is(w.started, 0, 'fewer than `every` bytes since the offset');
  w.written(110);
  t.is(w.started, 1);
  w.written(130);
  t.is(w.started, 1, 'one under way: none starts beside it');
  await w.settle();
  w.written(135);
  t.is(w.started, 2, 'counted from where the last one started');
  await w.settle();
  const flushes = await watchFlushes(t, root, () => true);
  w.written(150);
  await t.throwsAsync(w.settle(), { message: /EIO/ });
  w.written(200);
  t.is(flushes.length, 1, 'no flush starts after one failed');
  await t.throwsAsync(w.settle(), { message: /EIO/ });
});
