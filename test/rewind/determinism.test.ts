// Determinism: one scenario recorded twice with the same seed and clock gives byte-identical
// journals, and the snapshot of the result restores to the same state hash.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import test from 'ava';
import { stateHash } from '../../src/replay/canonical-state.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { restorePack } from '../../src/replay/pack-reader.ts';
import { preparePack, writePack } from '../../src/replay/pack-writer.ts';
import { replayTo } from '../../src/replay/time-travel.ts';
import { recordScenario } from '../../tools/record-scenarios.ts';
import { replayed, scenarioDir, tempDir } from './rewind-support.ts';

async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) out.set(relative(dir, join(entry.parentPath, entry.name)), await readFile(join(entry.parentPath, entry.name)));
  return out;
}

for (const name of ['rewound-history', 'signed-image', 'lifecycle-expiry']) {
  test(`${name} recorded twice with the same seed and clock: byte-identical journals`, async (t) => {
    const dir = await tempDir(t);
    await recordScenario(name, join(dir, 'a'));
    await recordScenario(name, join(dir, 'b'));
    const a = await filesOf(join(dir, 'a'));
    const b = await filesOf(join(dir, 'b'));
    t.true(a.size > 0);
    t.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    for (const [path, bytes] of a) t.true(bytes.equals(b.get(path)!), `${path} differs between the two recordings`);
  });
}

test('the snapshot of a recorded scenario restores to the same state hash', async (t) => {
  const dir = await tempDir(t);
  const history = await openHistory(scenarioDir('rewound-history'));
  const { state, marks } = await replayTo(history, history.lastSeq);
  const pack = await preparePack({ state, marks }, history.dir);
  await writePack(join(dir, 'snap'), pack);
  const restored = await restorePack(join(dir, 'snap'), join(dir, 'restored'), { fsync: false });
  t.is(stateHash(restored.checkpoint.state), stateHash(state));
  t.is(stateHash(await replayed(join(dir, 'restored'))), stateHash(state));
  t.is(pack.header.stateHash, stateHash(state));
});
