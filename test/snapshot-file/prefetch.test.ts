// What `serve --from-snapshot` reads while the emulator's modules load (prefetch.ts): the same
// header, offsets and checkpoint bytes as a start reading the file itself; nothing at all (the
// start then reads the file and reports what is wrong) for a missing, cut-short or foreign file.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { startEmulator } from '../../src/index.ts';
import { prefetchSnapshotStart, readSnapshotStart, takePrefetched } from '../../src/snapshot-file/prefetch.ts';
import { scenarioDir, tempDir } from '../rewind/rewind-support.ts';

test('a prefetched start holds what the start reads itself; it is taken once', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'base.snapshot');
  {
    await using emu = await startEmulator({ fork: scenarioDir('multi-arch'), auth: 'none', logger: false });
    await emu.snapshot(file);
  }
  prefetchSnapshotStart(file);
  const got = await takePrefetched(file);
  const read = await readSnapshotStart(file);
  t.truthy(got);
  t.deepEqual(got!.header, read.header);
  t.is(got!.offset, read.offset);
  t.is(got!.size, read.size);
  t.true((await got!.body).equals(await read.body));
  t.is(await takePrefetched(file), undefined, 'taken once');
});

test('a missing, cut-short or foreign file is not prefetched: the start reads it and says what is wrong', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'base.snapshot');
  {
    await using emu = await startEmulator({ fork: scenarioDir('docker-image'), auth: 'none', logger: false });
    await emu.snapshot(file);
  }
  const bytes = await readFile(file);
  await writeFile(join(dir, 'short'), bytes.subarray(0, bytes.length - 10));
  await writeFile(join(dir, 'foreign'), Buffer.from('not a snapshot file at all, just some bytes'));
  for (const name of ['missing', 'short', 'foreign']) {
    prefetchSnapshotStart(join(dir, name));
    t.is(await takePrefetched(join(dir, name)), undefined, name);
  }
});
