// Pack extraction: the blobs and staged uploads of a pack (a snapshot file copied into the
// journal folder) are verified and moved into the blob store, in the background or on
// first read; an entry whose bytes fail their digest is refused and never written; a run
// stopped half-way resumes at the next start, skipping what is in place, and the pack is
// deleted once everything in it is.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { BlobCorruptError, BlobStore } from '../../src/blobs/blob-store.ts';
import { PackExtraction, type PackIndex } from '../../src/snapshot-file/extraction.ts';
import { exists, patterned, put, sha256, tempRoot } from '../blobs/blob-helpers.ts';

interface Pack {
  index: PackIndex;
  /** the bytes of each entry, by digest or upload id */
  bytes: Map<string, Buffer>;
}

/**
 * A pack file at <root>/packs/1.pack holding `blobs` (and `uploads`, by id) after some
 * header bytes; `damage` flips one byte in the entries it names.
 */
async function writePack(root: string, blobs: Buffer[], uploads: Record<string, Buffer> = {}, damage: string[] = []): Promise<Pack> {
  const file = join(root, 'packs', '1.pack');
  const parts: Buffer[] = [Buffer.from('header bytes the extraction never reads\n')];
  let offset = parts[0]!.length;
  const index: PackIndex = { file, blobs: [], uploads: [] };
  const bytes = new Map<string, Buffer>();
  const add = (key: string, b: Buffer): number => {
    bytes.set(key, b);
    const stored = Buffer.from(b);
    if (damage.includes(key)) stored[Math.floor(stored.length / 2)]! ^= 0x01;
    parts.push(stored);
    const at = offset;
    offset += b.length;
    return at;
  };
  for (const b of blobs) {
    const digest = sha256(b);
    index.blobs.push({ digest, offset: add(digest, b), size: b.length });
  }
  for (const [id, b] of Object.entries(uploads))
    index.uploads.push({ id, offset: add(id, b), size: b.length, sha256: createHash('sha256').update(b).digest('hex') });
  await put(file, Buffer.concat(parts));
  return { index, bytes };
}

/** Ten small blobs and one over the 4 MiB read size (extracted through a temporary file in pieces). */
const someBlobs = (): Buffer[] => [...Array.from({ length: 10 }, (_, i) => patterned(1000 + i, i)), patterned(9 * 1024 * 1024, 99)];

function reporter(): { onCorrupt: (message: string) => void; messages: string[] } {
  const messages: string[] = [];
  return { onCorrupt: (message) => messages.push(message), messages };
}

test('run() verifies and moves every blob and staged upload into place, then deletes the pack', async (t) => {
  const root = await tempRoot(t);
  const pack = await writePack(root, someBlobs(), { up1: patterned(3000, 5) });
  const store = new BlobStore(root, { durable: true });
  const report = reporter();
  const extraction = new PackExtraction(store, [pack.index], report);
  t.true(extraction.pending);
  const result = await extraction.run();
  t.is(result.extracted, 12);
  t.deepEqual(result.corrupt, []);
  t.deepEqual(result.removed, [pack.index.file]);
  t.false(extraction.pending);
  for (const { digest } of pack.index.blobs) t.true((await readFile(store.path(digest))).equals(pack.bytes.get(digest)!), digest);
  t.true((await readFile(store.stagingPath('up1'))).equals(pack.bytes.get('up1')!));
  t.deepEqual(await readdir(join(root, 'packs')), [], 'the pack and every temporary file are gone');
  t.deepEqual(report.messages, []);
  await extraction.stop();
  await store.close();
});

test('a read before the background run extracts the blob it needs first; size answers from the pack', async (t) => {
  const root = await tempRoot(t);
  const pack = await writePack(root, someBlobs(), { up1: patterned(10) });
  const store = new BlobStore(root, { durable: false });
  const extraction = new PackExtraction(store, [pack.index], reporter());
  const big = pack.index.blobs.at(-1)!;
  t.is(await store.size(big.digest), big.size);
  t.false(await exists(store.path(big.digest)));
  t.like(await store.locate(big.digest), { file: store.path(big.digest), offset: 0 });
  t.true((await readFile(store.path(big.digest))).equals(pack.bytes.get(big.digest)!));
  t.false(await exists(store.path(pack.index.blobs[0]!.digest)), 'only the blob read was extracted');
  await store.uploadReady('up1');
  t.true(await exists(store.stagingPath('up1')));
  t.is((await extraction.run()).extracted, 12, 'the run extracts the rest (the report counts the entries read first too)');
  t.false(await exists(pack.index.file));
  await extraction.stop();
});

test('an entry whose bytes fail their digest is refused, never written, and keeps the pack', async (t) => {
  const root = await tempRoot(t);
  const blobs = someBlobs();
  const small = sha256(blobs[3]!);
  const big = sha256(blobs.at(-1)!);
  const pack = await writePack(root, blobs, { up1: patterned(500) }, [small, big, 'up1']);
  const store = new BlobStore(root, { durable: false });
  const report = reporter();
  const extraction = new PackExtraction(store, [pack.index], report);

  t.is(await store.size(small), 1003, 'known to the pack until it is found corrupt');
  const err = await t.throwsAsync(store.locate(small), { instanceOf: BlobCorruptError });
  t.is(err?.digest, small);
  t.is(await store.size(small), undefined);
  await t.throwsAsync(store.uploadReady('up1'), { message: /staged upload up1 .* does not match/ });

  const result = await extraction.run();
  t.is(result.extracted, 9);
  t.deepEqual(
    result.corrupt.sort(),
    [`blob ${big} in ${pack.index.file}`, `blob ${small} in ${pack.index.file}`, `staged upload up1 in ${pack.index.file}`].sort(),
  );
  t.deepEqual(result.removed, []);
  for (const d of [small, big]) t.false(await exists(store.path(d)), `${d} never reaches the blob store`);
  t.false(await exists(store.stagingPath('up1')));
  t.deepEqual(await readdir(join(root, 'packs')), ['1.pack'], 'the pack is kept, without temporary files');
  t.true(report.messages.some((m) => m.includes(big) && m.includes(pack.index.file)));
  t.true(report.messages.some((m) => /is kept: 3 of its entries could not be extracted/.test(m)));
  await t.throwsAsync(store.locate(big), { instanceOf: BlobCorruptError });

  // a client pushes the right bytes since: that CAS file is served
  await store.adopt(await put(join(root, 'uploads', 'again'), blobs[3]!), small);
  t.like(await store.locate(small), { file: store.path(small), offset: 0 });
  await extraction.stop();
});

test('a run stopped half-way resumes at the next start: what is in place is skipped, leftovers are removed', async (t) => {
  const root = await tempRoot(t);
  const blobs = Array.from({ length: 40 }, (_, i) => patterned(2000 + i, i));
  const pack = await writePack(root, blobs);
  const store = new BlobStore(root, { durable: false });
  const first = new PackExtraction(store, [pack.index], reporter());
  const running = first.run();
  await first.stop();
  const partial = await running;
  t.true(partial.extracted < blobs.length, `the stop came before the end (${partial.extracted} extracted)`);
  t.deepEqual(partial.removed, []);
  t.true(await exists(pack.index.file), 'a stopped run keeps the pack');
  const inPlace = [];
  for (const { digest } of pack.index.blobs) if (await exists(store.path(digest))) inPlace.push(digest);
  t.is(inPlace.length, partial.extracted, 'every entry a stopped run started was finished');

  // a crash may also leave a half-written temporary file
  await writeFile(join(root, 'packs', `.extract-999999-blob-${pack.index.blobs.at(-1)!.digest.slice(7)}`), 'half');
  const next = new PackExtraction(new BlobStore(root, { durable: false }), [pack.index], reporter());
  const rest = await next.run();
  t.is(rest.extracted, blobs.length - partial.extracted, 'the next start extracts only what is missing');
  t.deepEqual(rest.removed, [pack.index.file]);
  for (const { digest } of pack.index.blobs) t.true((await readFile(store.path(digest))).equals(pack.bytes.get(digest)!), digest);
  t.deepEqual(await readdir(join(root, 'packs')), []);
  await next.stop();
});
