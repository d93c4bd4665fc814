/**
 * The pull through cache's row of `npm run bench -- registry`: pulling a 64 MiB image (manifest,
 * config, one 64 MiB layer) through ecr-rewind's cache, cold (fetched from the upstream while it is
 * served) and warm (from the cache), against pulling it straight from the upstream, Debian's
 * docker-registry on loopback. Each round pulls an image of its own (distinct layer bytes), so a
 * cold pull really fetches. Beside the wall time per pull: the CPU time of the servers per pull
 * (from /proc: ecr-rewind's, plus docker-registry's for the cold and direct pulls), and the load
 * average, since the machine is shared. Targets: cold within 1.3x of direct, warm at most direct.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startReferenceRegistry } from '../../src/testkit/reference-registry.ts';
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';
import { curl, curlFor } from './support/registry-client.ts';
import { binNodeFlags, spawnReady } from './support/registry-targets.ts';

const MiB = 1024 * 1024;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Image {
  repo: string;
  /** the config's and the layer's digests, in the order a client pulls them */
  blobs: string[];
  /** the bytes a whole pull reads: manifest, config and layer */
  bytes: number;
}

/** Pushes a 64 MiB single-layer image of its own bytes to `repo:v1`. */
async function pushImage(upstream: RegistryDriver, repo: string, seed: number): Promise<Image> {
  const layer = Buffer.alloc(64 * MiB);
  for (let i = 0; i < layer.length; i += 8) layer.writeUInt32LE((i * 2654435761 + seed * 97) >>> 0, i);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, seed }));
  const d = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  await upstream.pushBlob(repo, layer, { chunks: 4 });
  await upstream.pushBlob(repo, config, { chunks: 1 });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: d(layer), size: layer.length }],
    }),
  );
  await upstream.putManifest(repo, 'v1', manifest, 'application/vnd.oci.image.manifest.v1+json');
  return { repo, blobs: [d(config), d(layer)], bytes: manifest.length + config.length + layer.length };
}

const MANIFEST_ACCEPT = 'application/vnd.oci.image.manifest.v1+json';

/**
 * A pull as a client makes it, every byte read: the manifest, then its config and layer, in
 * order on one connection. curl does it (a registry's clients are written in Go or C; Node's
 * fetch spent ~110 ms of CPU reading a 64 MiB layer here, node:http 50-90 ms, curl ~10-30 ms,
 * and on 2 cores the client's CPU is taken from the servers measured). It is started before the
 * clock and given its URLs when the clock starts (support/registry-client.ts). Without curl,
 * Node's fetch, reading the manifest first.
 */
async function pull(base: string, repo: string, image: Image): Promise<number> {
  if (curl) {
    const urls = [`${base}/v2/${repo}/manifests/v1`, ...image.blobs.map((d) => `${base}/v2/${repo}/blobs/${d}`)];
    const client = curlFor(urls, [`Accept: ${MANIFEST_ACCEPT}`]);
    await client.ready;
    const t0 = performance.now();
    client.go();
    const bytes = await client.bytes;
    const ms = performance.now() - t0;
    if (bytes !== image.bytes) throw new Error(`pull of ${repo}: ${bytes} bytes, not ${image.bytes}`);
    return ms;
  }
  const t0 = performance.now();
  const m = await fetch(`${base}/v2/${repo}/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
  if (m.status !== 200) throw new Error(`manifest of ${repo}: ${m.status}`);
  const manifest = (await m.json()) as { config: { digest: string }; layers: { digest: string }[] };
  for (const digest of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
    const res = await fetch(`${base}/v2/${repo}/blobs/${digest}`);
    if (res.status !== 200 || !res.body) throw new Error(`blob ${digest}: ${res.status}`);
    for await (const _ of res.body);
  }
  return performance.now() - t0;
}

async function startEcrRewind(upstream: string): Promise<{ pid: number; url: string; stop(): Promise<void> }> {
  const script = `
    const { startEmulator } = await import(${JSON.stringify(join(ROOT, 'src', 'emulator.ts'))});
    const emu = await startEmulator({ port: 0, fsync: 'always', auth: 'none', logger: false, upstreams: { 'quay.io': ${JSON.stringify(upstream)} } });
    const scope = { account: emu.config.account, region: emu.config.region };
    await emu.engine.execute({ type: 'CreatePullThroughCacheRule', scope, rule: { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' } });
    process.on('SIGTERM', () => emu.stop().then(() => process.exit(0)));
    process.stdout.write('READY ' + emu.port + '\\n');
  `;
  const { child, port } = await spawnReady([...binNodeFlags(), '--import', 'tsx', '--input-type=module', '-e', script], 'ecr-rewind');
  return {
    pid: child.pid ?? -1,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Waits until ecr-rewind has recorded `count` cached images (a warm pull then reads the cache). */
async function recorded(url: string, count: number): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    const page = (await (await fetch(`${url}/_rewind/events?type=UpstreamImageCached&limit=1000`)).json()) as { events: unknown[] };
    if (page.events.length >= count) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the cached image was not recorded');
}

export async function runPullThroughRow(rounds: number): Promise<void> {
  const registry = await startReferenceRegistry();
  const ours = await startEcrRewind(registry.url);
  const load = [loadavg()[0]!];
  try {
    const upstream = new RegistryDriver(registry.url);
    const images: Image[] = [];
    for (let r = 0; r <= rounds; r++) images.push(await pushImage(upstream, `bench/img${r}`, r));
    const cold: number[] = [];
    const warm: number[] = [];
    const direct: number[] = [];
    const cpu = { cold: [] as number[], warm: [] as number[], direct: [] as number[] };
    const measure = async (what: keyof typeof cpu, times: number[], base: string, repo: string, image: Image) => {
      const before = cpuMs(ours.pid) + cpuMs(registry.pid);
      times.push(await pull(base, repo, image));
      cpu[what].push(cpuMs(ours.pid) + cpuMs(registry.pid) - before);
    };
    // round 0 warms both servers up and is not counted
    for (let r = 0; r <= rounds; r++) {
      const c: number[] = [];
      const w: number[] = [];
      const dd: number[] = [];
      await measure('direct', dd, registry.url, `bench/img${r}`, images[r]!);
      await measure('cold', c, ours.url, `quay/bench/img${r}`, images[r]!);
      await recorded(ours.url, r + 1);
      await measure('warm', w, ours.url, `quay/bench/img${r}`, images[r]!);
      if (r > 0) {
        direct.push(...dd);
        cold.push(...c);
        warm.push(...w);
      } else for (const k of Object.keys(cpu) as (keyof typeof cpu)[]) cpu[k].pop();
    }
    load.push(loadavg()[0]!);
    const d = median(direct);
    const row = (label: string, ms: number, cpuPerPull: number, target: string) =>
      console.log(`| ${label} | ${ms.toFixed(0)} ms | ${(d / ms).toFixed(2)}x | ${target} | ${cpuPerPull.toFixed(0)} ms |`);
    console.log(
      `\npull through cache, 64 MiB image (manifest, config, one 64 MiB layer; pulled by ${curl ? 'curl' : 'Node fetch (no curl here)'}), ${rounds} rounds (medians); load average ${load.map((l) => l.toFixed(2)).join(' -> ')} on ${cpus().length} cores`,
    );
    console.log('| pull | wall time | speed vs direct | target | server CPU per pull (ecr-rewind + docker-registry) |');
    console.log('| --- | ---: | ---: | --- | ---: |');
    row('straight from docker-registry', d, median(cpu.direct), '-');
    row(
      'through the cache, cold (fetched from the upstream)',
      median(cold),
      median(cpu.cold),
      `${d / median(cold) >= 1 / 1.3 ? 'ok' : 'MISS'} >= 0.77x`,
    );
    row('through the cache, warm', median(warm), median(cpu.warm), `${d / median(warm) >= 1 ? 'ok' : 'MISS'} >= 1x`);
  } finally {
    await ours.stop();
    await registry.stop();
  }
}
