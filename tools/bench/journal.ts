/**
 * Journal benchmark: append rate per fsync mode and producer count, replay rate of a
 * 1,000,000-event journal folded into a Map (every checksum verified), bytes per event.
 * Each figure is the median of several runs. `--quick` runs fewer, shorter rounds.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Journal, listSegments } from '../../src/journal/index.ts';
import type { FsyncMode, NewRecord } from '../../src/journal/index.ts';

const DIGEST = `sha256:${'3f'.repeat(32)}`;

/** A ~200-byte event (encoded payload ~190 bytes + 8 bytes frame header), like a ManifestPut. */
function benchRecord(i: number): NewRecord {
  return {
    type: 'ManifestPut',
    v: 1,
    time: 1_700_000_000_000 + i,
    data: {
      repositoryName: `team/service-${i % 64}`,
      digest: DIGEST,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 1234 + (i % 1000),
      tag: `build-${i}`,
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ecr-rewind-bench-'));
}

async function appendRate(mode: FsyncMode, producers: number, ms: number): Promise<number> {
  const dir = tempDir();
  try {
    const j = await Journal.open(dir, { fsync: mode });
    let count = 0;
    let stop = false;
    const t0 = performance.now();
    const worker = async (w: number) => {
      for (let i = w; !stop; i += producers) {
        await j.append([benchRecord(i)]);
        count++;
      }
    };
    const timer = setTimeout(() => (stop = true), ms);
    await Promise.all(Array.from({ length: producers }, (_, w) => worker(w)));
    clearTimeout(timer);
    const elapsed = performance.now() - t0;
    await j.close();
    return (count / elapsed) * 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function buildJournal(dir: string, events: number): Promise<void> {
  const j = await Journal.open(dir, { fsync: 'never' });
  const batch = 1000;
  for (let i = 0; i < events; i += batch) {
    const recs: NewRecord[] = [];
    for (let k = i; k < Math.min(events, i + batch); k++) recs.push(benchRecord(k));
    await j.append(recs);
  }
  await j.close();
}

/** Replays the whole journal into a Map (latest digest and count per repository). */
function replayOnce(j: Journal): number {
  const repos = new Map<string, { count: number; lastSeq: number }>();
  let n = 0;
  for (const e of j.read()) {
    const d = e.data as { repositoryName: string };
    const cur = repos.get(d.repositoryName);
    if (cur) {
      cur.count++;
      cur.lastSeq = e.seq;
    } else repos.set(d.repositoryName, { count: 1, lastSeq: e.seq });
    n++;
  }
  return n;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const runs = quick ? 3 : 5;
  const ms = quick ? 400 : 800;
  const replayEvents = quick ? 200_000 : 1_000_000;

  console.log(`append rate, events/s (median of ${runs} runs of ${ms} ms, one ~200-byte event per append call)`);
  console.log('| fsync    | producers | events/s  |');
  console.log('|----------|-----------|-----------|');
  for (const mode of ['always', 'interval', 'never'] as const) {
    for (const producers of [1, 16, 128]) {
      const rates: number[] = [];
      for (let r = 0; r < runs; r++) rates.push(await appendRate(mode, producers, ms));
      console.log(`| ${mode.padEnd(8)} | ${String(producers).padStart(9)} | ${fmt(median(rates)).padStart(9)} |`);
    }
  }

  const dir = tempDir();
  try {
    const tb = performance.now();
    await buildJournal(dir, replayEvents);
    const buildMs = performance.now() - tb;
    const bytes = listSegments(dir).reduce((sum, s) => sum + statSync(s.path).size, 0);
    const opens: number[] = [];
    const replays: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const j = await Journal.open(dir, { fsync: 'never' });
      const t1 = performance.now();
      const n = replayOnce(j);
      const t2 = performance.now();
      await j.close();
      if (n !== replayEvents) throw new Error(`replayed ${n} events, expected ${replayEvents}`);
      opens.push(t1 - t0);
      replays.push((n / (t2 - t1)) * 1000);
    }
    console.log('');
    console.log(`replay of a ${fmt(replayEvents)}-event journal into a Map (CRC of every frame verified, median of ${runs})`);
    console.log('| measure                         | value        |');
    console.log('|---------------------------------|--------------|');
    console.log(`| replay rate (events/s)          | ${fmt(median(replays)).padStart(12)} |`);
    console.log(`| open + full recovery scan (ms)  | ${fmt(median(opens)).padStart(12)} |`);
    console.log(`| bytes per event on disk         | ${(bytes / replayEvents).toFixed(1).padStart(12)} |`);
    console.log(`| journal size (MiB)              | ${(bytes / 1048576).toFixed(1).padStart(12)} |`);
    console.log(`| build time, never mode (ms)     | ${fmt(buildMs).padStart(12)} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
