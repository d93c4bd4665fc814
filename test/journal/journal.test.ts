import test from 'ava';
import { Journal, listSegments } from '../../src/journal/index.ts';
import type { Envelope, FsyncMode } from '../../src/journal/index.ts';
import { tempDir, thing } from './helpers.ts';

for (const fsync of ['always', 'interval', 'never'] as FsyncMode[]) {
  test(`${fsync}: concurrent appends get seqs in call order, and survive close and reopen`, async (t) => {
    const dir = await tempDir(t);
    const j = await Journal.open(dir, { fsync, intervalMs: 5 });
    const seen: Envelope[][] = [];
    j.on('appended', (batch) => seen.push(batch));
    const pending = Array.from({ length: 100 }, (_, i) => j.append([thing(2 * i), thing(2 * i + 1)]));
    t.is(j.lastSeq, 200, 'seqs are assigned before any await');
    const results = await Promise.all(pending);
    t.deepEqual(
      results.map((envs) => envs.map((e) => e.seq)),
      Array.from({ length: 100 }, (_, i) => [2 * i + 1, 2 * i + 2]),
    );
    t.deepEqual(seen, results, "'appended' carries each append's records, in journal order");
    await j.close();
    const again = await Journal.open(dir, { fsync });
    t.is(again.lastSeq, 200);
    t.deepEqual([...again.read()], results.flat());
    await again.close();
  });
}

test('read sees records not yet written, and ranges are inclusive', async (t) => {
  const dir = await tempDir(t);
  const j = await Journal.open(dir, { fsync: 'never' });
  await j.append([thing(1), thing(2), thing(3)]);
  void j.append([thing(4)]);
  t.deepEqual(
    [...j.read()].map((e) => e.seq),
    [1, 2, 3, 4],
  );
  t.deepEqual(
    [...j.read(2, 3)].map((e) => e.seq),
    [2, 3],
  );
  t.deepEqual([...j.read(5)], []);
  await j.flush();
  t.deepEqual(
    [...j.read(3)].map((e) => e.data),
    [thing(3).data, thing(4).data],
  );
  await j.close();
});

test('segments roll over at segmentBytes and reads cross them', async (t) => {
  const dir = await tempDir(t);
  const j = await Journal.open(dir, { fsync: 'always', segmentBytes: 1000 });
  for (let i = 0; i < 100; i++) await j.append([thing(i)]);
  const segments = listSegments(dir);
  t.true(segments.length > 3);
  t.is(segments[0]!.firstSeq, 1);
  t.deepEqual(
    [...j.read(5, 25)].map((e) => e.seq),
    Array.from({ length: 21 }, (_, i) => i + 5),
  );
  await j.close();
  const { statSync } = await import('node:fs');
  for (const s of segments.slice(0, -1)) t.true(statSync(s.path).size <= 1000);
});

test('append after close is refused; a record that cannot be encoded changes nothing', async (t) => {
  const dir = await tempDir(t);
  const j = await Journal.open(dir, { fsync: 'always' });
  await t.throwsAsync(j.append([{ type: '', v: 1, time: 0, data: null }]), { message: /type/ });
  t.is(j.lastSeq, 0);
  await j.append([thing(1)]);
  await j.close();
  await t.throwsAsync(j.append([thing(2)]), { message: /closed/ });
});
