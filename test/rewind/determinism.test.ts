// Determinism: one scenario recorded twice with the same seed and clock gives byte-identical
// journals, and the snapshot of the result restores to the same state hash.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { restoreSnapshotFile } from '../../src/snapshot-file/restore.ts';
import { prepareSnapshotFile, writeSnapshotFile } from '../../src/snapshot-file/write.ts';
import { replayTo } from '../../src/replay/time-travel.ts';
import { replayed, scenarioDir, tempDir } from './rewind-support.ts';

const recorder = new URL('../../tools/record-scenarios.ts', import.meta.url).pathname;

/** Runs the scenario recorder (the tool itself, as a user runs it) into `dir`/`name`. */
async function recordScenario(name: string, dir: string): Promise<void> {
  await promisify(execFile)(process.execPath, ['--import=tsx', recorder, '--out', dir, name]);
}

async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) out.set(relative(dir, join(entry.parentPath, entry.name)), await readFile(join(entry.parentPath, entry.name)));
  return out;
}

for (const name of ['rewound-history', 'signed-image', 'lifecycle-expiry', 'scanned-image']) {
  test(`${name} recorded twice with the same seed and clock: byte-identical journals`, async (t) => {
    const dir = await tempDir(t);
    await recordScenario(name, join(dir, 'a'));
    await recordScenario(name, join(dir, 'b'));
    const a = await filesOf(join(dir, 'a', name));
    const b = await filesOf(join(dir, 'b', name));
    t.true(a.size > 0);
    t.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    for (const [path, bytes] of a) t.true(bytes.equals(b.get(path)!), `${path} differs between the two recordings`);
  });
}

test('the snapshot of a recorded scenario restores to the same state hash', async (t) => {
  const dir = await tempDir(t);
  const history = await openHistory(scenarioDir('rewound-history'));
  const { state, marks } = replayTo(history, history.lastSeq);
  const pack = await prepareSnapshotFile({ state, marks }, history.dir);
  await writeSnapshotFile(join(dir, 'snap'), pack);
  const restored = await restoreSnapshotFile(join(dir, 'snap'), join(dir, 'restored'), { fsync: false });
  t.is(stateHash(restored.checkpoint.state), stateHash(state));
  t.is(stateHash(await replayed(join(dir, 'restored'))), stateHash(state));
  t.is(pack.header.stateHash, stateHash(state));
});
