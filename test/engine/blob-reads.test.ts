// BlobReads: a small blob is read whole in one read and then served from memory (a blob file
// never changes); a large one is streamed from its file; bytes that are missing or of another
// size than the registry knows are BlobUnreadable, never served.
import { unlink } from 'node:fs/promises';
import test from 'ava';
import { BlobStore } from '../../src/blobs/blob-store.ts';
import { DomainFailure } from '../../src/domain/errors.ts';
import { BlobReads, SMALL_BLOB } from '../../src/engine/blob-reads.ts';
import { patterned, put, sha256, tempRoot } from '../blobs/blob-helpers.ts';

async function storeWith(t: Parameters<typeof tempRoot>[0], ...blobs: Buffer[]): Promise<BlobStore> {
  const store = new BlobStore(await tempRoot(t), { durable: false });
  for (const b of blobs) await put(store.path(sha256(b)), b);
  return store;
}

test('a small blob is read whole, and served from memory once read (its file is no longer needed)', async (t) => {
  const config = patterned(4096);
  const store = await storeWith(t, config);
  const reads = new BlobReads(store);
  const first = await reads.open(sha256(config), config.length);
  t.deepEqual(first.whole, config);
  await unlink(store.path(sha256(config)));
  const again = await reads.open(sha256(config), config.length);
  t.deepEqual(again.whole, config);
  t.deepEqual(await again.read(), config);
});

test('a blob larger than SMALL_BLOB is not held in memory: it is sent from its file', async (t) => {
  const layer = patterned(SMALL_BLOB + 1);
  const store = await storeWith(t, layer);
  const bytes = await new BlobReads(store).open(sha256(layer), layer.length);
  t.is(bytes.whole, undefined);
  t.deepEqual(await bytes.read(), layer);
});

test('missing bytes, or bytes of another size than the registry knows, are BlobUnreadable', async (t) => {
  const blob = patterned(100);
  const store = await storeWith(t, blob);
  const reads = new BlobReads(store);
  const isUnreadable = (err: unknown): boolean => err instanceof DomainFailure && err.error.code === 'BlobUnreadable';
  const wrongSize = await reads.open(sha256(blob), 99).catch((err: unknown) => err);
  t.true(isUnreadable(wrongSize));
  const missing = await reads.open(sha256(patterned(100, 7)), 100).catch((err: unknown) => err);
  t.true(isUnreadable(missing));
  // the refused read cached nothing: the right size is served
  t.deepEqual((await reads.open(sha256(blob), 100)).whole, blob);
});
