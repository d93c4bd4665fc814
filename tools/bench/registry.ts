/**
 * Registry benchmark: one workload against ecr-rewind (journal fsync `always`, its own
 * process) and against Debian's docker-registry (CNCF distribution 2.8), started on
 * loopback in the same run. Prints the median of each figure and the ratio
 * ecr-rewind / docker-registry (for latency: docker-registry / ecr-rewind, so > 1 is faster). The two run side by
 * side and the rounds alternate between them, so a busy machine slows both alike.
 *
 *   large push / pull   16 MiB blobs, 4 concurrent (POST, one PATCH, PUT ?digest=; GET by a lean client, each blob 3 times)
 *   chunked push        64 MiB blobs in 5 MiB PATCHes with Content-Range, 2 concurrent
 *   small push / pull   4 KiB blobs, 16 concurrent (POST, PATCH, PUT ?digest=; GET)
 *   manifest PUT        8 concurrent, distinct manifests by tag
 *   manifest GET / HEAD 16 concurrent, GET by digest, HEAD by tag (what `docker pull` sends first)
 *                       (the manifest rows' requests go through a lean keep-alive client, support/raw-client.ts,
 *                       which spends a fraction of node:http's CPU per request; `--node-client` uses node:http)
 *   tags/list           latency of listing a repository with 10,000 tags
 *   pull through cache  a 64 MiB image pulled through the cache cold and warm vs straight (pull-through.ts)
 *
 * Beside each figure: the server CPU time per unit (from /proc), which a busy machine
 * does not distort the way it distorts throughput, and the bench client's own (this process; on
 * 2 cores what it spends is taken from the server measured). And a calibration row per push workload:
 * the same bodies hashed, written and fdatasync'ed by this process with no HTTP and no
 * journal (support/registry-targets.ts), the machine's own limit for that work, with the
 * share of it ecr-rewind reaches. The client computes each body's digest when it makes the
 * body, before the clock runs: hashing is the server's work, not the client's, and the client's
 * would take CPU from either server on this 2-core machine. The machine's load average is printed with the table, and
 * the figures are written as JSON (support/results.ts; `npm run bench -- compare A B`).
 *
 * Each server first runs one unmeasured warm-up round. `--quick` runs one shorter round;
 * `--rounds N` sets the rounds (default 3). `--pull-through-only` runs the pull through cache's
 * row alone (its rounds: 2 with `--quick`, else 5; `--rounds N` sets them too). `--manifests-only`
 * runs the manifest PUT, GET and HEAD rows alone (no blobs, no tags/list, no pull through cache).
 * `--pushes-only` runs the large and chunked push rows and their calibrations alone.
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { runPullThroughRow } from './pull-through.ts';
import { cpuMs } from './support/proc.ts';
import { largePullClient, pullLarge, rawClient } from './support/raw-client.ts';
import { type Answer, blobOf, call, digestOf, expect, MiB, pool, pushBlob, pushChunked, type Target } from './support/registry-client.ts';
import { calibrate, startDistribution, startEcrRewind } from './support/registry-targets.ts';
import { describeMachine, machineNow, saveResults, type Figure } from './support/results.ts';

/**
 * The large pulls fetch every blob this many times per round: one pass (16 x 16 MiB) lasted ~0.1 s,
 * and its ratio read 1.08-1.83 across 19 runs of the same code.
 */
const LARGE_PULL_PASSES = 3;

const REPOS = ['bench/large', 'bench/chunked', 'bench/small', 'bench/manifests', 'bench/tags'];

interface Sizes {
  largeBlobs: number;
  chunkedBlobs: number;
  smallBlobs: number;
  smallGets: number;
  manifests: number;
  gets: number;
  tags: number;
  listings: number;
  /** Only the manifest rows (`--manifests-only`): no blobs (but a config and a layer), no tags/list. */
  manifestsOnly?: boolean;
  /** The manifest rows on node:http (`--node-client`) instead of the lean client (raw-client.ts). */
  nodeClient?: boolean;
  /** Only the large and chunked push rows and their calibrations (`--pushes-only`). */
  pushesOnly?: boolean;
}

const KEYS = [
  'largePush',
  'largePull',
  'chunkedPush',
  'smallPush',
  'smallPull',
  'manifestPut',
  'manifestGet',
  'manifestHead',
  'tagsList',
] as const;
type Key = (typeof KEYS)[number];
type Figures = Record<Key, number>;
/** Server CPU ms per unit of each workload (per blob, per request, per listing). */
type CpuFigures = Figures;

/** Targets whose bench/tags repository holds its 10,000 tags (set up by their first round). */
const tagged = new WeakSet<Target>();

/** The bodies of one round (the same for both servers and the calibration). */
interface Bodies {
  large: Buffer[];
  chunked: Buffer[];
  small: Buffer[];
}

/** The bodies, with their digests computed now (digestOf), outside the timed pushes. */
function bodiesOf(sizes: Sizes, r: number): Bodies {
  const bodies = {
    large: Array.from({ length: sizes.largeBlobs }, (_, i) => blobOf(16 * MiB, `large-${r}-${i}`)),
    chunked: Array.from({ length: sizes.chunkedBlobs }, (_, i) => blobOf(64 * MiB, `chunked-${r}-${i}`)),
    small: Array.from({ length: sizes.smallBlobs }, (_, i) => blobOf(4096, `small-${r}-${i}`)),
  };
  for (const b of [...bodies.large, ...bodies.chunked, ...bodies.small]) digestOf(b);
  return bodies;
}

/** The bench process's own CPU ms so far (the client side of every row). */
const clientMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * A meter of the target's CPU time, and of the bench client's: `spent(key, units)` charges what
 * each used since the last call.
 */
function cpuMeter(target: Target): { cpu: CpuFigures; client: CpuFigures; reset(): void; spent(key: Key, units: number): void } {
  const cpu = {} as CpuFigures;
  const client = {} as CpuFigures;
  let mark = cpuMs(target.pid);
  let mine = clientMs();
  return {
    cpu,
    client,
    reset: () => {
      mark = cpuMs(target.pid);
      mine = clientMs();
    },
    spent: (key, units) => {
      const now = cpuMs(target.pid);
      const used = clientMs();
      cpu[key] = (now - mark) / units;
      client[key] = (used - mine) / units;
      mark = now;
      mine = used;
    },
  };
}

/** The chunked pushes (64 MiB in 5 MiB PATCHes, 2 at a time); answers seconds. */
const chunkedWork = (target: Target, bodies: Bodies): Promise<number> =>
  pool(bodies.chunked.length, 2, async (i) => {
    await pushChunked(target, 'bench/chunked', bodies.chunked[i]!, 5 * MiB);
  });

async function blobWork(target: Target, sizes: Sizes, bodies: Bodies, meter: ReturnType<typeof cpuMeter>, rate: Partial<Figures>) {
  const largeDigests: string[] = [];
  meter.reset();
  const pushSecs = await pool(bodies.large.length, 4, async (i) => {
    largeDigests[i] = await pushBlob(target, 'bench/large', bodies.large[i]!);
  });
  meter.spent('largePush', bodies.large.length);
  rate.largePush = (bodies.large.length * 16) / pushSecs;
  if (sizes.pushesOnly) {
    meter.reset();
    rate.chunkedPush = (bodies.chunked.length * 64) / (await chunkedWork(target, bodies));
    meter.spent('chunkedPush', bodies.chunked.length);
    return;
  }
  const { secs: pullSecs, bytes: pulled } = await pullLarge(target, 'bench/large', largeDigests, LARGE_PULL_PASSES);
  meter.spent('largePull', largeDigests.length * LARGE_PULL_PASSES);
  if (pulled !== sizes.largeBlobs * 16 * MiB * LARGE_PULL_PASSES) throw new Error(`short pull: ${pulled} bytes`);
  const chunkedSecs = await chunkedWork(target, bodies);
  meter.spent('chunkedPush', bodies.chunked.length);
  const smallDigests: string[] = [];
  const smallSecs = await pool(bodies.small.length, 16, async (i) => {
    smallDigests[i] = await pushBlob(target, 'bench/small', bodies.small[i]!);
  });
  meter.spent('smallPush', bodies.small.length);
  const smallPullSecs = await pool(sizes.smallGets, 16, async (i) => {
    const got = expect(await call(target, 'GET', `/v2/bench/small/blobs/${smallDigests[i % smallDigests.length]}`), 200, 'GET blob');
    if (got.bytes !== 4096) throw new Error(`small pull: ${got.bytes} bytes`);
  });
  meter.spent('smallPull', sizes.smallGets);
  rate.largePull = (bodies.large.length * 16 * LARGE_PULL_PASSES) / pullSecs;
  rate.chunkedPush = (bodies.chunked.length * 64) / chunkedSecs;
  rate.smallPush = bodies.small.length / smallSecs;
  rate.smallPull = sizes.smallGets / smallPullSecs;
}

async function manifestWork(target: Target, sizes: Sizes, r: number, meter: ReturnType<typeof cpuMeter>, rate: Partial<Figures>) {
  // the timed requests go through the lean client (raw-client.ts), or node:http with --node-client
  const raw = sizes.nodeClient ? undefined : rawClient(target);
  const send = (method: string, path: string, body?: Buffer, headers?: Record<string, string>): Promise<Answer> =>
    raw ? raw.call(method, path, body, headers) : call(target, method, path, body, headers);
  try {
    await timedManifests(target, sizes, r, meter, rate, send);
  } finally {
    raw?.close();
  }
}

type Send = (method: string, path: string, body?: Buffer, headers?: Record<string, string>) => Promise<Answer>;

async function timedManifests(
  target: Target,
  sizes: Sizes,
  r: number,
  meter: ReturnType<typeof cpuMeter>,
  rate: Partial<Figures>,
  send: Send,
) {
  // one config and layer, many distinct manifests (an annotation differs), by tag
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, r }));
  const layer = blobOf(1024, `layer-${r}`);
  const configDigest = await pushBlob(target, 'bench/manifests', config);
  const layerDigest = await pushBlob(target, 'bench/manifests', layer);
  const manifestOf = (i: number): Buffer =>
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length }],
        annotations: { 'bench.round': String(r), 'bench.i': String(i) },
      }),
    );
  const manifestHeaders = { 'content-type': 'application/vnd.oci.image.manifest.v1+json' };
  const digests: string[] = [];
  meter.reset();
  const putSecs = await pool(sizes.manifests, 8, async (i) => {
    const a = expect(await send('PUT', `/v2/bench/manifests/manifests/r${r}-${i}`, manifestOf(i), manifestHeaders), 201, 'PUT');
    digests[i] = String(a.headers['docker-content-digest']);
  });
  meter.spent('manifestPut', sizes.manifests);
  const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
  const getSecs = await pool(sizes.gets, 16, async (i) => {
    expect(await send('GET', `/v2/bench/manifests/manifests/${digests[i % sizes.manifests]}`, undefined, accept), 200, 'GET');
  });
  meter.spent('manifestGet', sizes.gets);
  const headSecs = await pool(sizes.gets, 16, async (i) => {
    expect(await send('HEAD', `/v2/bench/manifests/manifests/r${r}-${i % sizes.manifests}`, undefined, accept), 200, 'HEAD');
  });
  meter.spent('manifestHead', sizes.gets);
  rate.manifestPut = sizes.manifests / putSecs;
  rate.manifestGet = sizes.gets / getSecs;
  rate.manifestHead = sizes.gets / headSecs;
  if (!sizes.manifestsOnly && !tagged.has(target)) {
    // tags/list over 10,000 tags (set up once, in the first round)
    tagged.add(target);
    await pushBlob(target, 'bench/tags', config);
    await pushBlob(target, 'bench/tags', layer);
    // 100 manifests with 100 tags each (ECR allows 1,000 tags per image)
    const manifests = Array.from({ length: 100 }, (_, k) => manifestOf(-1 - k));
    await pool(sizes.tags, 16, async (i) => {
      const path = `/v2/bench/tags/manifests/tag-${String(i).padStart(5, '0')}`;
      expect(await call(target, 'PUT', path, manifests[i % 100], manifestHeaders), 201, 'PUT tag');
    });
  }
}

const MANIFEST_KEYS: readonly Key[] = ['manifestPut', 'manifestGet', 'manifestHead'];
const PUSH_KEYS: readonly Key[] = ['largePush', 'chunkedPush'];

/** The rows a run measures (`--manifests-only`, `--pushes-only`: some of them). */
const measured = (sizes: Pick<Sizes, 'manifestsOnly' | 'pushesOnly'>, key: Key): boolean =>
  sizes.manifestsOnly ? MANIFEST_KEYS.includes(key) : sizes.pushesOnly ? PUSH_KEYS.includes(key) : true;

interface RoundFigures {
  rate: Figures;
  cpu: CpuFigures;
  /** The bench client's CPU ms per unit. */
  client: CpuFigures;
}

async function round(target: Target, sizes: Sizes, r: number, bodies: Bodies): Promise<RoundFigures> {
  const meter = cpuMeter(target);
  const rate: Partial<Figures> = {};
  if (sizes.manifestsOnly) {
    await manifestWork(target, sizes, r, meter, rate);
    for (const k of KEYS) if (!MANIFEST_KEYS.includes(k)) rate[k] = meter.cpu[k] = meter.client[k] = Number.NaN;
    return { rate: rate as Figures, cpu: meter.cpu, client: meter.client };
  }
  await blobWork(target, sizes, bodies, meter, rate);
  if (sizes.pushesOnly) {
    for (const k of KEYS) if (!PUSH_KEYS.includes(k)) rate[k] = meter.cpu[k] = meter.client[k] = Number.NaN;
    return { rate: rate as Figures, cpu: meter.cpu, client: meter.client };
  }
  await manifestWork(target, sizes, r, meter, rate);
  const latencies: number[] = [];
  meter.reset();
  for (let i = 0; i < sizes.listings; i++) {
    const t0 = performance.now();
    const a = expect(await call(target, 'GET', '/v2/bench/tags/tags/list', undefined, {}, true), 200, 'tags/list');
    latencies.push(performance.now() - t0);
    if (i === 0 && (JSON.parse(a.body?.toString() ?? '{}') as { tags?: string[] }).tags?.length !== sizes.tags)
      throw new Error(`${target.name}: tags/list did not return ${sizes.tags} tags`);
  }
  meter.spent('tagsList', sizes.listings);
  rate.tagsList = median(latencies);
  return { rate: rate as Figures, cpu: meter.cpu, client: meter.client };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

interface Compared {
  ours: Figures;
  theirs: Figures;
  ratios: Figures;
  oursCpu: CpuFigures;
  theirsCpu: CpuFigures;
  /** The bench client's CPU per unit while it drove ecr-rewind, and docker-registry. */
  oursClient: CpuFigures;
  theirsClient: CpuFigures;
  /** The machine's limit (MiB/s) for the large and the chunked pushes' bodies, and its CPU ms per body. */
  calibration: { large: number; chunked: number; largeCpu: number; chunkedCpu: number };
}

const fold = (rows: Figures[], f: (row: Figures, i: number, k: Key) => number): Figures =>
  Object.fromEntries(KEYS.map((k) => [k, median(rows.map((row, i) => f(row, i, k)))])) as Figures;

/**
 * Writes back every dirty page on the machine (`sync`), untimed. docker-registry does not fsync:
 * its pushes leave hundreds of MiB for the kernel to write back while whatever runs next waits on
 * the disk, so a server that fdatasyncs (ecr-rewind, the calibration) would pay for the writeback
 * of the other's pushes in the rounds where it comes second. Each target's turn and each
 * calibration starts on a disk with nothing left to write back.
 */
const settleDisk = (): void => {
  execFileSync('sync');
};

/**
 * Both registries run side by side; each round runs the workload on one then the other
 * (alternating which goes first), then the calibration, so a busy machine slows all alike.
 * Reported: the median of each figure and the median of the per-round ratios.
 */
async function compare(sizes: Sizes, rounds: number): Promise<Compared> {
  const ours = await startEcrRewind(REPOS);
  const theirs = await startDistribution().catch(async (err: unknown) => {
    await ours.stop();
    throw err;
  });
  try {
    const a: Figures[] = [];
    const b: Figures[] = [];
    const ac: CpuFigures[] = [];
    const bc: CpuFigures[] = [];
    const al: CpuFigures[] = [];
    const bl: CpuFigures[] = [];
    const cal = { large: [] as number[], chunked: [] as number[], largeCpu: [] as number[], chunkedCpu: [] as number[] };
    // One unmeasured round each first: V8 needs a few thousand requests to optimise the
    // upload path, and a benchmark compares servers in their steady state.
    const warm = bodiesOf(sizes, -1);
    await round(ours, sizes, -1, warm);
    await round(theirs, sizes, -1, warm);
    for (let r = 0; r < rounds; r++) {
      const bodies = bodiesOf(sizes, r);
      const one = async (target: Target, rates: Figures[], cpus: CpuFigures[], clients: CpuFigures[]): Promise<void> => {
        settleDisk();
        const { rate, cpu, client } = await round(target, sizes, r, bodies);
        rates.push(rate);
        cpus.push(cpu);
        clients.push(client);
      };
      if (r % 2 === 0) {
        await one(ours, a, ac, al);
        await one(theirs, b, bc, bl);
      } else {
        await one(theirs, b, bc, bl);
        await one(ours, a, ac, al);
      }
      if (sizes.manifestsOnly) continue;
      settleDisk();
      cal.large.push(await calibrate(bodies.large, 4, cal.largeCpu));
      settleDisk();
      cal.chunked.push(await calibrate(bodies.chunked, 2, cal.chunkedCpu));
    }
    return {
      oursCpu: fold(ac, (row, _i, k) => row[k]),
      theirsCpu: fold(bc, (row, _i, k) => row[k]),
      oursClient: fold(al, (row, _i, k) => row[k]),
      theirsClient: fold(bl, (row, _i, k) => row[k]),
      ours: fold(a, (row, _i, k) => row[k]),
      theirs: fold(b, (row, _i, k) => row[k]),
      // Latency: lower is better, so the ratio is theirs / ours there.
      ratios: fold(a, (row, i, k) => (k === 'tagsList' ? b[i]![k] / row[k] : row[k] / b[i]![k])),
      calibration: {
        large: median(cal.large),
        chunked: median(cal.chunked),
        largeCpu: median(cal.largeCpu),
        chunkedCpu: median(cal.chunkedCpu),
      },
    };
  } finally {
    await ours.stop();
    await theirs.stop();
  }
}

const ROWS: [string, Key, string, number][] = [
  ['large blob push (16 MiB, 4 conc.)', 'largePush', 'MiB/s', 1.5],
  ['large blob pull (16 MiB, 4 conc.)', 'largePull', 'MiB/s', 1.4],
  ['chunked push (64 MiB in 5 MiB PATCHes, 2 conc.)', 'chunkedPush', 'MiB/s', 1.5],
  ['small blob push (4 KiB, 16 conc.)', 'smallPush', 'blobs/s', 3],
  ['small blob pull (4 KiB, 16 conc.)', 'smallPull', 'blobs/s', 5],
  ['manifest PUT (8 conc.)', 'manifestPut', 'req/s', 10],
  ['manifest GET by digest (16 conc.)', 'manifestGet', 'req/s', 10],
  ['manifest HEAD by tag (16 conc.)', 'manifestHead', 'req/s', 10],
  ['tags/list, 10,000 tags', 'tagsList', 'ms', 5],
];

function printTable(c: Compared, rounds: number, sizes: Sizes): void {
  const manifestsOnly = sizes.manifestsOnly === true;
  console.log(
    `rounds: ${rounds} (medians; ratio = median of the per-round ratios, > 1 means ecr-rewind is faster); large pulls by ${largePullClient}`,
  );
  console.log(
    '| workload | ecr-rewind | docker-registry | ratio | target | server CPU ms/unit (ours / theirs) | bench client CPU ms/unit (with ours / theirs) |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [label, key, unit, target] of ROWS) {
    if (!measured(sizes, key)) continue;
    const ratio = c.ratios[key];
    const fmt = (v: number): string => `${v.toFixed(v < 10 ? 2 : 0)} ${unit}`;
    const cpu = `${c.oursCpu[key].toFixed(2)} / ${c.theirsCpu[key].toFixed(2)}`;
    const client = `${c.oursClient[key].toFixed(2)} / ${c.theirsClient[key].toFixed(2)}`;
    console.log(
      `| ${label} | ${fmt(c.ours[key])} | ${fmt(c.theirs[key])} | ${ratio.toFixed(2)}x | ${ratio >= target ? 'ok' : 'MISS'} >= ${target}x | ${cpu} | ${client} |`,
    );
  }
  if (manifestsOnly) return;
  const share = (ours: number, limit: number): string => `${(ours / limit).toFixed(2)} of it (target >= 0.8)`;
  console.log(
    `calibration, large push bodies hashed + written + fdatasync'ed (and the folder fsync'ed), 4 conc., no HTTP or journal: ${c.calibration.large.toFixed(0)} MiB/s (${c.calibration.largeCpu.toFixed(1)} ms CPU per body); ecr-rewind reaches ${share(c.ours.largePush, c.calibration.large)}`,
  );
  console.log(
    `calibration, chunked push bodies, 2 conc.: ${c.calibration.chunked.toFixed(0)} MiB/s (${c.calibration.chunkedCpu.toFixed(1)} ms CPU per body); ecr-rewind reaches ${share(c.ours.chunkedPush, c.calibration.chunked)}`,
  );
}

function figuresOf(c: Compared, sizes: Sizes): Figure[] {
  const manifestsOnly = sizes.manifestsOnly === true;
  const out: Figure[] = [];
  for (const [label, key, unit] of ROWS) {
    if (!measured(sizes, key)) continue;
    const better = key === 'tagsList' ? 'lower' : 'higher';
    out.push({ key: `${key}.ours`, label: `${label}, ecr-rewind`, unit, value: c.ours[key], better });
    out.push({ key: `${key}.theirs`, label: `${label}, docker-registry`, unit, value: c.theirs[key], better });
    out.push({ key: `${key}.ratio`, label: `${label}, ratio`, unit: 'x', value: c.ratios[key], better: 'higher' });
    out.push({ key: `${key}.cpu`, label: `${label}, ecr-rewind server CPU per unit`, unit: 'ms', value: c.oursCpu[key], better: 'lower' });
    out.push({
      key: `${key}.clientCpu`,
      label: `${label}, bench client CPU per unit (with ecr-rewind)`,
      unit: 'ms',
      value: c.oursClient[key],
      better: 'lower',
    });
    out.push({
      key: `${key}.theirsCpu`,
      label: `${label}, docker-registry server CPU per unit`,
      unit: 'ms',
      value: c.theirsCpu[key],
      better: 'lower',
    });
  }
  if (manifestsOnly) return out;
  out.push({
    key: 'calibration.large',
    label: 'calibration, large push bodies',
    unit: 'MiB/s',
    value: c.calibration.large,
    better: 'higher',
  });
  out.push({
    key: 'calibration.chunked',
    label: 'calibration, chunked push bodies',
    unit: 'MiB/s',
    value: c.calibration.chunked,
    better: 'higher',
  });
  out.push({
    key: 'calibration.largeCpu',
    label: 'calibration, large push bodies, CPU per body',
    unit: 'ms',
    value: c.calibration.largeCpu,
    better: 'lower',
  });
  out.push({
    key: 'calibration.chunkedCpu',
    label: 'calibration, chunked push bodies, CPU per body',
    unit: 'ms',
    value: c.calibration.chunkedCpu,
    better: 'lower',
  });
  out.push({
    key: 'largePush.share',
    label: 'large push, share of the calibration',
    unit: 'x',
    value: c.ours.largePush / c.calibration.large,
    better: 'higher',
  });
  out.push({
    key: 'chunkedPush.share',
    label: 'chunked push, share of the calibration',
    unit: 'x',
    value: c.ours.chunkedPush / c.calibration.chunked,
    better: 'higher',
  });
  return out;
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const roundsArg = args.indexOf('--rounds');
  const rounds = roundsArg >= 0 ? Number(args[roundsArg + 1]) : quick ? 1 : 3;
  const sizes: Sizes = quick
    ? { largeBlobs: 8, chunkedBlobs: 2, smallBlobs: 400, smallGets: 4000, manifests: 1000, gets: 4000, tags: 10_000, listings: 10 }
    : { largeBlobs: 16, chunkedBlobs: 4, smallBlobs: 800, smallGets: 8000, manifests: 2000, gets: 10_000, tags: 10_000, listings: 20 };
  const manifestsOnly = args.includes('--manifests-only');
  sizes.nodeClient = args.includes('--node-client');
  sizes.pushesOnly = args.includes('--pushes-only');
  if (manifestsOnly) Object.assign(sizes, { largeBlobs: 0, chunkedBlobs: 0, smallBlobs: 0, manifestsOnly });
  const machine = machineNow();
  console.log(describeMachine(machine));
  if (args.includes('--pull-through-only')) {
    await runPullThroughRow(roundsArg >= 0 ? rounds : quick ? 2 : 5);
    return;
  }
  const compared = await compare(sizes, rounds);
  printTable(compared, rounds, sizes);
  if (!manifestsOnly && !sizes.pushesOnly) await runPullThroughRow(quick ? 2 : 5);
  saveResults('registry', args, machine, figuresOf(compared, sizes));
}
