/**
 * ECR face benchmark: requests/s (median of rounds) for CreateRepository,
 * PutImage, DescribeImages and BatchGetImage over HTTP (JSON 1.1, keep-alive
 * fetch, SigV4 header parsed but not verified), plus the time to page through
 * DescribeImages of a 1,000-image repository (10 pages of 100, and one page of 1,000), and
 * the lifecycle rows of ecr-lifecycle.ts (a 10-rule policy over 10,000 images).
 * The journal runs with fsync=never so the figures are the face's, not the disk's.
 * `--quick` runs fewer rounds.
 *
 * Image scanning rows (`--scan-only` runs just these): the CPU time (user + system, the
 * zlib thread pool included) of scanning a 200 MB (compressed), 5-layer image from
 * StartImageScan to the recorded result, measured once on a fresh emulator, beside the CPU
 * time of only gunzipping the same layers (the floor: every byte must be inflated to find
 * the package databases); and how many advisories per second are matched against an
 * inventory of 1,000 packages. Building the image takes about half a minute.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gzipSync } from 'node:zlib';
import { matchFindings } from '../../src/domain/scanning/match-findings.ts';
import type { Advisory, Inventory } from '../../src/domain/scanning/scanning-state.ts';
import { startEmulator, type Emulator } from '../../src/emulator.ts';
import { lifecycleRows } from './ecr-lifecycle.ts';

const AUTH = 'AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=00ff';
const sha256 = (b: string | Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function call(emu: Emulator, op: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${emu.endpoint}/`, {
    method: 'POST',
    headers: {
      'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${op}`,
      'content-type': 'application/x-amz-json-1.1',
      authorization: AUTH,
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${op} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Runs `n` requests made by `make(i)` with `concurrency` workers; returns requests/s. */
async function rate(n: number, concurrency: number, make: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await make(next++);
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

async function uploadBlob(emu: Emulator, repositoryName: string, bytes: Buffer): Promise<string> {
  const { uploadId } = (await call(emu, 'InitiateLayerUpload', { repositoryName })) as { uploadId: string };
  await call(emu, 'UploadLayerPart', {
    repositoryName,
    uploadId,
    partFirstByte: 0,
    partLastByte: bytes.length - 1,
    layerPartBlob: bytes.toString('base64'),
  });
  const digest = sha256(bytes);
  await call(emu, 'CompleteLayerUpload', { repositoryName, uploadId, layerDigests: [digest] });
  return digest;
}

function manifest(config: { digest: string; size: number }, n: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [],
    annotations: { n },
  });
}

/** Deterministic incompressible bytes (AES-256-CTR of zeros). */
function noise(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

/** A ustar header for a regular file. */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function tarOf(files: [string, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of files) parts.push(tarHeader(name, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/**
 * `length` bytes that gzip like executables and libraries (about 2.6x, and inflate about as
 * fast as node's own binary does): runs of 8 to 71 bytes, one in twenty random, the others
 * picked from 400 random snippets (so they fall inside deflate's 32 KiB window).
 */
function binaryLike(seed: string, length: number): Buffer {
  const vocabulary = noise(`${seed} vocabulary`, 400 * 72);
  const literals = noise(`${seed} literals`, length);
  const picks = noise(`${seed} picks`, Math.ceil(length / 8) * 4);
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (let p = 0; at < length; p += 4) {
    const word = picks.readUInt32LE(p % (picks.length - 4));
    const n = Math.min(8 + ((word >>> 12) & 63), length - at);
    if ((word >>> 20) % 20 === 0) literals.copy(out, at, at, at + n);
    else {
      const start = ((word & 4095) % 400) * 72;
      vocabulary.copy(out, at, start, start + n);
    }
    at += n;
  }
  return out;
}

/**
 * One layer of about 40 MB gzipped (level 6, as docker writes them): 24 files of 4 MiB that
 * compress like binaries, and 1,000 small files of 4 KiB; the first layer also carries
 * os-release and a dpkg status file of 400 packages, the last whites out one of the files.
 */
export function benchLayer(i: number): Buffer {
  const files: [string, Buffer][] = [];
  if (i === 0) {
    files.push(['etc/os-release', Buffer.from('ID=debian\nVERSION_ID="12"\n')]);
    const status = Array.from(
      { length: 400 },
      (_, k) => `Package: pkg${k}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.${k}.0-1\nDescription: package ${k}\n`,
    ).join('\n');
    files.push(['var/lib/dpkg/status', Buffer.from(status)]);
  }
  if (i === 4) files.push(['opt/app0/.wh.small-0', Buffer.alloc(0)]);
  for (let k = 0; k < 24; k++) files.push([`opt/app${i}/bin/binary-${k}`, binaryLike(`layer ${i} binary ${k}`, 4 << 20)]);
  const small = binaryLike(`layer ${i} small`, 1000 * 4096);
  for (let k = 0; k < 1000; k++) files.push([`opt/app${i}/small-${k}`, small.subarray(k * 4096, (k + 1) * 4096)]);
  return gzipSync(tarOf(files), { level: 6 });
}

async function scanRows(): Promise<[string, string][]> {
  const rows: [string, string][] = [];
  // Matching: 1,000 installed packages, 100,000 advisories, each about an installed package
  // (100 per package; a third with an affected range, one in twenty fixed above the installed version).
  const inventory: Inventory = {
    kind: 'image',
    reason: null,
    os: { id: 'debian', versionId: '12', prettyName: null },
    architecture: 'amd64',
    databases: ['var/lib/dpkg/status'],
    packages: Array.from({ length: 1000 }, (_, k) => ({
      name: `pkg${k}`,
      version: `1:2.${k % 40}.${k}-1+deb12u${k % 7}`,
      source: null,
      arch: 'amd64',
      manager: 'dpkg',
      path: 'var/lib/dpkg/status',
      layer: 'sha256:l',
    })),
  };
  const advisories: Advisory[] = Array.from({ length: 100_000 }, (_, a) => ({
    id: `CVE-2024-${a}`,
    package: `pkg${a % 1000}`,
    ecosystem: a % 2 ? 'debian:12' : 'debian',
    affected: a % 3 ? null : `>= 1:2.0, < 1:9`,
    fixed: a % 20 === 0 ? `1:2.${a % 45}.${a % 1000}-1+deb12u${a % 9}` : `1:1.${a % 45}.${a % 1000}-1+deb11u${a % 9}`,
    severity: 'HIGH',
    cvss: null,
    description: null,
    uri: null,
  }));
  const cpuMs = (since: NodeJS.CpuUsage): number => {
    const c = process.cpuUsage(since);
    return (c.user + c.system) / 1000;
  };
  const t0 = process.cpuUsage();
  const first = matchFindings(inventory, advisories, 0);
  const cold = cpuMs(t0);
  const warm: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t1 = process.cpuUsage();
    matchFindings(inventory, advisories, 0);
    warm.push(cpuMs(t1));
  }
  rows.push([
    'Advisories matched per second (100,000 vs 1,000 packages)',
    `${(100_000 / (median(warm) / 1000) / 1e6).toFixed(2)} M/s (${median(warm).toFixed(0)} ms CPU; the first image after a change, index built: ${cold.toFixed(0)} ms; ${first.length} findings)`,
  ]);
  const emu = await startEmulator({ port: 0, fsync: 'never', logger: false });
  try {
    await call(emu, 'CreateRepository', { repositoryName: 'bench/scan' });
    const layers = Array.from({ length: 5 }, (_, i) => benchLayer(i));
    const layerDigests: string[] = [];
    for (const l of layers) {
      const digest = sha256(l);
      const res = await fetch(`${emu.endpoint}/v2/bench/scan/blobs/uploads/?digest=${digest}`, {
        method: 'POST',
        body: l,
        headers: { authorization: `Basic ${Buffer.from(`AWS:${await token(emu)}`).toString('base64')}` },
      });
      if (res.status !== 201) throw new Error(`layer push answered ${res.status}`);
      layerDigests.push(digest);
    }
    const configBytes = Buffer.from('{"architecture":"amd64","os":"linux"}');
    const config = { digest: await uploadBlob(emu, 'bench/scan', configBytes), size: configBytes.length };
    const manifestText = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((l, i) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigests[i], size: l.length })),
    });
    await call(emu, 'PutImage', { repositoryName: 'bench/scan', imageManifest: manifestText, imageTag: 'big' });
    const total = layers.reduce((s, l) => s + l.length, 0);
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    await call(emu, 'StartImageScan', { repositoryName: 'bench/scan', imageId: { imageTag: 'big' } });
    await emu.scansSettled();
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - wall0;
    const result = (await call(emu, 'DescribeImageScanFindings', { repositoryName: 'bench/scan', imageId: { imageTag: 'big' } })) as {
      imageScanStatus: { status: string };
    };
    if (result.imageScanStatus.status !== 'COMPLETE') throw new Error(`scan ended ${result.imageScanStatus.status}`);
    // the floor: decompressing the same layers and nothing else
    const floor0 = process.cpuUsage();
    let unpacked = 0;
    for (const l of layers)
      await pipeline(Readable.from([l]), createGunzip({ chunkSize: 1 << 20 }), async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) unpacked += chunk.length;
      });
    const floor = process.cpuUsage(floor0);
    rows.push([
      `Image scan, ${(total / 1e6).toFixed(0)} MB in 5 gzip layers, ${(unpacked / 1e6).toFixed(0)} MB unpacked (once)`,
      `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (gunzip alone: ${((floor.user + floor.system) / 1000).toFixed(0)} ms), ${wall.toFixed(0)} ms wall`,
    ]);
  } finally {
    await emu.stop();
  }

  return rows;
}

/** An ECR token for /v2 (the emulator runs with token auth). */
async function token(emu: Emulator): Promise<string> {
  const r = (await call(emu, 'GetAuthorizationToken', {})) as { authorizationData: { authorizationToken: string }[] };
  return Buffer.from(r.authorizationData[0]!.authorizationToken, 'base64').toString().slice(4);
}

export async function run(args: string[]): Promise<void> {
  if (args.includes('--scan-only')) {
    const rows = await scanRows();
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
    return;
  }
  const quick = args.includes('--quick');
  const rounds = quick ? 3 : 5;
  const perRound = quick ? 200 : 500;
  const emu = await startEmulator({ port: 0, fsync: 'never', logger: false });
  const rows: [string, string][] = [];
  try {
    for (const concurrency of [1, 16]) {
      const creates: number[] = [];
      for (let r = 0; r < rounds; r++)
        creates.push(
          await rate(perRound, concurrency, (i) => call(emu, 'CreateRepository', { repositoryName: `bench/c${concurrency}/r${r}/${i}` })),
        );
      rows.push([`CreateRepository (concurrency ${concurrency})`, `${median(creates).toFixed(0)} req/s`]);
    }

    await call(emu, 'CreateRepository', { repositoryName: 'bench/images' });
    const configBytes = Buffer.from('{"os":"linux","architecture":"amd64"}');
    const config = { digest: await uploadBlob(emu, 'bench/images', configBytes), size: configBytes.length };
    let serial = 0;
    for (const concurrency of [1, 16]) {
      const puts: number[] = [];
      for (let r = 0; r < rounds; r++)
        puts.push(
          await rate(perRound, concurrency, () => {
            const n = String(serial++);
            return call(emu, 'PutImage', { repositoryName: 'bench/images', imageManifest: manifest(config, n), imageTag: `t${n}` });
          }),
        );
      rows.push([`PutImage (concurrency ${concurrency})`, `${median(puts).toFixed(0)} req/s`]);
    }

    // A repository of exactly 1,000 images for DescribeImages.
    await call(emu, 'CreateRepository', { repositoryName: 'bench/thousand' });
    const cfg = { digest: await uploadBlob(emu, 'bench/thousand', configBytes), size: configBytes.length };
    await rate(1000, 16, async (i) =>
      call(emu, 'PutImage', { repositoryName: 'bench/thousand', imageManifest: manifest(cfg, String(i)), imageTag: `v${i}` }),
    );

    const pageAll = async (maxResults: number): Promise<number> => {
      const t0 = performance.now();
      let nextToken: string | undefined;
      let count = 0;
      do {
        const page = (await call(emu, 'DescribeImages', {
          repositoryName: 'bench/thousand',
          maxResults,
          ...(nextToken ? { nextToken } : {}),
        })) as {
          imageDetails: unknown[];
          nextToken?: string;
        };
        count += page.imageDetails.length;
        nextToken = page.nextToken;
      } while (nextToken);
      if (count !== 1000) throw new Error(`paged ${count} images, expected 1000`);
      return performance.now() - t0;
    };
    const by100: number[] = [];
    const by1000: number[] = [];
    for (let r = 0; r < rounds * 4; r++) {
      by100.push(await pageAll(100));
      by1000.push(await pageAll(1000));
    }
    rows.push(['DescribeImages 1,000 images, 10 pages of 100', `${median(by100).toFixed(1)} ms`]);
    rows.push(['DescribeImages 1,000 images, 1 page of 1,000', `${median(by1000).toFixed(1)} ms`]);
    const describes: number[] = [];
    for (let r = 0; r < rounds; r++)
      describes.push(await rate(perRound, 16, () => call(emu, 'DescribeImages', { repositoryName: 'bench/thousand', maxResults: 100 })));
    rows.push(['DescribeImages page of 100 (concurrency 16)', `${median(describes).toFixed(0)} req/s`]);

    const gets: number[] = [];
    for (let r = 0; r < rounds; r++)
      gets.push(
        await rate(perRound, 16, (i) =>
          call(emu, 'BatchGetImage', {
            repositoryName: 'bench/thousand',
            imageIds: [{ imageTag: `v${i % 1000}` }, { imageTag: `v${(i * 7) % 1000}` }],
          }),
        ),
      );
    rows.push(['BatchGetImage, 2 images (concurrency 16)', `${median(gets).toFixed(0)} req/s`]);
  } finally {
    await emu.stop();
  }
  rows.push(...(await lifecycleRows(rounds)));
  rows.push(...(await scanRows()));
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}
