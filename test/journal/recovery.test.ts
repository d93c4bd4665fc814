import test from 'ava';
import { testProp, fc } from '@fast-check/ava';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Journal, JournalCorruptError, encodePayload, listSegments, segmentFileName } from '../../src/journal/index.ts';
import type { Envelope } from '../../src/journal/index.ts';
import { JournalVersionError } from '../../src/journal/errors.ts';
import { FORMAT_VERSION, HEADER_SIZE, encodeHeader } from '../../src/journal/segment-format.ts';
import { tempDir, thing, warnings } from './helpers.ts';

/**
 * The bytes of a one-segment journal holding `events`, as the writer lays them out: frames that
 * are commit batches (`dd <u32 BE count>` + envelopes) of the given sizes (default: one event per
 * frame). With `bare`, each frame holds one bare envelope instead (the version-1 layout).
 * `ends[i]` is where frame i ends, `firsts[i]` the index in `events` of its first event.
 */
function segmentBytes(
  events: Envelope[],
  sizes: number[] = events.map(() => 1),
  bare = false,
): { bytes: Buffer; ends: number[]; firsts: number[] } {
  const parts: Buffer[] = [encodeHeader(1)];
  const ends: number[] = [];
  const firsts: number[] = [];
  let off = HEADER_SIZE;
  let next = 0;
  for (const size of sizes) {
    const items = events.slice(next, next + size).map((e) => encodePayload(e));
    firsts.push(next);
    next += size;
    let payload: Buffer;
    if (bare) payload = items[0]!;
    else {
      const batch = Buffer.alloc(5);
      batch[0] = 0xdd;
      batch.writeUInt32BE(items.length, 1);
      payload = Buffer.concat([batch, ...items]);
    }
    const head = Buffer.alloc(8);
    head.writeUInt32LE(payload.length, 0);
    head.writeUInt32LE(crc32(payload), 4);
    parts.push(head, payload);
    off += 8 + payload.length;
    ends.push(off);
  }
  return { bytes: Buffer.concat(parts), ends, firsts };
}

/** Splits `n` events into frame sizes, from a list of wished sizes (cycled, clamped to what is left). */
function frameSizes(n: number, wish: number[]): number[] {
  const sizes: number[] = [];
  for (let left = n, i = 0; left > 0; i++) {
    const s = Math.min(left, Math.max(1, wish[i % wish.length] ?? 1));
    sizes.push(s);
    left -= s;
  }
  return sizes;
}

function envelopes(n: number, extra = ''): Envelope[] {
  return Array.from({ length: n }, (_, i) => ({ seq: i + 1, ...thing(i + 1, extra) }));
}

async function withJournalBytes<T>(bytes: Buffer, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-rewind-recovery-'));
  try {
    mkdirSync(join(dir, 'segments'));
    writeFileSync(join(dir, 'segments', segmentFileName(1)), bytes);
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function sideFiles(dir: string): string[] {
  return readdirSync(join(dir, 'segments')).filter((n) => n.includes('.torn-'));
}

test('the journal writer produces exactly the documented bytes: one frame per append call', async (t) => {
  const dir = await tempDir(t);
  const j = await Journal.open(dir, { fsync: 'always' });
  const events = envelopes(6);
  const records = events.map(({ seq: _seq, ...r }) => r);
  await j.append(records.slice(0, 3)); // one append: one frame
  await j.append(records.slice(3, 4));
  await Promise.all([j.append(records.slice(4, 5)), j.append(records.slice(5, 6))]); // one group commit, still two frames
  await j.close();
  const [seg] = listSegments(dir);
  t.deepEqual(readFileSync(seg!.path), segmentBytes(events, [3, 1, 1, 1]).bytes);
});

test('version-1 frames (one bare envelope each) are still read, and appending continues them', async (t) => {
  const events = envelopes(4);
  const { bytes } = segmentBytes(events, undefined, true);
  bytes.writeUInt32LE(1, 8);
  await withJournalBytes(bytes, async (dir) => {
    const j = await Journal.open(dir, { fsync: 'never' });
    t.deepEqual([...j.read()], events);
    const [e5] = await j.append([thing(5)]);
    t.is(e5!.seq, 5);
    t.deepEqual(
      [...j.read(4)].map((e) => e.seq),
      [4, 5],
    );
    await j.close();
  });
});

test('a journal cut at every byte offset of its last three frames opens with exactly the events of its whole frames', async (t) => {
  const events = envelopes(8);
  const sizes = [2, 1, 3, 1, 1];
  const { bytes, ends, firsts } = segmentBytes(events, sizes);
  const from = ends[ends.length - 4]!;
  for (let cut = from; cut <= bytes.length; cut++) {
    await withJournalBytes(bytes.subarray(0, cut), async (dir) => {
      const w = warnings();
      const j = await Journal.open(dir, { fsync: 'never', warn: w.warn });
      const whole = ends.filter((end) => end <= cut).length;
      const read = [...j.read()];
      await j.close();
      t.deepEqual(read, events.slice(0, firsts[whole] ?? events.length), `cut at ${cut}`);
      const lastWhole = whole === 0 ? HEADER_SIZE : ends[whole - 1]!;
      if (cut === lastWhole) {
        t.is(w.messages.length, 0);
        t.deepEqual(sideFiles(dir), []);
      } else {
        t.is(w.messages.length, 1);
        t.regex(w.messages[0]!, new RegExp(`${cut - lastWhole} bytes at offset ${lastWhole} in segment`));
        t.deepEqual(sideFiles(dir), [`${segmentFileName(1)}.torn-${lastWhole}`]);
        t.deepEqual(readFileSync(join(dir, 'segments', `${segmentFileName(1)}.torn-${lastWhole}`)), bytes.subarray(lastWhole, cut));
      }
    });
  }
});

testProp(
  'a journal cut anywhere keeps the whole frames, and appending continues the sequence',
  [
    fc.array(fc.string({ maxLength: 300 }), { minLength: 1, maxLength: 8 }),
    fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
  ],
  async (t, notes, wish, where) => {
    const events = notes.map((note, i) => ({ seq: i + 1, ...thing(i + 1, note) }));
    const { bytes, ends, firsts } = segmentBytes(events, frameSizes(events.length, wish));
    const cut = HEADER_SIZE + Math.floor(where * (bytes.length - HEADER_SIZE));
    await withJournalBytes(bytes.subarray(0, cut), async (dir) => {
      const j = await Journal.open(dir, { fsync: 'always', warn: () => {} });
      const whole = firsts[ends.filter((end) => end <= cut).length] ?? events.length;
      t.is(j.lastSeq, whole);
      const [appended] = await j.append([thing(99)]);
      t.is(appended!.seq, whole + 1);
      t.deepEqual(
        [...j.read()].map((e) => e.seq),
        Array.from({ length: whole + 1 }, (_, i) => i + 1),
      );
      await j.close();
    });
  },
  { numRuns: 60 },
);

testProp(
  'a flipped bit is detected: opening is refused with its location, unless it makes the last frame look incomplete (a torn tail: cut with a warning)',
  [
    fc.integer({ min: 2, max: 6 }),
    fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 6 }),
    fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
    fc.nat({ max: 7 }),
  ],
  async (t, count, wish, where, bit) => {
    const events = envelopes(count);
    const sizes = frameSizes(count, wish);
    const { bytes, ends, firsts } = segmentBytes(events, sizes);
    const at = Math.floor(where * bytes.length);
    const damaged = Buffer.from(bytes);
    damaged[at]! ^= 1 << bit;
    await withJournalBytes(damaged, async (dir) => {
      const w = warnings();
      const frame = ends.findIndex((end) => at < end); // index of the frame holding the bit
      const frameStart = frame === 0 ? HEADER_SIZE : ends[frame - 1]!;
      if (at >= 8 && at < 12 && damaged.readUInt32LE(8) > FORMAT_VERSION) {
        // the version field now names a newer format: refused as one (the header has no checksum to tell it from damage)
        const err = await t.throwsAsync(Journal.open(dir, { fsync: 'never', warn: w.warn }), { instanceOf: JournalVersionError });
        t.is(err?.version, damaged.readUInt32LE(8));
      } else if (at < HEADER_SIZE) {
        const err = await t.throwsAsync(Journal.open(dir, { fsync: 'never', warn: w.warn }), { instanceOf: JournalCorruptError });
        t.is(err?.offset, 0);
      } else if (frame === sizes.length - 1 && at < frameStart + 4 && frameStart + 8 + damaged.readUInt32LE(frameStart) > damaged.length) {
        const j = await Journal.open(dir, { fsync: 'never', warn: w.warn });
        t.deepEqual([...j.read()], events.slice(0, firsts[frame]));
        await j.close();
        t.is(w.messages.length, 1);
        t.regex(w.messages[0]!, new RegExp(`offset ${frameStart} in segment`));
      } else {
        const err = await t.throwsAsync(Journal.open(dir, { fsync: 'never', warn: w.warn }), { instanceOf: JournalCorruptError });
        const seq = firsts[frame]! + 1;
        t.is(err?.offset, frameStart);
        t.is(err?.seq, seq);
        t.true(err!.segment.endsWith(segmentFileName(1)));
        t.regex(err!.message, new RegExp(`${segmentFileName(1)} at byte offset ${frameStart} \\(expected seq ${seq}\\)`));
        t.deepEqual(sideFiles(dir), [], 'nothing was cut');
      }
    });
  },
  { numRuns: 150 },
);

test('damage in a segment that is not the last is corruption, even at its end', async (t) => {
  const dir = await tempDir(t);
  const j = await Journal.open(dir, { fsync: 'never', segmentBytes: 1024 });
  for (let i = 1; i <= 40; i++) await j.append([thing(i)]);
  await j.close();
  const segs = listSegments(dir);
  t.true(segs.length >= 3);
  const first = readFileSync(segs[0]!.path);
  first[first.length - 3]! ^= 0x10;
  writeFileSync(segs[0]!.path, first);
  const err = await t.throwsAsync(Journal.open(dir, { fsync: 'never' }), { instanceOf: JournalCorruptError });
  t.is(err?.segment, segs[0]!.path);
});

test('a missing segment is a sequence gap', async (t) => {
  const dir = await tempDir(t);
  const j = await Journal.open(dir, { fsync: 'never', segmentBytes: 1024 });
  for (let i = 1; i <= 40; i++) await j.append([thing(i)]);
  await j.close();
  const segs = listSegments(dir);
  rmSync(segs[1]!.path);
  const err = await t.throwsAsync(Journal.open(dir, { fsync: 'never' }), { instanceOf: JournalCorruptError });
  t.is(err?.segment, segs[2]!.path);
  t.regex(err!.message, /sequence gap/);
});

test('a frame with a valid checksum but the wrong seq is a gap, not a torn tail', async (t) => {
  const events = envelopes(3);
  events[2] = { ...events[2]!, seq: 5 };
  const { bytes } = segmentBytes(events);
  await withJournalBytes(bytes, async (dir) => {
    const err = await t.throwsAsync(Journal.open(dir, { fsync: 'never' }), { instanceOf: JournalCorruptError });
    t.is(err?.seq, 3);
    t.regex(err!.message, /sequence gap: frame carries seq 5/);
  });
});

test('a last segment cut short while being created is set aside', async (t) => {
  const dir = await tempDir(t);
  const j = await Journal.open(dir, { fsync: 'never', segmentBytes: 1024 });
  for (let i = 1; i <= 20; i++) await j.append([thing(i)]);
  await j.close();
  const last = listSegments(dir).at(-1)!;
  const lastSeq = last.firstSeq - 1;
  writeFileSync(last.path, readFileSync(last.path).subarray(0, 10));
  const w = warnings();
  const j2 = await Journal.open(dir, { fsync: 'always', warn: w.warn });
  t.is(j2.lastSeq, lastSeq);
  t.regex(w.messages[0] ?? '', /cut short while being created/);
  await j2.append([thing(100)]);
  t.is([...j2.read()].length, lastSeq + 1);
  await j2.close();
});

test('the events of one append are recovered all or none: a torn last frame drops the whole append', async (t) => {
  const dir = await tempDir(t);
  const j = await Journal.open(dir, { fsync: 'always' });
  await j.append([thing(1), thing(2), thing(3)]);
  await j.append([thing(4), thing(5), thing(6), thing(7)]);
  await j.close();
  const [seg] = listSegments(dir);
  const bytes = readFileSync(seg!.path);
  const { ends } = segmentBytes(envelopes(7), [3, 4]);
  t.is(bytes.length, ends[1]!);
  for (const cut of [ends[0]! + 1, ends[0]! + 20, ends[1]! - 1]) {
    writeFileSync(seg!.path, bytes.subarray(0, cut));
    const w = warnings();
    const again = await Journal.open(dir, { fsync: 'never', warn: w.warn });
    t.deepEqual(
      [...again.read()].map((e) => e.seq),
      [1, 2, 3],
      `cut at ${cut}`,
    );
    await again.close();
    t.is(w.messages.length, 1);
  }
});
