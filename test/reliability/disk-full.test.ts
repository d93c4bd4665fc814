// Issue 10, points 1 and 4 on a real full disk: a real `ecr-rewind serve` on a small tmpfs.
// Blobs are pushed until the disk fills: no 201 is given for bytes that are not stored, the
// refusals are 503 UNAVAILABLE (/v2) and ServerException (ECR); once the journal itself cannot be
// written, health says so and writes are refused; when space is freed the server takes writes
// again by itself; SIGTERM exits 0 and releases the journal, which verifies.
// Needs root (mount); CI runs as root and must not skip it.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { openHistory } from '../../src/replay/journal-history.ts';
import { verifyJournal } from '../../src/replay/verify.ts';
import { jsonBytes, MEDIA, RegistryDriver, sha256 } from '../../src/testkit/registry-driver.ts';
import { tempDir } from '../rewind/rewind-support.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const isRoot = process.getuid?.() === 0;
const inCi = process.env.CI === 'true';

if (!isRoot && !inCi) console.warn('SKIPPED disk-full.test.ts: mounting a tmpfs needs root (CI runs it as root)');
const rootTest = isRoot || inCi ? test : test.skip;

/** Fills the file system of `dir` to the last byte (or `bytes` of it); returns the filler's path. */
async function fill(dir: string, name: string, bytes = Infinity): Promise<string> {
  const path = join(dir, name);
  const fh = await open(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (let n = 0; n < bytes; n += chunk.length) await fh.write(chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  try {
    for (;;) {
      if (bytes !== Infinity) break;
      await fh.write(chunk.subarray(0, 512));
    }
  } catch {
    // full to the last block
  } finally {
    await fh.close();
  }
  return path;
}

rootTest('a full disk: no false 201, clear refusals, degraded health, writes again once space is freed, SIGTERM exits 0', async (t) => {
  t.timeout(180_000);
  if (!isRoot) return t.fail('the disk-full test needs root to mount a tmpfs, and CI must run it');
  const base = await tempDir(t);
  const mnt = join(base, 'small');
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', mnt]);
  t.teardown(() => {
    execFileSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
  const journal = join(mnt, 'j');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'serve', '--port', '0', '--journal', journal, '--auth', 'none', '--fsync', 'always'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  while (!/serving (http:\/\/[\d.:]+)/.test(err)) {
    if (child.exitCode !== null) return t.fail(err);
    await sleep(50);
  }
  const endpoint = /serving (http:\/\/[\d.:]+)/.exec(err)![1]!;
  const r = new RegistryDriver(endpoint);
  await r.createRepository('full');
  // most of the disk taken by something else (freed in step 3), a few MiB left for blobs
  const other = await fill(mnt, 'other', 8 * 1024 * 1024);

  // 1. blobs until the disk is full: every 201 reads back; the refusal is a 503 with an OCI body
  const stored = new Map<string, Buffer>();
  let refusal: Response | undefined;
  for (let i = 0; i < 40 && !refusal; i++) {
    const blob = randomBytes(1024 * 1024);
    const res = await fetch(`${endpoint}/v2/full/blobs/uploads/?digest=${sha256(blob)}`, { method: 'POST', body: blob });
    if (res.status === 201) stored.set(sha256(blob), blob);
    else refusal = res;
  }
  t.truthy(refusal, 'the disk filled up');
  t.is(refusal!.status, 503);
  const body = (await refusal!.json()) as { errors: { code: string; message: string }[] };
  t.is(body.errors[0]?.code, 'UNAVAILABLE');
  t.regex(body.errors[0]!.message, /disk is full|could not be written/);
  t.true(stored.size > 0);
  for (const [digest, bytes] of stored)
    t.true(Buffer.from(await (await fetch(`${endpoint}/v2/full/blobs/${digest}`)).arrayBuffer()).equals(bytes), `${digest} reads back`);
  const { uploadId } = (await r.ecr('InitiateLayerUpload', { repositoryName: 'full' }).catch(() => ({ uploadId: '' }))) as {
    uploadId: string;
  };
  if (uploadId) {
    const part = Buffer.alloc(1024 * 1024, 2);
    const ecr = await r
      .ecr('UploadLayerPart', {
        repositoryName: 'full',
        uploadId,
        partFirstByte: 0,
        partLastByte: part.length - 1,
        layerPartBlob: part.toString('base64'),
      })
      .catch((e: { status: number; body: string }) => e);
    t.is((ecr as { status: number }).status, 500);
    t.regex((ecr as { body: string }).body, /ServerException/);
  }

  // 2. nothing left at all: the journal cannot append; health says so; writes are refused, reads served
  const filler = await fill(mnt, 'filler');
  const config = jsonBytes({ architecture: 'amd64', os: 'linux' });
  const digestOfStored = [...stored.keys()][0]!;
  const manifest = jsonBytes({
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: digestOfStored, size: stored.get(digestOfStored)!.length },
    layers: [],
    annotations: { config: sha256(config) },
  });
  // a frame may still fit in the segment's last page: tags until one needs a page the disk does not have
  let refusedTag: string | undefined;
  for (let i = 0; i < 500 && refusedTag === undefined; i++) {
    const put = await fetch(`${endpoint}/v2/full/manifests/t${i}`, {
      method: 'PUT',
      body: manifest,
      headers: { 'Content-Type': MEDIA.ociManifest },
    });
    if (put.status !== 201) {
      t.is(put.status, 503);
      refusedTag = `t${i}`;
    }
  }
  t.truthy(refusedTag, 'the journal ran out of room');
  t.is((await fetch(`${endpoint}/v2/full/manifests/${refusedTag}`, { method: 'HEAD' })).status, 404, 'the refused tag is not visible');
  const health = await fetch(`${endpoint}/_rewind/health`);
  t.is(health.status, 503);
  t.regex(((await health.json()) as { problem: string }).problem, /ENOSPC/);
  const created = await r.createRepository('another').catch((e: { status: number; body: string }) => e);
  t.is((created as { status: number }).status, 500);
  t.regex((created as { body: string }).body, /ServerException/);

  // 3. space again: writes are taken by themselves
  await unlink(filler);
  await unlink(other);
  await sleep(1200);
  t.is((await fetch(`${endpoint}/_rewind/health`)).status, 200, err.slice(-3000));
  t.is(await r.putManifest('full', refusedTag ?? 'v1', manifest, MEDIA.ociManifest), sha256(manifest));

  // 4. SIGTERM: exit 0, the journal released and sound
  child.kill('SIGTERM');
  t.is(await exited, 0, err.slice(-2000));
  t.false(existsSync(join(journal, 'LOCK')));
  const report = await verifyJournal(await openHistory(journal));
  t.deepEqual(report.faults, []);
});
