/**
 * Rewind benchmark (`npm run bench -- rewind [--quick]`):
 *
 * - reset: POST /_rewind/reset to a mark taken with 1,000 images (target < 50 ms);
 * - start: startEmulator({ fromSnapshot }) with a snapshot file of 10,000 images -> first
 *   request served (target < 200 ms; blobs are extracted in the background), and for
 *   comparison the full up-front restore + start, and a start of a restored folder;
 * - replay: 1,000,000 recorded domain events read (every CRC checked) and folded
 *   (target >= 1,000,000 events/s, raised from 500,000 by the performance issue);
 * - snapshot: a snapshot file of 1 GiB of blobs (target >= 500 MB/s).
 *
 * Journals are built straight through the engine or the journal (no HTTP), so that
 * setting up stays fast; every timed step goes through the code users run.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BlobStore } from '../../src/blobs/blob-store.ts';
import { coreEvents as ev, type DomainEvent, repositoryCreated } from '../../src/domain/events.ts';
import { defaultRepoSettings } from '../../src/domain/settings/settings-state.ts';
import { parseManifest } from '../../src/domain/manifest.ts';
import { emptyState } from '../../src/domain/state.ts';
import { EVENT_VERSIONS } from '../../src/domain/versions.ts';
import { startEmulator } from '../../src/emulator.ts';
import { Engine } from '../../src/engine/engine.ts';
import { Journal } from '../../src/journal/index.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { restoreSnapshotFile } from '../../src/snapshot-file/restore.ts';
import { prepareSnapshotFile, writeSnapshotFile } from '../../src/snapshot-file/write.ts';
import { replay } from '../../src/replay/replay.ts';
import { steppingClock } from '../../src/support/clock.ts';

const scope = { account: '000000000000', region: 'us-east-1' };
const sha = (b: Uint8Array | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const LAYER = Buffer.from('one shared layer for every benchmark image');

function imageOf(i: number): { config: Buffer; manifest: Buffer } {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', build: i }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(LAYER), size: LAYER.length }],
    }),
  );
  return { config, manifest };
}

async function writeBlob(store: BlobStore, bytes: Buffer): Promise<void> {
  const path = store.path(sha(bytes));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}

/** A journal folder with `images` images in repository bench/app, blobs on disk, through the engine. */
export async function buildRegistry(dir: string, images: number, after?: (engine: Engine) => Promise<void>): Promise<void> {
  const journal = await Journal.open(dir, { fsync: 'never' });
  const engine = new Engine(journal, steppingClock(Date.parse('2026-01-01T00:00:00Z')), {
    state: emptyState(),
    marks: new Map(),
    atMarks: new Map(),
  });
  const store = new BlobStore(dir, { durable: false });
  await engine.execute({ type: 'CreateRepository', scope, repository: 'bench/app', settings: {} });
  await writeBlob(store, LAYER);
  await engine.execute({ type: 'PushBlob', scope, repository: 'bench/app', uploadId: 'layer', digest: sha(LAYER), size: LAYER.length });
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < images; i++) {
    const { config, manifest } = imageOf(i);
    await writeBlob(store, config);
    pending.push(
      engine.execute({ type: 'PushBlob', scope, repository: 'bench/app', uploadId: `u${i}`, digest: sha(config), size: config.length }),
    );
    const parsed = parseManifest(manifest, 'application/vnd.oci.image.manifest.v1+json');
    if (!parsed.ok) throw new Error(parsed.message);
    pending.push(
      engine.execute({
        type: 'PutManifest',
        scope,
        repository: 'bench/app',
        digest: sha(manifest),
        bytes: manifest,
        manifest: parsed.manifest,
        tag: `build-${i}`,
        via: 'oci',
      }),
    );
  }
  await Promise.all(pending);
  await after?.(engine);
  await journal.close();
}

const ms = (t0: number): number => performance.now() - t0;

/** Writes back every dirty page (sync(1)), so that a timed step does not pay for the set-up's writes. */
const flushPageCache = (): void => {
  execFileSync('sync');
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function benchReset(root: string, rounds: number): Promise<number> {
  const dir = join(root, 'reset');
  await buildRegistry(dir, 1000, async (engine) => {
    await engine.mark('base');
  });
  await using emu = await startEmulator({ journal: dir, auth: 'none', fsync: 'never', logger: false });
  const times: number[] = [];
  await (await fetch(`${emu.endpoint}/_rewind/health`)).json(); // open the keep-alive connection first
  for (let r = 0; r < rounds; r++) {
    // change something after the mark, then reset to it over HTTP
    await emu.engine.execute({ type: 'DeleteTag', scope, repository: 'bench/app', tag: `build-${r}`, deleteImageIfUntagged: true });
    const t0 = performance.now();
    const res = await fetch(`${emu.endpoint}/_rewind/reset`, {
      method: 'POST',
      body: JSON.stringify({ to: 'base' }),
      headers: { 'Content-Type': 'application/json' },
    });
    await res.json();
    times.push(ms(t0));
    if (emu.engine.state.repos.get('000000000000:us-east-1:bench/app')?.images.size !== 1000)
      throw new Error('reset did not restore 1000 images');
  }
  return median(times);
}

interface StartFigures {
  /** startEmulator({ fromSnapshot }) -> first request answered (blobs extracted in the background) */
  fromSnapshot: number;
  /** the same with fsync 'always' (the pack copy is fsynced) */
  fromSnapshotDurable: number;
  /** from the start until every blob is extracted and the pack deleted */
  settled: number;
  /** restoreSnapshotFile (every blob hashed and written, as `ecr-rewind restore`) + start -> first request */
  restoreAndStart: number;
  /** start of an already restored folder -> first request */
  start: number;
  bytes: number;
}

async function benchStart(root: string, rounds: number): Promise<StartFigures> {
  const dir = join(root, 'start-src');
  await buildRegistry(dir, 10_000);
  const history = await openHistory(dir);
  const { state, marks } = replay(history.source);
  const file = join(root, 'start.snapshot');
  await writeSnapshotFile(file, await prepareSnapshotFile({ state, marks }, dir));
  const firstRequest = async (endpoint: string): Promise<void> => {
    const res = await fetch(`${endpoint}/v2/bench/app/tags/list?n=10`);
    if (res.status !== 200 || ((await res.json()) as { tags: string[] }).tags.length !== 10) throw new Error('tags/list failed');
  };
  const figures = {
    fromSnapshot: [] as number[],
    fromSnapshotDurable: [] as number[],
    settled: [] as number[],
    full: [] as number[],
    warm: [] as number[],
  };
  // The set-up above wrote ~10,000 blob files: let the kernel write them back before timing,
  // and time every start from a snapshot before the full restores, which write as many again.
  flushPageCache();
  for (let r = 0; r < rounds; r++) {
    for (const fsync of ['never', 'always'] as const) {
      const target = join(root, `start-${r}-${fsync}`);
      const t0 = performance.now();
      await using emu = await startEmulator({ fromSnapshot: file, journal: target, auth: 'none', fsync, logger: false });
      await firstRequest(emu.endpoint);
      (fsync === 'never' ? figures.fromSnapshot : figures.fromSnapshotDurable).push(ms(t0));
      if (fsync === 'never') {
        await emu.blobsSettled();
        figures.settled.push(ms(t0));
      }
      await emu.stop();
      await rm(target, { recursive: true, force: true });
    }
  }
  for (let r = 0; r < rounds; r++) {
    const target = join(root, `restore-${r}`);
    let t0 = performance.now();
    {
      await restoreSnapshotFile(file, target, { fsync: false });
      await using emu = await startEmulator({ journal: target, auth: 'none', fsync: 'never', logger: false });
      await firstRequest(emu.endpoint);
      figures.full.push(ms(t0));
    }
    t0 = performance.now();
    {
      await using emu = await startEmulator({ journal: target, auth: 'none', fsync: 'never', logger: false });
      await firstRequest(emu.endpoint);
      figures.warm.push(ms(t0));
      if (emu.engine.state.repos.get('000000000000:us-east-1:bench/app')?.images.size !== 10_000) throw new Error('start lost images');
    }
    await rm(target, { recursive: true, force: true });
  }
  return {
    fromSnapshot: median(figures.fromSnapshot),
    fromSnapshotDurable: median(figures.fromSnapshotDurable),
    settled: median(figures.settled),
    restoreAndStart: median(figures.full),
    start: median(figures.warm),
    bytes: (await stat(file)).size,
  };
}

async function benchReplay(root: string, events: number, rounds: number): Promise<number> {
  const dir = join(root, 'replay');
  await buildReplay(dir, events);
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const history = await openHistory(dir);
    const t0 = performance.now();
    const out = replay(history.source);
    const elapsed = ms(t0);
    if (out.state.seq !== history.lastSeq) throw new Error('replay stopped early');
    rates.push((history.lastSeq / elapsed) * 1000);
  }
  return median(rates);
}

/** A journal of `events` push events (upload, manifest, tag), written straight to the journal. */
export async function buildReplay(dir: string, events: number): Promise<void> {
  const journal = await Journal.open(dir, { fsync: 'never' });
  const ref = { ...scope, repository: 'bench/replay' };
  const batch: DomainEvent[] = [repositoryCreated(ref, defaultRepoSettings(), 'api')];
  const { manifest } = imageOf(0);
  const digest = sha(manifest);
  const appended: Promise<unknown>[] = [];
  let n = 0;
  const flush = (): void => {
    appended.push(
      journal.append(batch.map((e) => ({ type: e.type, v: EVENT_VERSIONS[e.type], time: 1_767_225_600_000 + n, data: e.data }))),
    );
    n += batch.length;
    batch.length = 0;
  };
  // a push's events, over and over: upload (3), manifest, tag; tags move as builds are re-tagged
  for (let i = 0; n + batch.length < events; i++) {
    const uploadId = `upload-${i}`;
    const blob = `sha256:${i.toString(16).padStart(64, '0')}`;
    batch.push(ev.UploadStarted({ ...ref, uploadId, via: 'oci' }));
    batch.push(ev.ChunkAppended({ uploadId, offset: 0, length: 1024, part: 0 }));
    batch.push(ev.UploadCompleted({ uploadId, digest: blob, size: 1024 }));
    if (i % 10 === 0)
      batch.push(
        ev.ManifestPut({
          ...ref,
          digest,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          bytes: manifest,
          size: 2048,
          blobs: [blob],
          manifests: [],
          subject: null,
          artifactType: null,
          configMediaType: null,
        }),
      );
    batch.push(ev.TagPut({ ...ref, tag: `build-${i % 1000}`, digest, previous: null }));
    if (batch.length >= 1000) flush();
  }
  flush();
  await Promise.all(appended);
  await journal.close();
}

async function benchSnapshot(root: string, gib: number, rounds: number): Promise<{ synced: number; cached: number; disk: number }> {
  const dir = join(root, 'snapshot');
  const store = new BlobStore(dir, { durable: false });
  const state = emptyState();
  const blobSize = 64 * 1024 * 1024;
  const count = Math.max(1, Math.round((gib * 1024 * 1024 * 1024) / blobSize));
  const base = Buffer.alloc(blobSize, 0x5a);
  for (let i = 0; i < count; i++) {
    base.writeUInt32LE(i, 0);
    const digest = sha(base);
    const path = store.path(digest);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, base);
    state.blobs.set(digest, blobSize);
  }
  const rate = async (fsync: boolean): Promise<number> => {
    const rates: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const file = join(root, `blobs-${r}.snapshot`);
      flushPageCache();
      const t0 = performance.now();
      const pack = await prepareSnapshotFile({ state, marks: new Map() }, dir);
      await writeSnapshotFile(file, pack, undefined, { fsync });
      rates.push(pack.size / 1e6 / (ms(t0) / 1000));
      await rm(file, { force: true });
    }
    return median(rates);
  };
  // What the disk itself does: the same bytes written from memory in 4 MiB writes, then fdatasync'ed.
  const disk: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const file = join(root, `disk-${r}.bin`);
    flushPageCache();
    const t0 = performance.now();
    const fh = await open(file, 'w');
    const chunk = base.subarray(0, 4 * 1024 * 1024);
    for (let done = 0; done < count * blobSize; done += chunk.length) await fh.write(chunk);
    await fh.datasync();
    await fh.close();
    disk.push((count * blobSize) / 1e6 / (ms(t0) / 1000));
    await rm(file, { force: true });
  }
  return { synced: await rate(true), cached: await rate(false), disk: median(disk) };
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const root = await mkdtemp(join(tmpdir(), 'ecr-rewind-bench-rewind-'));
  try {
    const reset = await benchReset(root, quick ? 3 : 9);
    console.log(`reset to a mark with 1,000 images (HTTP POST /_rewind/reset): ${reset.toFixed(1)} ms   (target < 50 ms)`);
    const start = await benchStart(root, quick ? 1 : 3);
    console.log(
      `start from a snapshot of 10,000 images (${(start.bytes / 1e6).toFixed(1)} MB file) to first request served (GET /v2/<repo>/tags/list):`,
    );
    console.log(
      `  startEmulator({ fromSnapshot }), blobs extracted in the background:      ${start.fromSnapshot.toFixed(0)} ms   (target < 200 ms)`,
    );
    console.log(`  the same with fsync 'always':                                            ${start.fromSnapshotDurable.toFixed(0)} ms`);
    console.log(`    (every blob verified and extracted, pack deleted, after:              ${start.settled.toFixed(0)} ms)`);
    console.log(`  full restore (every blob hashed, 10,001 files written, no fsync) + start: ${start.restoreAndStart.toFixed(0)} ms`);
    console.log(`  start of an already restored folder (checkpoint load):                   ${start.start.toFixed(0)} ms`);
    const events = quick ? 200_000 : 1_000_000;
    const rate = await benchReplay(root, events, quick ? 1 : 3);
    console.log(
      `replay of ${events.toLocaleString('en-US')} events (CRC-checked, folded by evolve): ${Math.round(rate).toLocaleString('en-US')} events/s   (target >= 1,000,000)`,
    );
    const gib = quick ? 0.25 : 1;
    const snap = await benchSnapshot(root, gib, quick ? 1 : 3);
    console.log(`snapshot of ${gib} GiB of blobs, fsynced before rename: ${Math.round(snap.synced)} MB/s   (target >= 500 MB/s)`);
    console.log(`snapshot of ${gib} GiB of blobs, without the final fsync: ${Math.round(snap.cached)} MB/s`);
    console.log(`  (this disk: ${gib} GiB written from memory and fdatasync'ed: ${Math.round(snap.disk)} MB/s)`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
