// BlobReads' cache: a small blob, once read and checked, is served from memory (a blob file never
// changes); a larger one is read (and checked) again each time; bytes that are missing or do not
// match their digest are BlobUnreadable, never served, and never cached. A large blob's file is
// hashed as it is sent until a whole send matched (or from the start, when the upload service
// vouched for that very file), and again once the file changed.
import { stat, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { BlobStore, fileIdentity } from '../../src/blobs/blob-store.ts';
import { DomainFailure } from '../../src/domain/errors.ts';
import { BlobReads, SMALL_BLOB, VERIFY_WHOLE_BYTES } from '../../src/engine/blob-reads.ts';
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

test('a blob larger than SMALL_BLOB is not held in memory: each read reads its file', async (t) => {
  const layer = patterned(SMALL_BLOB + 1);
  const store = await storeWith(t, layer);
  const reads = new BlobReads(store);
  t.deepEqual(await (await reads.open(sha256(layer), layer.length)).read(), layer);
  await unlink(store.path(sha256(layer)));
  const gone = await reads.open(sha256(layer), layer.length).catch((err: unknown) => err);
  t.true(gone instanceof DomainFailure && gone.error.code === 'BlobUnreadable');
});

test('missing bytes, or bytes that do not match their digest, are BlobUnreadable and never cached', async (t) => {
  const blob = patterned(100);
  const other = patterned(100, 7);
  const store = await storeWith(t, blob);
  const reads = new BlobReads(store);
  const isUnreadable = (err: unknown): boolean => err instanceof DomainFailure && err.error.code === 'BlobUnreadable';
  t.true(isUnreadable(await reads.open(sha256(other), 100).catch((err: unknown) => err)));
  // another blob's bytes under this digest
  await put(store.path(sha256(other)), blob);
  t.true(isUnreadable(await reads.open(sha256(other), 100).catch((err: unknown) => err)));
  t.true(isUnreadable(await reads.open(sha256(other), 100).catch((err: unknown) => err)));
  t.deepEqual((await reads.open(sha256(blob), 100)).whole, blob);
});

/** A server answering every GET with the whole blob `digest` as `reads` sends it; `body()` answers the bytes a client got (-1: cut short). */
async function serving(
  t: Parameters<typeof tempRoot>[0],
  reads: BlobReads,
  digest: string,
  length: number,
): Promise<() => Promise<number>> {
  const server = createServer((_req, res) => {
    reads.open(digest, length).then(
      (bytes) => {
        res.writeHead(200, { 'Content-Length': String(length) });
        return bytes.send(res, 0, length - 1);
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return async (): Promise<number> =>
    fetch(url)
      .then((r) => r.arrayBuffer())
      .then(
        (b) => b.byteLength,
        () => -1,
      );
}

test('a large blob served whole and checked, then changed on disk, is checked again: the next answer is cut short', async (t) => {
  const layer = patterned(VERIFY_WHOLE_BYTES + 12345);
  const store = await storeWith(t, layer);
  const reads = new BlobReads(store);
  const digest = sha256(layer);
  const body = await serving(t, reads, digest, layer.length);
  t.is(await body(), layer.length);
  t.is(await body(), layer.length, 'served again');
  const changed = Buffer.from(layer);
  changed[VERIFY_WHOLE_BYTES]! ^= 0xff;
  await writeFile(store.path(digest), changed);
  t.not(await body(), layer.length, 'the changed file is hashed as it is sent, and the answer cut short');
});

test('a large blob file the upload service vouched for is sent with no hash; the same name with another identity is hashed', async (t) => {
  const layer = patterned(VERIFY_WHOLE_BYTES + 999);
  const digest = sha256(layer);
  // bytes that do not match: only a send that skips the hash serves them whole
  const rotten = Buffer.from(layer);
  rotten[10]! ^= 0xff;
  const store = new BlobStore(await tempRoot(t), { durable: false });
  await put(store.path(digest), rotten);
  const reads = new BlobReads(store);
  reads.verified(digest, rotten.length, fileIdentity(await stat(store.path(digest))));
  const body = await serving(t, reads, digest, layer.length);
  t.is(await body(), layer.length, 'vouched for: not hashed');
  await writeFile(store.path(digest), rotten);
  await new Promise((r) => setTimeout(r, 5));
  await writeFile(store.path(digest), rotten);
  t.is(await body(), -1, 'rewritten (another modification time): hashed, and the answer cut short');
});

test('a small blob the upload service vouched for is still read and checked whole', async (t) => {
  const config = patterned(4096);
  const digest = sha256(config);
  const rotten = Buffer.from(config);
  rotten[0]! ^= 0xff;
  const store = new BlobStore(await tempRoot(t), { durable: false });
  await put(store.path(digest), rotten);
  const reads = new BlobReads(store);
  reads.verified(digest, rotten.length, fileIdentity(await stat(store.path(digest))));
  const err = await reads.open(digest, rotten.length).catch((e: unknown) => e);
  t.true(err instanceof DomainFailure && err.error.code === 'BlobUnreadable');
});
