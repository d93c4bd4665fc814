/**
 * Journal benchmark: append rate per fsync mode and producer count, replay rate of a
 * 1,000,000-event journal folded into a Map (every checksum verified), bytes per event.
 * Each figure is the median of several runs, as wall-clock events/s and as CPU µs per event
 * (process.cpuUsage, all threads: steadier than wall time on a busy machine).
 * Replay runs over two journals of the same events: one written in bulk (appends of 1000
 * records, so frames of ~5000 events) and one with one event per frame (what a single
 * producer in `always` mode writes: the worst case for per-frame costs).
 * `--quick` runs fewer, shorter rounds on 200,000 events.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodePayload } from '../../src/journal/codec.ts';
import { FrameBuffer } from '../../src/journal/frame-buffer.ts';
import { Journal, listSegments, segmentFileName } from '../../src/journal/index.ts';
import type { FsyncMode, NewRecord } from '../../src/journal/index.ts';
import { encodeHeader, segmentsDir } from '../../src/journal/segment-format.ts';

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

interface Rate {
  perSec: number;
  cpuUs: number;
}

function cpuNow(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

async function appendRate(mode: FsyncMode, producers: number, ms: number): Promise<Rate> {
  const dir = tempDir();
  try {
    const j = await Journal.open(dir, { fsync: mode });
    let count = 0;
    let stop = false;
    const c0 = cpuNow();
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
    const cpu = cpuNow() - c0;
    await j.close();
    return { perSec: (count / elapsed) * 1000, cpuUs: cpu / count };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Writes the segments a single `always`-mode producer would leave: one event per frame (built
 * with the writer's frame encoder, since a million fdatasyncs would take minutes).
 */
function buildJournalOnePerFrame(dir: string, events: number): void {
  mkdirSync(segmentsDir(dir), { recursive: true });
  const limit = 64 * 1024 * 1024;
  let first = 1;
  let fb = new FrameBuffer();
  const flush = (): void => {
    writeFileSync(join(segmentsDir(dir), segmentFileName(first)), Buffer.concat([encodeHeader(first), fb.bytes()]));
  };
  for (let i = 0; i < events; i++) {
    const r = benchRecord(i);
    const payload = encodePayload({ seq: i + 1, ...r });
    if (fb.length + payload.length + 13 > limit - 24) {
      flush();
      first = i + 1;
      fb = new FrameBuffer();
    }
    fb.startFrame();
    fb.appendEnvelope(payload);
  }
  flush();
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
const us = (n: number) => n.toFixed(2);

async function replayBench(label: string, dir: string, events: number, runs: number, buildMs: number): Promise<void> {
  const bytes = listSegments(dir).reduce((sum, s) => sum + statSync(s.path).size, 0);
  const opens: number[] = [];
  const openCpu: number[] = [];
  const replays: number[] = [];
  const replayCpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = cpuNow();
    const t0 = performance.now();
    const j = await Journal.open(dir, { fsync: 'never' });
    const c1 = cpuNow();
    const t1 = performance.now();
    const n = replayOnce(j);
    const t2 = performance.now();
    const c2 = cpuNow();
    await j.close();
    if (n !== events) throw new Error(`replayed ${n} events, expected ${events}`);
    opens.push(t1 - t0);
    openCpu.push((c1 - c0) / events);
    replays.push((n / (t2 - t1)) * 1000);
    replayCpu.push((c2 - c1) / n);
  }
  console.log('');
  console.log(`replay of a ${fmt(events)}-event journal into a Map, ${label} (CRC of every frame verified, median of ${runs})`);
  console.log('| measure                              | value        |');
  console.log('|--------------------------------------|--------------|');
  console.log(`| replay rate, wall (events/s)         | ${fmt(median(replays)).padStart(12)} |`);
  console.log(`| replay CPU (µs/event)                | ${us(median(replayCpu)).padStart(12)} |`);
  console.log(`| open + recovery scan, wall (ms)      | ${fmt(median(opens)).padStart(12)} |`);
  console.log(`| open + recovery scan CPU (µs/event)  | ${us(median(openCpu)).padStart(12)} |`);
  console.log(`| bytes per event on disk              | ${(bytes / events).toFixed(1).padStart(12)} |`);
  console.log(`| journal size (MiB)                   | ${(bytes / 1048576).toFixed(1).padStart(12)} |`);
  console.log(`| build time (ms)                      | ${fmt(buildMs).padStart(12)} |`);
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const runs = quick ? 3 : 5;
  const ms = quick ? 400 : 800;
  const replayEvents = quick ? 200_000 : 1_000_000;

  console.log(`append rate (median of ${runs} runs of ${ms} ms, one ~200-byte event per append call)`);
  console.log('| fsync    | producers | events/s  | CPU µs/event |');
  console.log('|----------|-----------|-----------|--------------|');
  for (const mode of ['always', 'interval', 'never'] as const) {
    for (const producers of [1, 16, 128]) {
      const rates: Rate[] = [];
      for (let r = 0; r < runs; r++) rates.push(await appendRate(mode, producers, ms));
      const rate = median(rates.map((x) => x.perSec));
      const cpu = median(rates.map((x) => x.cpuUs));
      console.log(`| ${mode.padEnd(8)} | ${String(producers).padStart(9)} | ${fmt(rate).padStart(9)} | ${us(cpu).padStart(12)} |`);
    }
  }

  const bulk = tempDir();
  const single = tempDir();
  try {
    let tb = performance.now();
    await buildJournal(bulk, replayEvents);
    await replayBench('written in appends of 1000 records', bulk, replayEvents, runs, performance.now() - tb);
    rmSync(bulk, { recursive: true, force: true });
    tb = performance.now();
    buildJournalOnePerFrame(single, replayEvents);
    await replayBench('one event per frame', single, replayEvents, runs, performance.now() - tb);
  } finally {
    rmSync(bulk, { recursive: true, force: true });
    rmSync(single, { recursive: true, force: true });
  }
}
