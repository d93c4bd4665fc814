// Snapshot + restore round trip: every scenario image packed into one file, restored on
// another folder, served again and pulled back by skopeo with identical digests; verify
// passes on the restored journal; a corrupted or truncated file is refused clearly.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { startEmulator } from '../../src/index.ts';
import type { StateView } from '../../src/replay/state-view.ts';
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { SnapshotFileError } from '../../src/snapshot-file/errors.ts';
import { readSnapshotHeader } from '../../src/snapshot-file/format.ts';
import { restoreSnapshotFile } from '../../src/snapshot-file/restore.ts';
import { verifyJournal } from '../../src/replay/verify.ts';
import { testRequiring } from '../support/clients/client-test.ts';
import { createSkopeo } from '../support/clients/skopeo.ts';
import { liveMarks, liveState, SCENARIO_NAMES, scenarioDir, tempDir } from './rewind-support.ts';

const clientTest = testRequiring(['skopeo']);

for (const name of SCENARIO_NAMES) {
  clientTest(`snapshot of ${name}, restored on another folder: skopeo pulls every tag back with identical digests`, async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, `${name}.snapshot`);
    const tags: { repo: string; tag: string; digest: string }[] = [];
    let hash: string;
    {
      await using source = await startEmulator({ fork: scenarioDir(name), auth: 'none', logger: false });
      const served = (await new RegistryDriver(source.endpoint).admin('GET', '/state')) as StateView;
      for (const repo of served.repositories)
        for (const image of repo.images) for (const tag of image.tags) tags.push({ repo: repo.name, tag, digest: image.digest });
      hash = served.hash;
      await source.snapshot(file);
    }
    t.true(tags.length > 0);
    t.is((await readSnapshotHeader(file)).header.stateHash, hash);

    await using emu = await startEmulator({ fromSnapshot: file, journal: join(dir, 'restored'), auth: 'none', logger: false });
    t.is((await liveState(emu.endpoint)).hash, hash);
    await using skopeo = await createSkopeo();
    for (const { repo, tag, digest } of tags) {
      const ref = `docker://${emu.registryHost}/${repo}:${tag}`;
      const raw = await skopeo.inspectRaw(ref);
      t.is(`sha256:${createHash('sha256').update(raw).digest('hex')}`, digest, `${repo}:${tag}`);
      await mkdir(join(dir, 'pulled', repo), { recursive: true });
      await skopeo.copy(ref, `oci:${join(dir, 'pulled', repo)}:${tag}`, { all: true });
    }
    await emu.stop();
    t.deepEqual((await verifyJournal(await openHistory(join(dir, 'restored')))).faults, []);
  });
}

test("a restored journal keeps working: new events continue after the snapshot's sequence number", async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'snap');
  {
    await using source = await startEmulator({ fork: scenarioDir('docker-image'), auth: 'none', logger: false });
    await source.snapshot(file);
  }
  const journal = join(dir, 'restored');
  let marked: number;
  {
    await using emu = await startEmulator({ fromSnapshot: file, journal, auth: 'none', logger: false });
    const last = ((await new RegistryDriver(emu.endpoint).admin('GET', '/health')) as { journal: { lastSeq: number } }).journal.lastSeq;
    t.is(last, (await readSnapshotHeader(file)).header.seq, 'the restored journal ends where the snapshot was taken');
    marked = await emu.mark('after-restore');
    t.is([...emu.events(last + 1)][0]?.seq, last + 1);
    await t.throwsAsync(emu.reset(1), { message: /is not in this journal/ }, 'history before the snapshot is not in this journal');
  }
  await using again = await startEmulator({ journal, auth: 'none', logger: false });
  t.is((await liveMarks(again.endpoint)).get('after-restore'), marked, 'the mark survives a restart');
});

test('a snapshot file with one flipped byte or cut short is refused, and nothing is left behind', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'snap');
  {
    await using source = await startEmulator({ fork: scenarioDir('signed-image'), auth: 'none', logger: false });
    await source.snapshot(file);
  }
  const good = await readFile(file);
  const { offset, header } = await readSnapshotHeader(file);
  const inBlobs = offset + header.checkpoint.length + 10;
  const flipped = Buffer.from(good);
  flipped[inBlobs] = flipped[inBlobs]! ^ 0x01;
  await writeFile(join(dir, 'flipped'), flipped);
  const e1 = await t.throwsAsync(restoreSnapshotFile(join(dir, 'flipped'), join(dir, 'r1')), { instanceOf: SnapshotFileError });
  t.is(e1?.kind, 'corrupt');
  t.regex(e1!.message, /does not match its digest/);

  await writeFile(join(dir, 'short'), good.subarray(0, good.length - 100));
  const e2 = await t.throwsAsync(restoreSnapshotFile(join(dir, 'short'), join(dir, 'r2')), { instanceOf: SnapshotFileError });
  t.regex(e2!.message, /truncated or padded/);

  const header2 = Buffer.from(good);
  header2[30] = header2[30]! ^ 0x20;
  await writeFile(join(dir, 'header'), header2);
  await t.throwsAsync(restoreSnapshotFile(join(dir, 'header'), join(dir, 'r3')), { message: /header checksum mismatch/ });

  await writeFile(join(dir, 'junk'), 'not a snapshot at all');
  await t.throwsAsync(restoreSnapshotFile(join(dir, 'junk'), join(dir, 'r4')), { message: /not an ecr-rewind snapshot file/ });

  t.deepEqual((await readdir(dir)).sort(), ['flipped', 'header', 'junk', 'short', 'snap'], 'no partly restored folder remains');
  // a start from a file with a bad header or checkpoint is refused at once (blobs are checked
  // in the background, snapshot-start.test.ts)
  await t.throwsAsync(startEmulator({ fromSnapshot: join(dir, 'header'), logger: false }), { message: /header checksum mismatch/ });
  await t.throwsAsync(startEmulator({ fromSnapshot: join(dir, 'short'), logger: false }), { message: /truncated or padded/ });
});
