// Progress as the command line shows it: the unit it counts, bytes in KiB/MiB/GiB, a rate
// and the time left, 100% at the end (on a terminal and in plain lines); and the tools give
// the right units (verify counts blobs as blobs).
import test from 'ava';
import { amountText, createProgress, durationText, progressFigures } from '../../src/cli/progress.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { verifyJournal } from '../../src/replay/verify.ts';
import type { ProgressUnit } from '../../src/support/progress.ts';
import { scenarioDir } from '../rewind/rewind-support.ts';

function fakeStream(isTTY: boolean): { write(text: string): boolean; isTTY: boolean; text: string; columns: number } {
  const s = {
    isTTY,
    text: '',
    columns: 120,
    write(text: string) {
      s.text += text;
      return true;
    },
    // what cli-progress asks of a terminal
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    on: () => s,
    removeListener: () => s,
  };
  return s;
}

test('amounts: bytes in B, KiB, MiB and GiB; counts with their unit', (t) => {
  t.is(amountText(512, 'bytes'), '512 B');
  t.is(amountText(1536, 'bytes'), '1.5 KiB');
  t.is(amountText(5 * 1024 ** 2, 'bytes'), '5.0 MiB');
  t.is(amountText(3.25 * 1024 ** 3, 'bytes'), '3.25 GiB');
  t.is(amountText(12345, 'events'), '12,345 events');
  t.is(amountText(7, 'blobs'), '7 blobs');
  t.is(durationText(42), '42 s');
  t.is(durationText(185), '3 min 5 s');
  t.is(durationText(7320), '2 h 2 min');
});

test('figures: percentage, rate per second and time left; a finished piece of work is 100%', (t) => {
  const half = progressFigures(512 * 1024 ** 2, 1024 ** 3, 'bytes', 2000);
  t.deepEqual(half, { percent: 50, done: '512.0 MiB', all: '1.00 GiB', rate: '256.0 MiB/s', eta: '2 s' });
  const done = progressFigures(900, 1000, 'events', 1000, true);
  t.is(done.percent, 100);
  t.is(done.done, '1,000 events');
  t.is(done.eta, '0 s');
  t.is(progressFigures(0, 0, 'blobs', 10).percent, 100, 'nothing to do is done');
});

test('plain lines (not a terminal): every interval, then a last line at 100%', async (t) => {
  const stream = fakeStream(false);
  const p = createProgress(stream, 0)('restore', 4 * 1024 ** 2, 'bytes');
  await new Promise((r) => setTimeout(r, 5));
  p.update(1024 ** 2);
  p.finish();
  const lines = stream.text.trim().split('\n');
  t.is(lines.length, 2);
  t.regex(lines[0]!, /^restore: 1\.0 MiB of 4\.0 MiB \(25%\), [\d.]+ (KiB|MiB|GiB|B)\/s, ETA \d+ s$/);
  t.regex(lines[1]!, /^restore: 4\.0 MiB of 4\.0 MiB \(100%\), .*ETA 0 s$/);
});

test('quiet when not a terminal and the work ends before the first interval', (t) => {
  const stream = fakeStream(false);
  const p = createProgress(stream, 60_000)('replay', 100);
  p.update(50);
  p.finish();
  t.is(stream.text, '');
});

test('a bar on a terminal ends at 100% with the unit, the rate and the time left', (t) => {
  for (const unit of ['events', 'blobs', 'bytes'] as ProgressUnit[]) {
    const stream = fakeStream(true);
    const p = createProgress(stream)('verify', 2048, unit);
    p.update(1000);
    p.finish();
    // the last frame the bar drew
    const frames = stream.text.split('\r').filter((f) => f.includes('verify'));
    const last = frames.at(-1)!;
    t.regex(last, /100%/, unit);
    t.regex(
      last,
      unit === 'bytes' ? /2\.0 KiB of 2\.0 KiB \| .*\/s \| ETA 0 s/ : new RegExp(`2,048 ${unit} of 2,048 ${unit} \\| .*/s \\| ETA 0 s`),
      unit,
    );
  }
});

test('verify reports frames in events and blobs in blobs, each ending at its total', async (t) => {
  const calls: { label: string; total: number; unit: ProgressUnit | undefined; last: number; finished: boolean }[] = [];
  await verifyJournal(await openHistory(scenarioDir('multi-arch')), {
    progress: (label, total, unit) => {
      const call = { label, total, unit, last: 0, finished: false };
      calls.push(call);
      return {
        update: (n) => {
          call.last = n;
        },
        finish: () => {
          call.finished = true;
        },
      };
    },
  });
  const blobs = calls.find((c) => c.label === 'verify blobs');
  t.is(blobs?.unit, 'blobs');
  t.is(blobs?.last, blobs?.total);
  t.true(calls.every((c) => c.finished));
  t.is(calls.find((c) => c.label === 'verify frames')?.unit ?? 'events', 'events');
});
