/**
 * Start-up benchmark (`npm run bench -- startup [--quick]`): how long `ecr-rewind serve`
 * takes from process spawn to the first 200 on GET /_rewind/health, as a user (or a CI
 * job polling the health endpoint) sees it. Target: < 300 ms.
 *
 *   bin           the `ecr-rewind` bin (compiled code in dist/), a new journal folder
 *   from-snapshot the same with `--from-snapshot` of a snapshot file of 10,000 images
 *   no cache      the bin without its compile cache (src/cli/compile-cache.ts), as the first
 *                 start after an install or a Node upgrade runs; the rows above start with a
 *                 cache that a warm-up start wrote (in the bench's own folder, not the user's)
 *   first ECR     for comparison: spawn to the first answer of the ECR API (DescribeRepositories)
 *   (the three rows of the bin are taken in turn, one start of each per round)
 *   tsx           for comparison: the TypeScript sources run through tsx (`npm run serve`)
 *   node -e 0     for comparison: spawn to exit of a node that does nothing (the floor)
 *
 * Beside the wall time, the CPU time the server process used until its first 200 (Linux
 * /proc, 10 ms ticks): the machine may be shared, and CPU time says what the start costs.
 * Its main thread's share (/proc/<pid>/task/<pid>/schedstat, in ns) is the start's critical
 * path: module loading, decoding and the first request all run there, while the rest of the
 * CPU time (GC and compiler threads, the thread pool) mostly runs beside it; and the time the
 * main thread spent waiting for a CPU is shown, so that a figure taken on a busy machine can be
 * told from a slow start (wall minus that wait is about what an idle machine shows).
 *
 * The child prints its listening line on stderr (JSON, not a terminal); the health request
 * is sent as soon as that line arrives. Run `npm run build` first: the bin runs dist/.
 *
 * NODE_EXTRA_CA_CERTS: Node 20 reads that file into a new root certificate store when the
 * process starts, before any JavaScript runs (~40 ms of CPU for a 144-certificate bundle here),
 * so every row, the floor included, pays it where it is set. When it is set, the floor is also
 * shown without it; `--without-extra-ca` starts every process without it (the same for any
 * build compared), as on a machine that does not set it.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openHistory } from '../../src/replay/journal-history.ts';
import { replay } from '../../src/replay/replay.ts';
import { prepareSnapshotFile, writeSnapshotFile } from '../../src/snapshot-file/write.ts';
import { buildRegistry } from './rewind.ts';
import { binNodeFlags } from './support/registry-targets.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(root, 'tools', 'ecr-rewind.cjs');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

interface Timing {
  health: number;
  ecr: number;
  /** CPU ms of the server process until its first 200, or NaN where /proc is missing. */
  cpu: number;
  /** CPU ms of its main thread until then, and ms it waited for a CPU (NaN without schedstat). */
  main: number;
  waited: number;
}

/** user + system CPU time of a process so far, in ms (Linux; clock ticks of 10 ms). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** [CPU ms, ms waiting for a CPU] of a process's main thread so far (Linux schedstat, ns). */
function mainThreadMs(pid: number | undefined): [number, number] {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return [run! / 1e6, wait! / 1e6];
  } catch {
    return [Number.NaN, Number.NaN];
  }
}

/** Spawns `node <entry> serve ...`, waits for the listening line, then times health and one ECR call. */
async function timeStart(nodeArgs: string[], serveArgs: string[], env: NodeJS.ProcessEnv): Promise<Timing> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, 'serve', '--port', '0', '--fsync', 'never', ...serveArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...env, ECR_REWIND_LOG_LEVEL: 'info' },
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        text += chunk;
        const m = /"port":(\d+)/.exec(text);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code} before listening:\n${text}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const res = await fetch(`${base}/_rewind/health`);
    if (res.status !== 200) throw new Error(`health answered ${res.status}`);
    await res.arrayBuffer();
    const health = performance.now() - t0;
    const cpu = cpuMs(child.pid);
    const [main, waited] = mainThreadMs(child.pid);
    const ecr = await fetch(base, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories',
        'content-type': 'application/x-amz-json-1.1',
        authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    });
    if (ecr.status !== 200) throw new Error(`DescribeRepositories answered ${ecr.status}`);
    await ecr.arrayBuffer();
    return { health, ecr: performance.now() - t0, cpu, main, waited };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
}

interface Series {
  nodeArgs: string[];
  serveArgs: (r: number) => string[];
  env: NodeJS.ProcessEnv;
}

/**
 * Medians of `rounds` starts of each series, taken in turn (one start of each per round): this
 * machine's speed drifts by tens of percent within a minute, and series run one after the other
 * were seen to swap places.
 */
async function interleaved(rounds: number, all: Series[]): Promise<Timing[]> {
  const timings: Timing[][] = all.map(() => []);
  for (let r = 0; r < rounds; r++) for (const [i, s] of all.entries()) timings[i]!.push(await timeStart(s.nodeArgs, s.serveArgs(r), s.env));
  return timings.map((ts) => {
    const med = (key: keyof Timing): number => median(ts.map((t) => t[key]));
    return { health: med('health'), ecr: med('ecr'), cpu: med('cpu'), main: med('main'), waited: med('waited') };
  });
}

const series = async (rounds: number, nodeArgs: string[], serveArgs: (r: number) => string[], env: NodeJS.ProcessEnv): Promise<Timing> =>
  (await interleaved(rounds, [{ nodeArgs, serveArgs, env }]))[0]!;

/** Spawn to exit of `node -e 0`: what any start of node costs on this machine now. */
async function nodeFloor(rounds: number, env: NodeJS.ProcessEnv): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await new Promise((resolve) => spawn(process.execPath, ['-e', '0'], { stdio: 'ignore', env }).once('exit', resolve));
    times.push(performance.now() - t0);
  }
  return median(times);
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const rounds = quick ? 3 : 9;
  const { NODE_EXTRA_CA_CERTS: extraCa, ...withoutExtraCa } = process.env;
  const dir = await mkdtemp(join(tmpdir(), 'ecr-rewind-bench-startup-'));
  const env: NodeJS.ProcessEnv = {
    ...(args.includes('--without-extra-ca') ? withoutExtraCa : process.env),
    ECR_REWIND_COMPILE_CACHE: join(dir, 'compile-cache'),
  };
  try {
    const source = join(dir, 'source');
    await buildRegistry(source, 10_000);
    const { state, marks } = replay((await openHistory(source)).source);
    const snapshot = join(dir, 'start.snapshot');
    await writeSnapshotFile(snapshot, await prepareSnapshotFile({ state, marks }, source));

    const bin = [...binNodeFlags(), BIN];
    // the warm-up start writes the compile cache when it stops (a module only a plain start loads is added when the first one stops)
    await timeStart(bin, ['--journal', join(dir, 'warm-up'), '--from-snapshot', snapshot], env);
    const [fresh, fromSnapshot, uncached] = (await interleaved(rounds, [
      { nodeArgs: bin, serveArgs: (r) => ['--journal', join(dir, `fresh-${r}`)], env },
      { nodeArgs: bin, serveArgs: (r) => ['--journal', join(dir, `snap-${r}`), '--from-snapshot', snapshot], env },
      { nodeArgs: bin, serveArgs: (r) => ['--journal', join(dir, `uncached-${r}`)], env: { ...env, ECR_REWIND_COMPILE_CACHE: 'off' } },
    ])) as [Timing, Timing, Timing];
    const tsx = await series(
      quick ? 1 : 3,
      ['--import', 'tsx', join(root, 'src', 'cli.ts')],
      (r) => ['--journal', join(dir, `tsx-${r}`)],
      env,
    );
    const floor = await nodeFloor(rounds, env);
    const floorWithout = env.NODE_EXTRA_CA_CERTS === undefined ? floor : await nodeFloor(rounds, withoutExtraCa);
    const row = (name: string, t: Timing, target = ''): void =>
      console.log(
        `${name.padEnd(56)} ${t.health.toFixed(0).padStart(5)} ms (CPU ${t.cpu.toFixed(0).padStart(4)} ms, main thread ${t.main.toFixed(0).padStart(4)} ms, waited for a CPU ${t.waited.toFixed(0).padStart(4)} ms)   first ECR answer ${t.ecr.toFixed(0).padStart(5)} ms${target}`,
      );
    console.log(
      `spawn -> first 200 on GET /_rewind/health (median of ${rounds}; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs):`,
    );
    row('  ecr-rewind serve (bin, compiled), new journal folder', fresh, '   (target < 300 ms)');
    row('  ecr-rewind serve --from-snapshot (10,000 images)', fromSnapshot, '   (target < 300 ms)');
    row('  serve, new journal folder, no compile cache (a first start)', uncached);
    row('  for comparison: the sources through tsx', tsx);
    console.log(`  for comparison: spawn -> exit of \`node -e 0\`                ${floor.toFixed(0).padStart(5)} ms`);
    if (env.NODE_EXTRA_CA_CERTS !== undefined)
      console.log(
        `  NODE_EXTRA_CA_CERTS=${extraCa} is set: every start above reads it (\`node -e 0\` without it: ${floorWithout.toFixed(0)} ms; --without-extra-ca runs the rows without it)`,
      );
    else if (extraCa !== undefined)
      console.log(`  (run without NODE_EXTRA_CA_CERTS=${extraCa}, which this shell sets: --without-extra-ca)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
