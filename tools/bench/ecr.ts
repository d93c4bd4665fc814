/**
 * ECR face benchmark: requests/s (median of rounds) for CreateRepository,
 * PutImage, DescribeImages and BatchGetImage over HTTP (JSON 1.1, keep-alive
 * fetch, SigV4 header parsed but not verified), plus the time to page through
 * DescribeImages of a 1,000-image repository (10 pages of 100, and one page of 1,000), and
 * the lifecycle rows of ecr-lifecycle.ts (a 10-rule policy over 10,000 images).
 * The journal runs with fsync=never so the figures are the face's, not the disk's.
 * `--quick` runs fewer rounds.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
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

export async function run(args: string[]): Promise<void> {
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
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}
