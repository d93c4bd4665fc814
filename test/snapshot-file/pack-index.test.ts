// The index of a pack (a snapshot file adopted into <journal>/packs/): where each blob and
// staged upload sits, from the header; a header whose names or sizes are wrong, or whose
// sizes do not add up to the file's size, is refused before anything is written.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { SnapshotFileError } from '../../src/snapshot-file/errors.ts';
import type { SnapshotHeader } from '../../src/snapshot-file/format.ts';
import { copyPack, indexPack } from '../../src/snapshot-file/packs.ts';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha512:${'b'.repeat(128)}`;
const END = 8; // "ECRRWEND"

const header = (blobs: unknown[], uploads: SnapshotHeader['uploads'] = []): SnapshotHeader => ({
  seq: 3,
  createdAt: '2026-01-01T00:00:00.000Z',
  stateHash: 'x',
  checkpoint: { length: 100, sha256: 'c'.repeat(64) },
  blobs: blobs as SnapshotHeader['blobs'],
  uploads,
});

test('each blob and staged upload is placed after the checkpoint, back to back, in header order', (t) => {
  const h = header([
    [A, 10],
    [B, 0],
  ]);
  h.uploads = [['up-1', 5, 'd'.repeat(64)]];
  const index = indexPack('f', h, 20, 20 + 100 + 10 + 0 + 5 + END);
  t.deepEqual(index.blobs, [
    { digest: A, offset: 120, size: 10 },
    { digest: B, offset: 130, size: 0 },
  ]);
  t.deepEqual(index.uploads, [{ id: 'up-1', offset: 130, size: 5, sha256: 'd'.repeat(64) }]);
});

for (const [what, entry] of [
  ['an upper-case digest', [A.toUpperCase(), 1]],
  ['a digest that names a path', ['sha256:../../etc/passwd', 1]],
  ['a digest that is not a string', [7, 1]],
  ['an entry that is not [digest, size]', 'sha256:x'],
  ['an empty entry', []],
] as const)
  test(`a header with ${what} is refused`, (t) => {
    const err = t.throws(() => indexPack('f', header([entry]), 20, 20 + 100 + 1 + END), { instanceOf: SnapshotFileError });
    t.regex(err.message, /bad blob digest/);
  });

for (const [what, size] of [
  ['a negative size', -1],
  ['a fractional size', 1.5],
  ['a size that is text', '1'],
  ['no size', undefined],
] as const)
  test(`a header with ${what} is refused`, (t) => {
    const err = t.throws(() => indexPack('f', header([[A, size]]), 20, 20 + 100 + 1 + END), { instanceOf: SnapshotFileError });
    t.regex(err.message, /bad size for blob/);
  });

test('sizes that do not add up to the file size are refused (truncated or padded)', (t) => {
  t.throws(() => indexPack('f', header([[A, 10]]), 20, 20 + 100 + 9 + END), { message: /truncated or padded/ });
  t.throws(() => indexPack('f', header([[A, 10]]), 20, 20 + 100 + 11 + END), { message: /truncated or padded/ });
});

test('a pack is the snapshot file with its checkpoint left out: every other byte at its offset, the same size', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-rewind-pack-copy-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // more than one copy chunk (4 MiB) after the hole, so the copy loops
  for (const [headerBytes, checkpointBytes, restBytes] of [
    [40, 100, 9 * 1024 * 1024 + 7],
    [40, 6 * 1024 * 1024, 12],
    [20, 0, 8],
  ] as const) {
    const file = join(dir, 'source.snapshot');
    const bytes = randomBytes(headerBytes + checkpointBytes + restBytes);
    await writeFile(file, bytes);
    // read from the file, and written from its bytes at hand (a prefetched start)
    for (const given of [undefined, bytes]) {
      const target = join(dir, given ? 'from-bytes.pack' : 'copy.pack');
      await copyPack(file, target, { from: headerBytes, to: headerBytes + checkpointBytes }, bytes.length, given);
      const copy = await readFile(target);
      t.is(copy.length, bytes.length);
      t.true(copy.subarray(0, headerBytes).equals(bytes.subarray(0, headerBytes)), 'the header');
      t.true(copy.subarray(headerBytes + checkpointBytes).equals(bytes.subarray(headerBytes + checkpointBytes)), 'blobs and uploads');
      t.true(
        copy.subarray(headerBytes, headerBytes + checkpointBytes).every((b) => b === 0),
        'the checkpoint is a hole',
      );
    }
  }
});
