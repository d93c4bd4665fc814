// The content-addressed blob store: where a blob's file is, adopting a staged file into
// it (flushed and its folder fsynced when the store is durable), and reads of blobs that
// are still in a snapshot pack (extracted before they are served, refused when corrupt).
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import test from 'ava';
import { BlobCorruptError, BlobStore, hashFile, type PackSource } from '../../src/blobs/blob-store.ts';
import { descriptorsOn, exists, put, sha256, sha512, tempRoot } from './blob-helpers.ts';

test('adopt moves a staged file to blobs/<algorithm>/<hh>/<hex>; size and locate find it there', async (t) => {
  const root = await tempRoot(t);
  const store = new BlobStore(root, { durable: false });
  const digest = sha256('hello');
  const staged = await put(store.stagingPath('u1'), 'hello');
  t.is(staged, join(root, 'uploads', 'u1'));
  await store.adopt(staged, digest);
  const hex = digest.slice('sha256:'.length);
  t.is(store.path(digest), join(root, 'blobs', 'sha256', hex.slice(0, 2), hex));
  t.is(await readFile(store.path(digest), 'utf8'), 'hello');
  t.false(await exists(staged), 'the staged file is moved, not copied');
  t.is(await store.size(digest), 5);
  t.like(await store.locate(digest), { file: store.path(digest), offset: 0, stats: { size: 5 } });
});

test('a sha512 blob lives under blobs/sha512/', async (t) => {
  const root = await tempRoot(t);
  const store = new BlobStore(root, { durable: true });
  const digest = sha512('long hash');
  await store.adopt(await put(store.stagingPath('u'), 'long hash'), digest);
  const hex = digest.slice('sha512:'.length);
  t.is(store.path(digest), join(root, 'blobs', 'sha512', hex.slice(0, 2), hex));
  t.is(await store.size(digest), 9);
  await store.close();
});

test('adopting a blob the store has already drops the staged copy and leaves the stored file as it was', async (t) => {
  const root = await tempRoot(t);
  const store = new BlobStore(root, { durable: false });
  const digest = sha256('same bytes');
  await store.adopt(await put(store.stagingPath('first'), 'same bytes'), digest);
  const second = await put(store.stagingPath('second'), 'same bytes');
  await store.adopt(second, digest);
  t.false(await exists(second));
  t.is(await readFile(store.path(digest), 'utf8'), 'same bytes');
});

test('size and locate of a blob the store does not have are undefined', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: false });
  t.is(await store.size(sha256('absent')), undefined);
  t.is(await store.locate(sha256('absent')), undefined);
});

test('a durable store makes every folder of a fresh root and fsyncs the folder it renames into, through a descriptor kept until close()', async (t) => {
  const root = join(await tempRoot(t), 'not', 'made', 'yet');
  const store = new BlobStore(root, { durable: true });
  // twenty blobs in one fan-out folder at once: they share its descriptor and its fsyncs
  const digests = Array.from({ length: 20 }, (_, i) => `sha256:ab${String(i).padStart(62, '0')}`);
  await Promise.all(digests.map(async (d, i) => store.adopt(await put(store.stagingPath(`u${i}`), `blob ${i}`), d)));
  for (const [i, d] of digests.entries()) t.is(await readFile(store.path(d), 'utf8'), `blob ${i}`);
  const fanout = dirname(store.path(digests[0]!));
  t.is(await descriptorsOn(fanout), 1);
  await store.close();
  t.is(await descriptorsOn(fanout), 0, 'close() closes the folder descriptors');
  await store.adopt(await put(store.stagingPath('after'), 'after close'), `sha256:ab${'f'.repeat(62)}`);
  t.is(await descriptorsOn(fanout), 1, 'the store stays usable: the descriptor reopens');
  await store.close();
});

test('a throwaway store (durable: false) keeps no folder descriptor open', async (t) => {
  const root = await tempRoot(t);
  const store = new BlobStore(root, { durable: false });
  const digest = sha256('throwaway');
  await store.adopt(await put(store.stagingPath('u'), 'throwaway'), digest);
  t.false(store.durable);
  t.is(await descriptorsOn(dirname(store.path(digest))), 0);
});

/** A pack that holds `digest` (and upload `u`): it writes the file when asked, or reports the entry corrupt. */
function fakePack(store: BlobStore, digest: string, bytes: string, corrupt = false): PackSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    packedSize: (d) => (d === digest && !corrupt ? Buffer.byteLength(bytes) : undefined),
    async ensureBlob(d) {
      asked.push(d);
      if (d !== digest) return;
      if (corrupt) throw new BlobCorruptError(d, '/packs/1.pack');
      if (!(await exists(store.path(d)))) await put(store.path(d), bytes);
    },
    async ensureUpload(id) {
      asked.push(id);
      if (id === 'u') await put(store.stagingPath('u'), 'staged in the pack');
    },
  };
}

test('a blob still in a pack: size answers from the pack, locate extracts it before it answers', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: false });
  const digest = sha256('packed');
  const pack = fakePack(store, digest, 'packed');
  store.attachPacks(pack);
  t.is(await store.size(digest), 6);
  t.false(await exists(store.path(digest)), 'size does not extract');
  t.like(await store.locate(digest), { file: store.path(digest), offset: 0, stats: { size: 6 } });
  t.is(await readFile(store.path(digest), 'utf8'), 'packed');
  t.deepEqual(pack.asked, [digest]);
  await store.uploadReady('u');
  t.is(await readFile(store.stagingPath('u'), 'utf8'), 'staged in the pack', 'uploadReady waits for a staged upload the pack holds');
});

test('a blob whose only copy is corrupt is never located (BlobCorruptError); one the pack cannot produce is not found', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: false });
  const digest = sha256('packed');
  store.attachPacks(fakePack(store, digest, 'packed', true));
  t.is(await store.size(digest), undefined, 'a corrupt entry has no size');
  const err = await t.throwsAsync(store.locate(digest), { instanceOf: BlobCorruptError });
  t.is(err?.digest, digest);
  t.regex(err!.message, /does not match its digest/);
  t.false(await exists(store.path(digest)));

  const missing = new BlobStore(await tempRoot(t), { durable: false });
  missing.attachPacks({ packedSize: () => 7, ensureBlob: async () => undefined, ensureUpload: async () => undefined });
  t.is(await missing.locate(sha256('gone')), undefined, 'no CAS file after extraction: nothing to serve');
});

test('hashFile digests a whole file or its first bytes, in sha256 or sha512', async (t) => {
  const file = join(await tempRoot(t), 'f');
  await writeFile(file, 'hello world');
  t.is(`sha256:${await hashFile(file)}`, sha256('hello world'));
  t.is(`sha256:${await hashFile(file, 5)}`, sha256('hello'));
  t.is(`sha256:${await hashFile(file, 0)}`, sha256(''));
  t.is(`sha512:${await hashFile(file, Infinity, 'sha512')}`, sha512('hello world'));
});
