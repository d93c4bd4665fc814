/**
 * The torture run: a real `ecr-rewind serve` child process (fsync always, token auth) under
 * mixed traffic from many clients on both faces, killed with SIGKILL at random moments, and
 * restarted. After every kill the journal folder must verify; after every restart every
 * acknowledged item reads back byte-identical, the operations in flight settle (no upload
 * stuck, nothing answers 5xx), and the served state equals a fresh replay of the journal. The
 * run ends with a SIGTERM that must exit 0 and release the journal, and a last verify.
 *
 * The checks that need the library (verify, a replay's state hash) come in as functions: this
 * room drives the emulator from outside only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { checkClient } from './check.ts';
import { type ClientModel, ecr, HttpFailure, newModel, random, step, type Wire } from './client.ts';

export interface TortureOptions {
  /** The journal folder (created; must be new). */
  dir: string;
  kills: number;
  clients: number;
  /** Traffic runs for a random time in [min, max] ms before each kill. */
  runMs: [number, number];
  seed: number;
  /** Read back every acknowledged item every `fullCheckEvery` restarts (and at the end); else a sample. */
  fullCheckEvery: number;
  /** The journal folder's verify: ok, and one line per fault. */
  verify(dir: string): Promise<{ ok: boolean; faults: string[] }>;
  /** The state hash of a fresh replay of the journal up to `seq`. */
  replayHash(dir: string, seq: number): Promise<string>;
  log?(line: string): void;
}

export interface TortureReport {
  kills: number;
  acknowledged: { blobs: number; manifests: number; deletes: number; total: number };
  /** Acknowledged items that did not read back (or deletes undone). */
  lost: string[];
  /** Uploads in flight at a kill that neither completed nor closed cleanly. */
  stuck: string[];
  /** verify runs that found faults (after a kill, or at the end). */
  verifyFailures: string[];
  /** Restarts whose served state differed from a fresh replay. */
  stateMismatches: string[];
  /** Answers the clients did not expect while the server ran (5xx and the like). */
  errors: string[];
  /** Items read back after restarts. */
  checked: number;
  sigtermExit: number | string | undefined;
  durationMs: number;
}

const CLI = fileURLToPath(new URL('../../cli.ts', import.meta.url));

interface Server {
  child: ChildProcess;
  endpoint: string;
  exit: Promise<number | string>;
  output(): string;
}

async function startServer(dir: string): Promise<Server> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      CLI,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--journal',
      dir,
      '--fsync',
      'always',
      '--auth',
      'token',
      // the start-up line is the logger's (info, JSON here: it names the port); requests log at debug, unseen
      '--log-format',
      'json',
      '--log-requests',
      'debug',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-20_000)));
  const exit = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const m = /"serving":\{[^}]*"port":(\d+)/.exec(err);
    if (m) return { child, endpoint: `http://127.0.0.1:${m[1]}`, exit, output: () => err };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`ecr-rewind serve did not start:\n${err}`);
    }
    await sleep(25);
  }
}

async function login(endpoint: string, account: string): Promise<Wire> {
  const wire: Wire = { endpoint, basic: '', account };
  const { body } = await ecr(wire, 'GetAuthorizationToken', {});
  const data = body.authorizationData as { authorizationToken: string }[];
  return { ...wire, basic: `Basic ${data[0]!.authorizationToken}` };
}

/** The served state's seq and hash must be what a fresh replay of the journal gives at that seq. */
async function checkState(w: Wire, opts: TortureOptions, report: TortureReport, round: number): Promise<void> {
  const res = await fetch(`${w.endpoint}/_rewind/state`, { headers: { Authorization: w.basic } });
  if (res.status !== 200) {
    report.errors.push(`restart ${round}: GET /_rewind/state answered ${res.status}`);
    return;
  }
  const served = (await res.json()) as { seq: number; hash: string };
  // the served state may be a few events (pull bookkeeping) ahead of what is on disk yet
  let replayed: string | undefined;
  let problem: unknown;
  for (let tries = 0; replayed === undefined && tries < 100; tries++) {
    try {
      replayed = await opts.replayHash(opts.dir, served.seq);
    } catch (err) {
      problem = err;
      await sleep(50);
    }
  }
  if (replayed !== served.hash)
    report.stateMismatches.push(`restart ${round}: seq ${served.seq}: served ${served.hash}, replayed ${replayed ?? String(problem)}`);
}

/** Traffic until the kill; resolves once every client has stopped. */
async function traffic(w: Wire, models: ClientModel[], rnd: () => number, report: TortureReport, killed: () => boolean): Promise<void> {
  await Promise.all(
    models.map(async (m, i) => {
      const own = random(Math.floor(rnd() * 2 ** 32) ^ i);
      while (!killed()) {
        try {
          await step(w, m, own);
        } catch (err) {
          if (killed()) return; // the server died under it: the operation stays pending
          report.errors.push(`${m.repo}: ${err instanceof HttpFailure ? err.message : String(err)}`);
          return;
        }
      }
    }),
  );
}

async function checkAfterRestart(
  w: Wire,
  models: ClientModel[],
  opts: TortureOptions,
  report: TortureReport,
  round: number,
): Promise<void> {
  const full = round % opts.fullCheckEvery === 0 || round === opts.kills;
  const results = await Promise.all(models.map((m) => checkClient(w, m, full ? undefined : 20)));
  for (const r of results) {
    report.lost.push(...r.lost.map((x) => `restart ${round}: ${x}`));
    report.stuck.push(...r.stuck.map((x) => `restart ${round}: ${x}`));
    report.checked += r.checked;
  }
  await checkState(w, opts, report, round);
}

export async function runTorture(opts: TortureOptions): Promise<TortureReport> {
  const started = Date.now();
  const log = opts.log ?? (() => undefined);
  const rnd = random(opts.seed);
  const account = '123456789012';
  const models = Array.from({ length: opts.clients }, (_, i) => newModel(`torture/client-${i}`));
  const report: TortureReport = {
    kills: 0,
    acknowledged: { blobs: 0, manifests: 0, deletes: 0, total: 0 },
    lost: [],
    stuck: [],
    verifyFailures: [],
    stateMismatches: [],
    errors: [],
    checked: 0,
    sigtermExit: undefined,
    durationMs: 0,
  };
  for (let round = 0; ; round++) {
    const server = await startServer(opts.dir);
    try {
      const w = await login(server.endpoint, account);
      if (round === 0) for (const m of models) await ecr(w, 'CreateRepository', { repositoryName: m.repo });
      else await checkAfterRestart(w, models, opts, report, round);
      if (round === opts.kills) {
        server.child.kill('SIGTERM');
        report.sigtermExit = await server.exit;
        if (existsSync(join(opts.dir, 'LOCK'))) report.errors.push('after SIGTERM the journal is still locked');
        break;
      }
      let dead = false;
      const running = traffic(w, models, rnd, report, () => dead);
      await sleep(opts.runMs[0] + Math.floor(rnd() * (opts.runMs[1] - opts.runMs[0])));
      dead = true;
      server.child.kill('SIGKILL');
      await server.exit;
      await running;
      report.kills++;
    } catch (err) {
      server.child.kill('SIGKILL');
      throw new Error(`torture round ${round}: ${(err as Error).message}\nserver output:\n${server.output().slice(-4000)}`, { cause: err });
    }
    const v = await opts.verify(opts.dir);
    if (!v.ok) report.verifyFailures.push(`after kill ${round + 1}: ${v.faults.join('; ')}`);
    log(
      `kill ${round + 1}/${opts.kills}: ${acknowledged(models).total} acknowledged, ${report.lost.length} lost, ${report.stuck.length} stuck`,
    );
  }
  const v = await opts.verify(opts.dir);
  if (!v.ok) report.verifyFailures.push(`at the end: ${v.faults.join('; ')}`);
  report.acknowledged = acknowledged(models);
  report.durationMs = Date.now() - started;
  return report;
}

function acknowledged(models: ClientModel[]): TortureReport['acknowledged'] {
  const a = { blobs: 0, manifests: 0, deletes: 0, total: 0 };
  for (const m of models) {
    a.blobs += m.acked.blobs;
    a.manifests += m.acked.manifests;
    a.deletes += m.acked.deletes;
  }
  a.total = a.blobs + a.manifests + a.deletes;
  return a;
}
