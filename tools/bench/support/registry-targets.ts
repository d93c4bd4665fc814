/**
 * The servers the registry benchmark compares, each in a process of its own: ecr-rewind
 * (journal fsync `always`, the bench repositories created) and Debian's docker-registry
 * (CNCF distribution 2.8). And the machine's own limit for a push: the same bodies hashed,
 * written and fdatasync'ed with no HTTP and no journal (the calibration row).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { mkdtemp, open, rename, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReferenceRegistry } from '../../../src/testkit/reference-registry.ts';
import { pool, type Target } from './registry-client.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The node options of the `ecr-rewind` bin's shebang line (tools/ecr-rewind.cjs): a bench server runs with them as the bin does. */
export function binNodeFlags(): string[] {
  const first = readFileSync(join(ROOT, 'tools', 'ecr-rewind.cjs'), 'utf8').split('\n', 1)[0]!;
  return first.split(' ').filter((word) => word.startsWith('--'));
}

/**
 * Starts a bench server (`node <args>`) that prints `READY <port>` once it listens; answers the
 * child and the port. ECR_REWIND_BENCH_SERVER_ARGS adds node options (e.g. '--cpu-prof
 * --cpu-prof-dir=/tmp/prof' to profile it), and ECR_REWIND_BENCH_SERVER_LOG=/tmp/gc.log collects
 * its stdout (e.g. with --trace-gc).
 */
export async function spawnReady(args: string[], name: string): Promise<{ child: ChildProcess; port: number }> {
  const extra = process.env.ECR_REWIND_BENCH_SERVER_ARGS?.split(' ').filter((a) => a !== '') ?? [];
  const child = spawn(process.execPath, [...extra, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const log = process.env.ECR_REWIND_BENCH_SERVER_LOG;
  if (log) child.stdout.on('data', (c: Buffer) => appendFileSync(log, c));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
  });
  return { child, port };
}

/** ecr-rewind in a child process of its own (fsync always), with `repos` created. */
export async function startEcrRewind(repos: string[]): Promise<Target> {
  const script = `
    const { startEmulator } = await import(${JSON.stringify(join(ROOT, 'src', 'emulator.ts'))});
    const emu = await startEmulator({ port: 0, fsync: 'always', auth: 'none', logger: false });
    const scope = { account: emu.config.account, region: emu.config.region };
    for (const repository of ${JSON.stringify(repos)})
      await emu.engine.execute({ type: 'CreateRepository', scope, repository, settings: {} });
    process.on('SIGTERM', () => emu.stop().then(() => process.exit(0)));
    process.stdout.write('READY ' + emu.port + '\\n');
  `;
  const { child, port } = await spawnReady([...binNodeFlags(), '--import', 'tsx', '--input-type=module', '-e', script], 'ecr-rewind');
  return childTarget('ecr-rewind', child, port);
}

/** A Target for a server started by spawnReady: a keep-alive agent, and a stop that ends the child (SIGTERM) then runs `after`. */
export function childTarget(name: string, child: ChildProcess, port: number, after?: () => Promise<void>): Target {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  return {
    name,
    pid: child.pid ?? -1,
    url: new URL(`http://127.0.0.1:${port}`),
    agent,
    stop: async () => {
      agent.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await after?.();
    },
  };
}

export async function startDistribution(): Promise<Target> {
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
 * The machine's limit for storing pushed bodies: each body hashed (sha256, in 1 MiB slices as
 * a stream would arrive), written to a new file, fdatasync'ed, renamed, and the folder fsync'ed
 * (what makes the new name survive a crash: every durable store does it once per blob, and the
 * minimal servers of the ceiling bench do), `concurrency` at a time, in this process. No HTTP, no
 * journal: what a registry cannot beat. Returns MiB/s; when given `cpu`, adds to it this process's CPU
 * ms per body (user + system, the thread pool's writes and flushes included), to set beside a
 * server's CPU per push.
 */
export async function calibrate(bodies: Buffer[], concurrency: number, cpu?: number[]): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-rewind-bench-calibration-'));
  try {
    const before = process.cpuUsage();
    const secs = await pool(bodies.length, concurrency, async (i) => {
      const body = bodies[i]!;
      const hash = createHash('sha256');
      const file = join(dir, `staged-${i}`);
      const fh = await open(file, 'w');
      try {
        for (let at = 0; at < body.length; at += 1024 * 1024) {
          const slice = body.subarray(at, Math.min(body.length, at + 1024 * 1024));
          hash.update(slice);
          await fh.write(slice);
        }
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(file, join(dir, hash.digest('hex')));
      const folder = await open(dir, 'r');
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    });
    const spent = process.cpuUsage(before);
    cpu?.push((spent.user + spent.system) / 1000 / bodies.length);
    const bytes = bodies.reduce((s, b) => s + b.length, 0);
    return bytes / (1024 * 1024) / secs;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
