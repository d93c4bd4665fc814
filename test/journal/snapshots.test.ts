import test from 'ava';
import { readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, loadLatestSnapshot, writeSnapshot } from '../../src/journal/index.ts';
import type { Envelope } from '../../src/journal/index.ts';
import { tempDir, warnings } from './helpers.ts';

/** A simple counting projection: how many events of each type, and the last seq seen. */
interface Counts {
  total: number;
  byType: Record<string, number>;
  lastSeq: number;
}
const counting = { name: 'counts', version: 2 };
const initial = (): Counts => ({ total: 0, byType: {}, lastSeq: 0 });
function evolve(s: Counts, e: Envelope): Counts {
  return { total: s.total + 1, byType: { ...s.byType, [e.type]: (s.byType[e.type] ?? 0) + 1 }, lastSeq: e.seq };
}
const fold = (s: Counts, events: Iterable<Envelope>) => {
  for (const e of events) s = evolve(s, e);
  return s;
};

async function journalWith(dir: string, n: number): Promise<Journal> {
  const j = await Journal.open(dir, { fsync: 'never', segmentBytes: 4096 });
  const types = ['RepositoryCreated', 'ManifestPut', 'TagPut', 'TagDeleted'];
  await j.append(Array.from({ length: n }, (_, i) => ({ type: types[(i * 7) % 4]!, v: 1, time: i, data: { i } })));
  return j;
}

test('snapshot + tail replay equals full replay', async (t) => {
  const dir = await tempDir(t);
  const j = await journalWith(dir, 500);
  const atSnapshot = fold(initial(), j.read(1, 321));
  const path = await writeSnapshot(dir, 321, [{ ...counting, state: atSnapshot }]);
  t.true(path.endsWith(join('snapshots', '00000000000000000321.snap')));

  const loaded = await loadLatestSnapshot(dir, [counting]);
  t.is(loaded?.seq, 321);
  const resumed = fold(loaded!.states.get('counts') as Counts, j.read(loaded!.seq + 1));
  t.deepEqual(resumed, fold(initial(), j.read()));
  t.is(resumed.total, 500);
  await j.close();
});

test('the newest usable snapshot wins; one of an older projection version is ignored', async (t) => {
  const dir = await tempDir(t);
  const j = await journalWith(dir, 100);
  await writeSnapshot(dir, 40, [{ ...counting, state: fold(initial(), j.read(1, 40)) }]);
  await writeSnapshot(dir, 80, [{ name: 'counts', version: 1, state: { legacy: true } }]);
  const loaded = await loadLatestSnapshot(dir, [counting]);
  t.is(loaded?.seq, 40);
  t.deepEqual(loaded?.states.get('counts'), fold(initial(), j.read(1, 40)));
  t.is(await loadLatestSnapshot(dir, [{ name: 'counts', version: 3 }]), undefined);
  t.is(await loadLatestSnapshot(dir, [counting, { name: 'tags', version: 1 }]), undefined, 'a projection missing from the snapshot');
  await j.close();
});

test('a corrupt snapshot is skipped with a warning; no temp files stay behind', async (t) => {
  const dir = await tempDir(t);
  await writeSnapshot(dir, 10, [{ ...counting, state: { total: 10 } }]);
  const newest = await writeSnapshot(dir, 20, [{ ...counting, state: { total: 20 } }]);
  const bytes = readFileSync(newest);
  bytes[bytes.length - 1]! ^= 0x01;
  writeFileSync(newest, bytes);
  const w = warnings();
  const loaded = await loadLatestSnapshot(dir, [counting], { warn: w.warn });
  t.is(loaded?.seq, 10);
  t.is(w.messages.length, 1);
  t.regex(w.messages[0]!, /00000000000000000020\.snap: checksum mismatch/);
  t.deepEqual(readdirSync(join(dir, 'snapshots')).sort(), ['00000000000000000010.snap', '00000000000000000020.snap']);
});

test('no snapshot directory means no snapshot', async (t) => {
  const dir = await tempDir(t);
  t.is(await loadLatestSnapshot(dir, [counting]), undefined);
});
