/**
 * Registry benchmark: one workload against ecr-rewind (journal fsync `always`, its own
 * process) and against Debian's docker-registry (CNCF distribution 2.8), started on
 * loopback in the same run. Prints the median of each figure and the ratio
 * ecr-rewind / docker-registry (for latency: docker-registry / ecr-rewind, so > 1 is faster). The two run side by
 * side and the rounds alternate between them, so a busy machine slows both alike.
 *
 *   large push / pull   16 MiB blobs, 4 concurrent (POST, one PATCH, PUT ?digest=; GET by curl, see pullLarge)
 *   small push          4 KiB blobs, 16 concurrent (POST, PATCH, PUT ?digest=)
 *   manifest PUT / GET / HEAD   16 concurrent, distinct manifests by tag
 *   tags/list           latency of listing a repository with 10,000 tags
 *   pull through cache  a 64 MiB image pulled through the cache cold and warm vs straight (pull-through.ts)
 *
 * Beside each figure: the server CPU time per unit (from /proc), which a busy machine
 * does not distort the way it distorts throughput.
 *
 * Each server first runs one unmeasured warm-up round. `--quick` runs one shorter round;
 * `--rounds N` sets the rounds (default 3).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startReferenceRegistry } from '../../src/testkit/reference-registry.ts';
import { runPullThroughRow } from './pull-through.ts';

const MiB = 1024 * 1024;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REPOS = ['bench/large', 'bench/small', 'bench/manifests', 'bench/tags'];

interface Sizes {
  largeBlobs: number;
  smallBlobs: number;
  manifests: number;
  gets: number;
  tags: number;
  listings: number;
}

interface Target {
  name: string;
  /** The server's process id: its CPU time is read from /proc. */
  pid: number;
  url: URL;
  agent: Agent;
  stop(): Promise<void>;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
  body?: Buffer;
}

/** One HTTP exchange on a keep-alive agent; the answer body is counted, and kept when asked. */
function call(
  target: Target,
  method: string,
  path: string,
  body?: Buffer,
  headers: Record<string, string> = {},
  keep = false,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, target.url),
      { method, agent: target.agent, headers: { ...headers, 'content-length': String(body?.length ?? 0) } },
      (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (keep) chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, ...(keep ? { body: Buffer.concat(chunks) } : {}) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function expect(a: Answer, status: number, what: string): Answer {
  if (a.status !== status)
    throw new Error(`${what}: expected ${status}, got ${a.status}${a.body ? `: ${a.body.toString().slice(0, 200)}` : ''}`);
  return a;
}

/** CPU time (user + system, ms) the process has used, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Runs `count` jobs on `concurrency` workers; each worker takes the next index after its await. */
async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) await job(i);
    }),
  );
  return (performance.now() - t0) / 1000;
}

async function pushBlob(target: Target, repo: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const post = expect(await call(target, 'POST', `/v2/${repo}/blobs/uploads/`, undefined, {}, true), 202, 'POST upload');
  const location = String(post.headers.location);
  const patch = expect(
    await call(
      target,
      'PATCH',
      location,
      bytes,
      { 'content-type': 'application/octet-stream', 'content-range': `0-${bytes.length - 1}` },
      true,
    ),
    202,
    'PATCH',
  );
  const next = new URL(String(patch.headers.location), target.url);
  next.searchParams.set('digest', digest);
  expect(await call(target, 'PUT', next.pathname + next.search, undefined, {}, true), 201, 'PUT upload');
  return digest;
}

/**
 * Large pulls run through curl (4 processes, each fetching its share of the blobs in turn
 * on one keep-alive connection): at ~700 MB/s a Node client saturates its core before either
 * server does (with it both measured alike, about 1.0x, while ecr-rewind used a third less
 * CPU per blob), and a registry is pulled from by clients written in Go or C anyway. Without
 * curl, the bench's Node client does it (and says so).
 */
const curl = existsSync('/usr/bin/curl') ? '/usr/bin/curl' : undefined;
export const largePullClient = curl ? 'curl, 4 processes' : 'node:http, 4 concurrent (no curl here)';

async function pullLarge(target: Target, digests: string[]): Promise<{ secs: number; bytes: number }> {
  if (!curl) {
    let bytes = 0;
    const secs = await pool(digests.length, 4, async (i) => {
      const got = expect(await call(target, 'GET', `/v2/bench/large/blobs/${digests[i]}`), 200, 'GET blob');
      bytes += got.bytes; // after the await: `x += await f()` would lose concurrent updates
    });
    return { secs, bytes };
  }
  const shares = [0, 1, 2, 3].map((k) => digests.filter((_, i) => i % 4 === k));
  const t0 = performance.now();
  const sizes = await Promise.all(
    shares.map(
      (share) =>
        new Promise<number>((resolve, reject) => {
          const args = ['--silent', '--show-error', '--fail'];
          for (const d of share)
            args.push('-o', '/dev/null', '-w', '%{size_download}\\n', new URL(`/v2/bench/large/blobs/${d}`, target.url).href);
          const child = spawn(curl, args, { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (c: Buffer) => (out += c.toString()));
          child.once('error', reject);
          child.once('exit', (code) =>
            code === 0
              ? resolve(out.split('\n').reduce((sum, line) => sum + (Number(line) || 0), 0))
              : reject(new Error(`curl exited with ${code}`)),
          );
        }),
    ),
  );
  return { secs: (performance.now() - t0) / 1000, bytes: sizes.reduce((a, b) => a + b, 0) };
}

function blobOf(size: number, tag: string): Buffer {
  const b = Buffer.alloc(size, 0x5a);
  b.write(`${tag}:${performance.now()}:${Math.random()}`);
  return b;
}

interface Figures {
  largePush: number;
  largePull: number;
  smallPush: number;
  manifestPut: number;
  manifestGet: number;
  manifestHead: number;
  tagsList: number;
}

/** Server CPU ms per unit of each workload (per 16 MiB blob, per small blob, per request, per listing). */
type CpuFigures = Figures;

/** Targets whose bench/tags repository holds its 10,000 tags (set up by their first round). */
const tagged = new WeakSet<Target>();

async function round(target: Target, sizes: Sizes, r: number): Promise<{ rate: Figures; cpu: CpuFigures }> {
  const cpu = {} as CpuFigures;
  let mark = cpuMs(target.pid);
  const spent = (key: keyof Figures, units: number): void => {
    const now = cpuMs(target.pid);
    cpu[key] = (now - mark) / units;
    mark = now;
  };
  // Large blobs: 16 MiB, 4 concurrent.
  const large = Array.from({ length: sizes.largeBlobs }, (_, i) => blobOf(16 * MiB, `large-${r}-${i}`));
  const largeDigests: string[] = [];
  mark = cpuMs(target.pid);
  const pushSecs = await pool(large.length, 4, async (i) => {
    largeDigests[i] = await pushBlob(target, 'bench/large', large[i] as Buffer);
  });
  spent('largePush', large.length);
  const { secs: pullSecs, bytes: pulled } = await pullLarge(target, largeDigests);
  spent('largePull', largeDigests.length);
  if (pulled !== sizes.largeBlobs * 16 * MiB) throw new Error(`short pull: ${pulled} bytes`);

  // Small blobs: 4 KiB, 16 concurrent.
  const small = Array.from({ length: sizes.smallBlobs }, (_, i) => blobOf(4096, `small-${r}-${i}`));
  mark = cpuMs(target.pid);
  const smallSecs = await pool(small.length, 16, async (i) => {
    await pushBlob(target, 'bench/small', small[i] as Buffer);
  });
  spent('smallPush', small.length);

  // Manifests: one config and layer, many distinct manifests (an annotation differs), by tag.
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
  mark = cpuMs(target.pid);
  const putSecs = await pool(sizes.manifests, 16, async (i) => {
    expect(await call(target, 'PUT', `/v2/bench/manifests/manifests/r${r}-${i}`, manifestOf(i), manifestHeaders), 201, 'PUT manifest');
  });
  spent('manifestPut', sizes.manifests);
  const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
  const getSecs = await pool(sizes.gets, 16, async (i) => {
    expect(await call(target, 'GET', `/v2/bench/manifests/manifests/r${r}-${i % sizes.manifests}`, undefined, accept), 200, 'GET manifest');
  });
  spent('manifestGet', sizes.gets);
  const headSecs = await pool(sizes.gets, 16, async (i) => {
    expect(
      await call(target, 'HEAD', `/v2/bench/manifests/manifests/r${r}-${i % sizes.manifests}`, undefined, accept),
      200,
      'HEAD manifest',
    );
  });

  spent('manifestHead', sizes.gets);
  // tags/list over 10,000 tags (set up once, in the first round).
  if (!tagged.has(target)) {
    tagged.add(target);
    const m = manifestOf(-1);
    const tagRepoConfig = await pushBlob(target, 'bench/tags', config);
    const tagRepoLayer = await pushBlob(target, 'bench/tags', layer);
    void tagRepoConfig;
    void tagRepoLayer;
    await pool(sizes.tags, 16, async (i) => {
      expect(await call(target, 'PUT', `/v2/bench/tags/manifests/tag-${String(i).padStart(5, '0')}`, m, manifestHeaders), 201, 'PUT tag');
    });
  }
  const latencies: number[] = [];
  mark = cpuMs(target.pid);
  for (let i = 0; i < sizes.listings; i++) {
    const t0 = performance.now();
    const a = expect(await call(target, 'GET', '/v2/bench/tags/tags/list', undefined, {}, true), 200, 'tags/list');
    latencies.push(performance.now() - t0);
    if (i === 0 && (JSON.parse(a.body?.toString() ?? '{}') as { tags?: string[] }).tags?.length !== sizes.tags)
      throw new Error(`${target.name}: tags/list did not return ${sizes.tags} tags`);
  }

  spent('tagsList', sizes.listings);
  const mb = (n: number, secs: number): number => (n * 16) / secs;
  const rate = {
    largePush: mb(sizes.largeBlobs, pushSecs),
    largePull: mb(sizes.largeBlobs, pullSecs),
    smallPush: sizes.smallBlobs / smallSecs,
    manifestPut: sizes.manifests / putSecs,
    manifestGet: sizes.gets / getSecs,
    manifestHead: sizes.gets / headSecs,
    tagsList: median(latencies),
  };
  return { rate, cpu };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** ecr-rewind in a child process of its own (fsync always), with the bench repositories created. */
async function startEcrRewind(): Promise<Target> {
  const script = `
    const { startEmulator } = await import(${JSON.stringify(join(ROOT, 'src', 'emulator.ts'))});
    const emu = await startEmulator({ port: 0, fsync: 'always', auth: 'none', logger: false });
    const scope = { account: emu.config.account, region: emu.config.region };
    for (const repository of ${JSON.stringify(REPOS)})
      await emu.engine.execute({ type: 'CreateRepository', scope, repository, settings: {} });
    process.on('SIGTERM', () => emu.stop().then(() => process.exit(0)));
    process.stdout.write('READY ' + emu.port + '\\n');
  `;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`ecr-rewind exited with ${code} before it was ready`)));
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  return {
    name: 'ecr-rewind',
    pid: child.pid ?? -1,
    url: new URL(`http://127.0.0.1:${port}`),
    agent,
    stop: async () => {
      agent.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function startDistribution(): Promise<Target> {
  const registry = await startReferenceRegistry();
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  return {
    name: 'docker-registry',
    pid: registry.pid,
    url: new URL(registry.url),
    agent,
    stop: async () => {
      agent.destroy();
      await registry.stop();
    },
  };
}

/**
 * Both registries run side by side; each round runs the workload on one then the other
 * (alternating which goes first), so a busy machine slows both alike. Reported: the
 * median of each figure and the median of the per-round ratios.
 */
async function compare(
  sizes: Sizes,
  rounds: number,
): Promise<{ ours: Figures; theirs: Figures; ratios: Figures; oursCpu: CpuFigures; theirsCpu: CpuFigures }> {
  const ours = await startEcrRewind();
  const theirs = await startDistribution().catch(async (err: unknown) => {
    await ours.stop();
    throw err;
  });
  try {
    const a: Figures[] = [];
    const b: Figures[] = [];
    const ac: CpuFigures[] = [];
    const bc: CpuFigures[] = [];
    const one = async (target: Target, rates: Figures[], cpus: CpuFigures[], r: number): Promise<void> => {
      const { rate, cpu } = await round(target, sizes, r);
      rates.push(rate);
      cpus.push(cpu);
    };
    // One unmeasured round each first: V8 needs a few thousand requests to optimise the
    // upload path (a cold first round of small pushes costs ecr-rewind ~3.4 ms of CPU per blob,
    // a warm one ~1.8 ms), and a benchmark compares servers in their steady state.
    await round(ours, sizes, -1);
    await round(theirs, sizes, -1);
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        await one(ours, a, ac, r);
        await one(theirs, b, bc, r);
      } else {
        await one(theirs, b, bc, r);
        await one(ours, a, ac, r);
      }
    }
    const keys = Object.keys(a[0] as Figures) as (keyof Figures)[];
    const fold = (f: (i: number, k: keyof Figures) => number): Figures =>
      Object.fromEntries(keys.map((k) => [k, median(a.map((_, i) => f(i, k)))])) as unknown as Figures;
    return {
      oursCpu: fold((i, k) => (ac[i] as Figures)[k]),
      theirsCpu: fold((i, k) => (bc[i] as Figures)[k]),
      ours: fold((i, k) => (a[i] as Figures)[k]),
      theirs: fold((i, k) => (b[i] as Figures)[k]),
      // Latency: lower is better, so the ratio is theirs / ours there.
      ratios: fold((i, k) =>
        k === 'tagsList' ? (b[i] as Figures)[k] / (a[i] as Figures)[k] : (a[i] as Figures)[k] / (b[i] as Figures)[k],
      ),
    };
  } finally {
    await ours.stop();
    await theirs.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const roundsArg = args.indexOf('--rounds');
  const rounds = roundsArg >= 0 ? Number(args[roundsArg + 1]) : quick ? 1 : 3;
  const sizes: Sizes = quick
    ? { largeBlobs: 8, smallBlobs: 400, manifests: 1000, gets: 4000, tags: 10_000, listings: 10 }
    : { largeBlobs: 16, smallBlobs: 800, manifests: 2000, gets: 10_000, tags: 10_000, listings: 20 };

  const { ours, theirs, ratios, oursCpu, theirsCpu } = await compare(sizes, rounds);

  const rows: [string, keyof Figures, string, number][] = [
    ['large blob push (16 MiB, 4 conc.)', 'largePush', 'MB/s', 1],
    ['large blob pull (16 MiB, 4 conc.)', 'largePull', 'MB/s', 1],
    ['small blob push (4 KiB, 16 conc.)', 'smallPush', 'blobs/s', 3],
    ['manifest PUT (16 conc.)', 'manifestPut', 'req/s', 5],
    ['manifest GET (16 conc.)', 'manifestGet', 'req/s', 5],
    ['manifest HEAD (16 conc.)', 'manifestHead', 'req/s', 5],
    ['tags/list, 10,000 tags', 'tagsList', 'ms', 5],
  ];
  console.log(
    `rounds: ${rounds} (medians; ratio = median of the per-round ratios, > 1 means ecr-rewind is faster); large pulls by ${largePullClient}`,
  );
  console.log('| workload | ecr-rewind | docker-registry | ratio | target | server CPU ms/unit (ours / theirs) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [label, key, unit, target] of rows) {
    const ratio = ratios[key];
    const fmt = (v: number): string => `${v.toFixed(v < 10 ? 2 : 0)} ${unit}`;
    const cpu = `${oursCpu[key].toFixed(2)} / ${theirsCpu[key].toFixed(2)}`;
    console.log(
      `| ${label} | ${fmt(ours[key])} | ${fmt(theirs[key])} | ${ratio.toFixed(2)}x | ${ratio >= target ? 'ok' : 'MISS'} >= ${target}x | ${cpu} |`,
    );
  }
  await runPullThroughRow(quick ? 2 : 5);
}
