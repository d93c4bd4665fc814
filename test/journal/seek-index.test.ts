// Reads from a seq deep in a segment start at a frame start an earlier read found
// (src/journal/seek-index.ts): whatever the order of the reads, they return exactly what a
// read from the segment's start returns, and an entry that does not hold is dropped.
import test from 'ava';
import { Journal, JournalReader, listSegments } from '../../src/journal/index.ts';
import { SEEK_STRIDE, SeekIndex } from '../../src/journal/seek-index.ts';
import { readSegments } from '../../src/journal/segment-reader.ts';
import { tempDir, thing } from './helpers.ts';

const PAD = 'x'.repeat(900);

/** A journal of `n` events of ~1 KiB in frames of 1 to 7 events, in one segment. */
async function journalOf(dir: string, n: number): Promise<void> {
  const j = await Journal.open(dir, { fsync: 'never' });
  for (let i = 0; i < n; ) {
    const size = Math.min(n - i, 1 + (i % 7));
    await j.append(Array.from({ length: size }, (_, k) => thing(i + k, PAD)));
    i += size;
  }
  await j.close();
}

const seqs = (it: Iterable<{ seq: number }>): number[] => [...it].map((e) => e.seq);
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test('reads that start deep in a segment return what a read from its start returns, in any order', async (t) => {
  const dir = await tempDir(t);
  await journalOf(dir, 2000);
  const segments = listSegments(dir);
  t.is(segments.length, 1);
  const seek = new SeekIndex();
  const read = (from: number, to: number) => readSegments(segments, { from, to, tolerateTail: false, seek });
  // before any read there is nothing to start from; a first read fills the index on its way
  t.is(seek.near(segments[0]!.path, 1500), undefined);
  t.deepEqual(seqs(read(1200, 1210)), range(1200, 1210));
  const hint = seek.near(segments[0]!.path, 1200);
  t.truthy(hint, 'a read deep in a segment notes frame starts');
  t.true(hint!.offset >= SEEK_STRIDE && hint!.seq <= 1200);
  let x = 7;
  for (let r = 0; r < 200; r++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const from = 1 + (x % 2000);
    const to = Math.min(2000, from + (x % 5));
    t.deepEqual(seqs(read(from, to)), range(from, to), `read ${from}..${to}`);
  }
  const whole = [...readSegments(segments, { from: 1, to: 2000, tolerateTail: false })];
  t.deepEqual([...read(1, 2000)], whole);
});

test('an entry that does not hold (the segment was rewritten) is dropped, and the read starts from the segment start', async (t) => {
  const dir = await tempDir(t);
  await journalOf(dir, 400);
  const [segment] = listSegments(dir);
  const seek = new SeekIndex();
  seek.note(segment!.path, SEEK_STRIDE + 3, 300); // not where a frame with seq 300 starts
  t.deepEqual(seqs(readSegments([segment!], { from: 350, to: 352, tolerateTail: false, seek })), [350, 351, 352]);
  const hint = seek.near(segment!.path, 350);
  t.not(hint?.offset, SEEK_STRIDE + 3, 'the wrong entry is gone');
});

test('a journal and a reader answer reads anywhere the same, before and after reads fill their indexes', async (t) => {
  const dir = await tempDir(t);
  await journalOf(dir, 1500);
  const j = await Journal.open(dir, { fsync: 'never' });
  const reader = JournalReader.open(dir);
  for (const [from, to] of [
    [1400, 1402],
    [700, 700],
    [1499, 1500],
    [3, 9],
    [1401, 1401],
  ] as const) {
    t.deepEqual(seqs(j.read(from, to)), range(from, to));
    t.deepEqual(seqs(reader.read(from, to)), range(from, to));
  }
  // appends after the reads: reads reach them
  await j.append([thing(9999, PAD)]);
  t.deepEqual(seqs(j.read(1500, 1501)), [1500, 1501]);
  await j.close();
  reader.close();
});
