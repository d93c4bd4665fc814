import test from 'ava';
import { readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, loadLatestCheckpoint, writeCheckpoint } from '../../src/journal/index.ts';
import type { CheckpointContent, Envelope } from '../../src/journal/index.ts';
import { tempDir, warnings } from './helpers.ts';

/** A simple counting projection: how many events of each type, and the last seq seen. */
interface Counts {
  total: number;
  byType: Record<string, number>;
  lastSeq: number;
}
const counting = { name: 'counts', version: 2 };
/** What a caller accepts: every projection it wants, at exactly the version it reads. */
const wanting =
  (...wanted: { name: string; version: number }[]) =>
  (c: CheckpointContent): boolean =>
    wanted.every((w) => c.projections.some((p) => p.name === w.name && p.version === w.version));
const stateOf = (c: CheckpointContent | undefined, name: string): unknown => c?.projections.find((p) => p.name === name)?.state;
const write = (dir: string, seq: number, projections: { name: string; version: number; state: unknown }[]) =>
  writeCheckpoint(dir, { seq, projections });
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

test('checkpoint + tail replay equals full replay', async (t) => {
  const dir = await tempDir(t);
  const j = await journalWith(dir, 500);
  const atSnapshot = fold(initial(), j.read(1, 321));
  const path = await write(dir, 321, [{ ...counting, state: atSnapshot }]);
  t.true(path.endsWith(join('snapshots', '00000000000000000321.snap')));

  const loaded = await loadLatestCheckpoint(dir, wanting(counting));
  t.is(loaded?.seq, 321);
  const resumed = fold(stateOf(loaded, 'counts') as Counts, j.read(loaded!.seq + 1));
  t.deepEqual(resumed, fold(initial(), j.read()));
  t.is(resumed.total, 500);
  await j.close();
});

test('the newest usable checkpoint wins; one of an older projection version is ignored', async (t) => {
  const dir = await tempDir(t);
  const j = await journalWith(dir, 100);
  await write(dir, 40, [{ ...counting, state: fold(initial(), j.read(1, 40)) }]);
  await write(dir, 80, [{ name: 'counts', version: 1, state: { legacy: true } }]);
  const loaded = await loadLatestCheckpoint(dir, wanting(counting));
  t.is(loaded?.seq, 40);
  t.deepEqual(stateOf(loaded, 'counts'), fold(initial(), j.read(1, 40)));
  t.is(await loadLatestCheckpoint(dir, wanting({ name: 'counts', version: 3 })), undefined);
  t.is(
    await loadLatestCheckpoint(dir, wanting(counting, { name: 'tags', version: 1 })),
    undefined,
    'a projection missing from the checkpoint',
  );
  await j.close();
});

test('a corrupt checkpoint is skipped with a warning; no temp files stay behind', async (t) => {
  const dir = await tempDir(t);
  await write(dir, 10, [{ ...counting, state: { total: 10 } }]);
  const newest = await write(dir, 20, [{ ...counting, state: { total: 20 } }]);
  const bytes = readFileSync(newest);
  bytes[bytes.length - 1]! ^= 0x01;
  writeFileSync(newest, bytes);
  const w = warnings();
  const loaded = await loadLatestCheckpoint(dir, wanting(counting), { warn: w.warn });
  t.is(loaded?.seq, 10);
  t.is(w.messages.length, 1);
  t.regex(w.messages[0]!, /00000000000000000020\.snap: checksum mismatch/);
  t.deepEqual(readdirSync(join(dir, 'snapshots')).sort(), ['00000000000000000010.snap', '00000000000000000020.snap']);
});

test('no checkpoints folder means no checkpoint', async (t) => {
  const dir = await tempDir(t);
  t.is(await loadLatestCheckpoint(dir, wanting(counting)), undefined);
});
