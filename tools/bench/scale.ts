/**
 * Scale benchmark (`npm run bench -- scale [--quick] [--sizes 1000,10000,100000] [--samples N]`):
 * how the emulator's costs grow with the registry. For registries of 1,000, 10,000 and 100,000
 * images (tools/bench/support/scale-registry.ts: 100 repositories, 10 tags and 3 layers an image,
 * an index per 10 images), it reports
 *
 *   journal      events, size on disk, bytes per image
 *   replay       every event read (CRC-checked) and folded by evolve, events/s
 *   checkpoint   size, time to write
 *   start        a server process started on the folder (its checkpoint, then the tail) to the
 *                first request answered; its resident memory after a full GC (bytes per image)
 *   queries      p50 / p99 latency over HTTP, one request at a time, and the server's CPU per
 *                request: DescribeImages (first page, deep page), ListImages (first, deep),
 *                /v2/_catalog?n=100, tags/list?n=100 (first, deep), manifest GET by tag,
 *                POST /_rewind/reset to a mark
 *   state --at   `ecr-rewind state` at the middle of the journal (this process)
 *
 * then a growth table (each figure at the largest size over the smallest: flat is 1.0).
 * `--quick`: 1,000 and 10,000 images, fewer samples. Results are written as JSON
 * (support/results.ts): `npm run bench -- compare A B` compares two commits.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { stateTool } from '../../src/cli/commands/state.ts';
import { saveCheckpoint } from '../../src/projections/checkpoint.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { replay } from '../../src/replay/replay.ts';
import { describeMachine, machineNow, saveResults, type Figure } from './support/results.ts';
import { buildScaleRegistry, MARK, repoName, SCALE_REPOS, tagName, TAGS_PER_IMAGE } from './support/scale-registry.ts';
import { cpuMs } from './support/proc.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGET = 'AmazonEC2ContainerRegistry_V20150921.';
/** A SigV4 header as an SDK sends it (ecr-rewind parses it, and checks no signature). */
const AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=000000000000/20260101/us-east-1/ecr/aws4_request, SignedHeaders=host;x-amz-date, Signature=00';

interface Server {
  pid: number;
  port: number;
  agent: Agent;
  boot: { loadMs: number; startMs: number; rss: number; heapUsed: number; external: number; arrayBuffers: number };
  stop(): Promise<void>;
}

async function startServer(dir: string): Promise<Server> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'tools/bench/support/scale-server.ts'), dir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const boot = await new Promise<Server['boot'] & { port: number }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /READY (\{.*\})\n/.exec(out);
      if (m) resolve(JSON.parse(m[1]!) as Server['boot'] & { port: number });
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before it was ready`)));
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return {
    pid: child.pid!,
    port: boot.port,
    agent,
    boot,
    stop: async () => {
      agent.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface Answer {
  status: number;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

function call(server: Server, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        agent: server.agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body ?? '') },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function ecr(server: Server, operation: string, input: object): Promise<Record<string, unknown>> {
  const a = await call(server, 'POST', '/', JSON.stringify(input), {
    'x-amz-target': TARGET + operation,
    'content-type': 'application/x-amz-json-1.1',
    authorization: AUTHORIZATION,
  });
  if (a.status !== 200) throw new Error(`${operation}: ${a.status} ${a.body.toString().slice(0, 200)}`);
  return JSON.parse(a.body.toString()) as Record<string, unknown>;
}

async function get(server: Server, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const a = await call(server, 'GET', path, undefined, headers);
  if (a.status !== 200) throw new Error(`GET ${path}: ${a.status} ${a.body.toString().slice(0, 200)}`);
  return a;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

interface Timing {
  p50: number;
  p99: number;
  /** Server CPU per request (ms), from /proc. */
  cpu: number;
}

/** `samples` runs of `once`, one at a time, after a few unmeasured ones. */
async function timed(server: Server, samples: number, once: (i: number) => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < Math.min(20, samples); i++) await once(i);
  const times: number[] = [];
  const c0 = cpuMs(server.pid);
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await once(i);
    times.push(performance.now() - t0);
  }
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), cpu: (cpuMs(server.pid) - c0) / samples };
}

/** The nextToken of the last page of a paged ECR listing (walked once, not timed). */
async function lastToken(server: Server, operation: string, input: object): Promise<string | undefined> {
  let token: string | undefined;
  let last: string | undefined;
  do {
    const out = await ecr(server, operation, { ...input, ...(token ? { nextToken: token } : {}) });
    last = token;
    token = out.nextToken as string | undefined;
  } while (token !== undefined);
  return last;
}

type QueryName =
  | 'describeFirst'
  | 'describeDeep'
  | 'listFirst'
  | 'listDeep'
  | 'catalog'
  | 'tagsFirst'
  | 'tagsDeep'
  | 'manifestGet'
  | 'reset';

export const QUERY_LABELS: Record<QueryName, string> = {
  describeFirst: 'DescribeImages, first page (100)',
  describeDeep: 'DescribeImages, last page',
  listFirst: 'ListImages, first page (100)',
  listDeep: 'ListImages, last page',
  catalog: '/v2/_catalog?n=100',
  tagsFirst: 'tags/list?n=100, first page',
  tagsDeep: 'tags/list?n=100, last page',
  manifestGet: 'manifest GET by tag',
  reset: 'POST /_rewind/reset to a mark',
};

async function queries(server: Server, images: number, samples: number): Promise<Record<QueryName, Timing>> {
  const repositoryName = repoName(SCALE_REPOS >> 1);
  const describe = { repositoryName, maxResults: 100 };
  const describeToken = await lastToken(server, 'DescribeImages', describe);
  const listToken = await lastToken(server, 'ListImages', describe);
  const perRepo = Math.floor(images / SCALE_REPOS);
  // the image of this repository whose tags come last but one (tags/list's last page starts after it)
  const deepImage = (perRepo - 2) * SCALE_REPOS + (SCALE_REPOS >> 1);
  const out = {} as Record<QueryName, Timing>;
  const page = (token: string | undefined) => (token === undefined ? describe : { ...describe, nextToken: token });
  out.describeFirst = await timed(server, samples, () => ecr(server, 'DescribeImages', describe));
  out.describeDeep = await timed(server, samples, () => ecr(server, 'DescribeImages', page(describeToken)));
  out.listFirst = await timed(server, samples, () => ecr(server, 'ListImages', describe));
  out.listDeep = await timed(server, samples, () => ecr(server, 'ListImages', page(listToken)));
  out.catalog = await timed(server, samples, () => get(server, '/v2/_catalog?n=100'));
  out.tagsFirst = await timed(server, samples, () => get(server, `/v2/${repositoryName}/tags/list?n=100`));
  const lastTag = tagName(Math.max(0, deepImage), TAGS_PER_IMAGE - 1);
  out.tagsDeep = await timed(server, samples, () => get(server, `/v2/${repositoryName}/tags/list?n=100&last=${lastTag}`));
  const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
  out.manifestGet = await timed(server, samples, (i) => {
    const image = ((i * 7919) % perRepo) * SCALE_REPOS + (SCALE_REPOS >> 1);
    return get(server, `/v2/${repositoryName}/manifests/${tagName(image, i % TAGS_PER_IMAGE)}`, accept);
  });
  const resets = Math.max(3, Math.min(samples, Math.round(200_000 / images)));
  out.reset = await timed(server, resets, async () => {
    const a = await call(server, 'POST', '/_rewind/reset', JSON.stringify({ to: MARK }), { 'content-type': 'application/json' });
    if (a.status !== 200) throw new Error(`reset: ${a.status} ${a.body.toString()}`);
  });
  return out;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  return total;
}

interface SizeFigures {
  images: number;
  events: number;
  journalBytes: number;
  buildMs: number;
  replayRate: number;
  checkpointBytes: number;
  checkpointMs: number;
  boot: Server['boot'];
  queries: Record<QueryName, Timing>;
  stateAtMs: number;
}

/** Builds one registry and measures it; the folder is removed afterwards. */
async function measure(root: string, images: number, samples: number): Promise<SizeFigures> {
  const dir = join(root, `registry-${images}`);
  let t0 = performance.now();
  const built = await buildScaleRegistry(dir, images);
  const buildMs = performance.now() - t0;
  const journalBytes = await folderBytes(join(dir, 'segments')).catch(() => folderBytes(dir));
  // replay: every event read and folded, then the checkpoint a server's stop would write
  let replayRate: number;
  let checkpointMs: number;
  {
    const history = await openHistory(dir);
    t0 = performance.now();
    const views = replay(history.source);
    replayRate = (built.events / (performance.now() - t0)) * 1000;
    t0 = performance.now();
    await saveCheckpoint(dir, views);
    checkpointMs = performance.now() - t0;
  }
  const checkpointBytes = await folderBytes(join(dir, 'snapshots')).catch(() => 0);
  const server = await startServer(dir);
  let q: Record<QueryName, Timing>;
  try {
    q = await queries(server, images, samples);
  } finally {
    await server.stop();
  }
  t0 = performance.now();
  await stateTool(
    dir,
    { at: String(built.middle) },
    { out: () => undefined, note: () => undefined, progress: () => ({ update: () => undefined, finish: () => undefined }) },
  );
  const stateAtMs = performance.now() - t0;
  await rm(dir, { recursive: true, force: true });
  return {
    images,
    events: built.events,
    journalBytes,
    buildMs,
    replayRate,
    checkpointBytes,
    checkpointMs,
    boot: server.boot,
    queries: q,
    stateAtMs,
  };
}

const n = (v: number): string => Math.round(v).toLocaleString('en-US');
const ms = (v: number): string => (v < 10 ? v.toFixed(2) : v.toFixed(0));
const mib = (v: number): string => (v / 1048576).toFixed(1);

function printTables(all: SizeFigures[]): void {
  const head = `| figure | ${all.map((f) => `${n(f.images)} images`).join(' | ')} | target |`;
  const rule = `| --- | ${all.map(() => '---:').join(' | ')} | --- |`;
  const row = (label: string, cells: string[], target = ''): void => console.log(`| ${label} | ${cells.join(' | ')} | ${target} |`);
  console.log(head);
  console.log(rule);
  row(
    'journal events',
    all.map((f) => n(f.events)),
  );
  row(
    'journal size (MiB)',
    all.map((f) => mib(f.journalBytes)),
  );
  row(
    'journal bytes per image',
    all.map((f) => n(f.journalBytes / f.images)),
  );
  row(
    'build (ms, not a target)',
    all.map((f) => n(f.buildMs)),
  );
  row(
    'replay, folded by evolve (events/s)',
    all.map((f) => n(f.replayRate)),
    '>= 1,000,000',
  );
  row(
    'checkpoint size (MiB)',
    all.map((f) => mib(f.checkpointBytes)),
  );
  row(
    'checkpoint write (ms)',
    all.map((f) => n(f.checkpointMs)),
  );
  row(
    'start to first request (ms)',
    all.map((f) => n(f.boot.startMs)),
    '< 1,000 at 100k',
  );
  row(
    '  (module load before it, ms)',
    all.map((f) => n(f.boot.loadMs)),
  );
  row(
    'resident memory after start (MiB)',
    all.map((f) => mib(f.boot.rss)),
    '< 1,024 at 100k',
  );
  row(
    '  heap used (MiB)',
    all.map((f) => mib(f.boot.heapUsed)),
  );
  row(
    '  bytes per image (heap + array buffers)',
    all.map((f) => n((f.boot.heapUsed + f.boot.arrayBuffers) / f.images)),
  );
  for (const key of Object.keys(QUERY_LABELS) as QueryName[]) {
    const paged = key !== 'reset' && key !== 'manifestGet';
    row(
      `${QUERY_LABELS[key]}: p50 / p99 ms`,
      all.map((f) => `${ms(f.queries[key].p50)} / ${ms(f.queries[key].p99)}`),
      paged ? 'p99 < 5' : '',
    );
    row(
      '  server CPU per request (ms)',
      all.map((f) => ms(f.queries[key].cpu)),
    );
  }
  row(
    'state --at the middle (ms)',
    all.map((f) => n(f.stateAtMs)),
  );
  const first = all[0]!;
  const last = all.at(-1)!;
  if (all.length < 2) return;
  console.log('');
  console.log(
    `growth from ${n(first.images)} to ${n(last.images)} images (${(last.images / first.images).toFixed(0)}x the images; flat is 1.0):`,
  );
  console.log('| query | p50 | server CPU |');
  console.log('| --- | ---: | ---: |');
  for (const key of Object.keys(QUERY_LABELS) as QueryName[])
    console.log(
      `| ${QUERY_LABELS[key]} | ${(last.queries[key].p50 / first.queries[key].p50).toFixed(2)}x | ${(last.queries[key].cpu / Math.max(0.01, first.queries[key].cpu)).toFixed(2)}x |`,
    );
}

function figuresOf(all: SizeFigures[]): Figure[] {
  const out: Figure[] = [];
  for (const f of all) {
    const k = `${f.images}`;
    const add = (key: string, label: string, unit: string, value: number, better: Figure['better']): void => {
      out.push({ key: `${k}.${key}`, label: `${n(f.images)} images: ${label}`, unit, value, better });
    };
    add('journalBytes', 'journal size', 'bytes', f.journalBytes, 'lower');
    add('replayRate', 'replay', 'events/s', f.replayRate, 'higher');
    add('checkpointBytes', 'checkpoint size', 'bytes', f.checkpointBytes, 'lower');
    add('checkpointMs', 'checkpoint write', 'ms', f.checkpointMs, 'lower');
    add('startMs', 'start to first request', 'ms', f.boot.startMs, 'lower');
    add('rss', 'resident memory after start', 'bytes', f.boot.rss, 'lower');
    add('heapUsed', 'heap used after start', 'bytes', f.boot.heapUsed, 'lower');
    for (const key of Object.keys(QUERY_LABELS) as QueryName[]) {
      add(`${key}.p50`, `${QUERY_LABELS[key]} p50`, 'ms', f.queries[key].p50, 'lower');
      add(`${key}.p99`, `${QUERY_LABELS[key]} p99`, 'ms', f.queries[key].p99, 'lower');
      add(`${key}.cpu`, `${QUERY_LABELS[key]} server CPU`, 'ms', f.queries[key].cpu, 'lower');
    }
    add('stateAtMs', 'state --at the middle', 'ms', f.stateAtMs, 'lower');
  }
  return out;
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const sizesArg = args.indexOf('--sizes');
  const samplesArg = args.indexOf('--samples');
  const sizes = sizesArg >= 0 ? args[sizesArg + 1]!.split(',').map(Number) : quick ? [1000, 10_000] : [1000, 10_000, 100_000];
  const samples = samplesArg >= 0 ? Number(args[samplesArg + 1]) : quick ? 100 : 300;
  const machine = machineNow();
  console.log(describeMachine(machine));
  const root = await mkdtemp(join(tmpdir(), 'ecr-rewind-bench-scale-'));
  const all: SizeFigures[] = [];
  try {
    for (const images of sizes) {
      console.log(`building and measuring ${n(images)} images ...`);
      all.push(await measure(root, images, samples));
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  printTables(all);
  saveResults('scale', args, machine, figuresOf(all));
}
