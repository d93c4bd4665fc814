/**
 * Ceiling benchmark: what Node can reach on this machine for the bulk rows of the registry
 * benchmark (large push, large pull, chunked push), beside ecr-rewind and docker-registry in the
 * same run. Two minimal servers (support/minimal-registry.ts) do only the bytes path, with the
 * same durability as ecr-rewind (fdatasync before the 202, folders fsync'ed) and no journal:
 * one on node:http, one on a raw socket that reads bodies into a buffer of its own. The same
 * client code drives all four (support/registry-client.ts; the large pulls, support/raw-client.ts),
 * the rounds rotate which goes first, and the calibration row (hash + write + fdatasync + folder
 * fsync, no HTTP) runs in each round.
 *
 *   npm run bench -- ceiling [--rounds N] [--quick]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMs } from './support/proc.ts';
import { pullLarge } from './support/raw-client.ts';
import { blobOf, digestOf, MiB, pool, pushBlob, pushChunked, type Target } from './support/registry-client.ts';
import { calibrate, childTarget, spawnReady, startDistribution, startEcrRewind } from './support/registry-targets.ts';
import { describeMachine, machineNow } from './support/results.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

export async function startMinimal(mode: 'http' | 'net'): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), `ecr-rewind-bench-minimal-${mode}-`));
  const { child, port } = await spawnReady(
    ['--import', 'tsx', join(HERE, 'support', 'minimal-registry.ts'), mode, dir],
    `minimal ${mode} server`,
  );
  return childTarget(`minimal ${mode}`, child, port, () => rm(dir, { recursive: true, force: true }));
}

interface Row {
  largePush: number;
  largePull: number;
  chunkedPush: number;
  largePushCpu: number;
  largePullCpu: number;
  chunkedPushCpu: number;
  /** The bench process's own CPU ms per unit (the client side). */
  largePushClient: number;
  largePullClient: number;
  chunkedPushClient: number;
}

async function bulkRound(target: Target, large: Buffer[], chunked: Buffer[]): Promise<Row> {
  try {
    return await bulkRoundOf(target, large, chunked);
  } catch (err) {
    throw new Error(`${target.name}: ${(err as Error).message}`, { cause: err });
  }
}

async function bulkRoundOf(target: Target, large: Buffer[], chunked: Buffer[]): Promise<Row> {
  let mark = cpuMs(target.pid);
  let mine = process.cpuUsage();
  const client: number[] = [];
  /** Server CPU ms per unit since the last call (and the bench client's own, kept in `client`). */
  const spent = (units: number): number => {
    const now = cpuMs(target.pid);
    const per = (now - mark) / units;
    mark = now;
    const used = process.cpuUsage(mine);
    client.push((used.user + used.system) / 1000 / units);
    mine = process.cpuUsage();
    return per;
  };
  const digests: string[] = [];
  const pushSecs = await pool(large.length, 4, async (i) => {
    digests[i] = await pushBlob(target, 'bench/large', large[i]!);
  });
  const largePushCpu = spent(large.length);
  const { secs: pullSecs, bytes } = await pullLarge(target, 'bench/large', digests);
  if (bytes !== large.length * 16 * MiB) throw new Error(`${target.name}: short pull (${bytes} bytes)`);
  const largePullCpu = spent(large.length);
  const chunkedSecs = await pool(chunked.length, 2, async (i) => {
    await pushChunked(target, 'bench/chunked', chunked[i]!, 5 * MiB);
  });
  const chunkedPushCpu = spent(chunked.length);
  return {
    largePush: (large.length * 16) / pushSecs,
    largePull: (large.length * 16) / pullSecs,
    chunkedPush: (chunked.length * 64) / chunkedSecs,
    largePushCpu,
    largePullCpu,
    chunkedPushCpu,
    largePushClient: client[0]!,
    largePullClient: client[1]!,
    chunkedPushClient: client[2]!,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const roundsArg = args.indexOf('--rounds');
  const rounds = roundsArg >= 0 ? Number(args[roundsArg + 1]) : quick ? 2 : 5;
  const sizes = quick ? { large: 8, chunked: 2 } : { large: 16, chunked: 4 };
  const machine = machineNow();
  console.log(describeMachine(machine));
  const targets: Target[] = [];
  try {
    targets.push(await startEcrRewind(['bench/large', 'bench/chunked']));
    targets.push(await startMinimal('http'));
    targets.push(await startMinimal('net'));
    targets.push(await startDistribution());
    const rows = new Map<string, Row[]>(targets.map((t) => [t.name, []]));
    const cal = { large: [] as number[], chunked: [] as number[] };
    const bodiesOf = (r: number): { large: Buffer[]; chunked: Buffer[] } => {
      const b = {
        large: Array.from({ length: sizes.large }, (_, i) => blobOf(16 * MiB, `large-${r}-${i}`)),
        chunked: Array.from({ length: sizes.chunked }, (_, i) => blobOf(64 * MiB, `chunked-${r}-${i}`)),
      };
      for (const x of [...b.large, ...b.chunked]) digestOf(x);
      return b;
    };
    const warm = bodiesOf(-1);
    for (const t of targets) await bulkRound(t, warm.large, warm.chunked);
    for (let r = 0; r < rounds; r++) {
      const bodies = bodiesOf(r);
      // rotate which target goes first
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(k + r) % targets.length]!;
        rows.get(t.name)!.push(await bulkRound(t, bodies.large, bodies.chunked));
      }
      cal.large.push(await calibrate(bodies.large, 4));
      cal.chunked.push(await calibrate(bodies.chunked, 2));
    }
    const theirs = rows.get('docker-registry')!;
    const calLarge = median(cal.large);
    const calChunked = median(cal.chunked);
    console.log(`rounds: ${rounds} (medians); ratio vs docker-registry = median of per-round ratios`);
    console.log(
      '| server | large push MiB/s (x dr, of cal.) | CPU ms | large pull MiB/s (x dr) | CPU ms | chunked push MiB/s (x dr, of cal.) | CPU ms |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const t of targets) {
      const rs = rows.get(t.name)!;
      const ratio = (k: 'largePush' | 'largePull' | 'chunkedPush'): string =>
        `${median(rs.map((row, i) => row[k] / theirs[i]![k])).toFixed(2)}x`;
      const m = (k: keyof Row): number => median(rs.map((row) => row[k]));
      console.log(
        `| ${t.name} | ${m('largePush').toFixed(0)} (${ratio('largePush')}, ${(m('largePush') / calLarge).toFixed(2)}) | ${m('largePushCpu').toFixed(1)} / ${m('largePushClient').toFixed(1)} | ${m('largePull').toFixed(0)} (${ratio('largePull')}) | ${m('largePullCpu').toFixed(1)} | ${m('chunkedPush').toFixed(0)} (${ratio('chunkedPush')}, ${(m('chunkedPush') / calChunked).toFixed(2)}) | ${m('chunkedPushCpu').toFixed(1)} / ${m('chunkedPushClient').toFixed(1)} |`,
      );
    }
    console.log(
      `calibration (hash + write + fdatasync + folder fsync, no HTTP): large ${calLarge.toFixed(0)} MiB/s, chunked ${calChunked.toFixed(0)} MiB/s`,
    );
    console.log(describeMachine(machineNow()));
  } finally {
    for (const t of targets) await t.stop();
  }
}
