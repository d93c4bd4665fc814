// sha512, the other digest algorithm OCI registers (and the conformance suite pushes): blobs
// uploaded every way, verified by their sha512; a manifest and an index pushed by sha512 digest;
// snapshots, restores and verify keep them. Tags stay on sha256 (a PUT by tag digests with sha256);
// a PUT by digest (either algorithm) may tag it with ?tag= parameters, listed back in OCI-Tag.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { startEmulator } from '../../src/emulator.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { verifyJournal } from '../../src/replay/verify.ts';
import { errorCodes, OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, startRegistry } from './registry-fixture.ts';
import { sameBytes } from '../support/bytes.ts';

const sha512 = (bytes: Uint8Array | string): string => `sha512:${createHash('sha512').update(bytes).digest('hex')}`;

test('a sha512 blob pushed in one POST, by POST + PUT, and in chunks is stored and served under its digest', async (t) => {
  await using reg = await startRegistry();
  const monolithic = Buffer.from('sha512 blob in one POST');
  const d1 = sha512(monolithic);
  const post = await reg.fetch(`/v2/test/app/blobs/uploads/?digest=${d1}`, { method: 'POST', body: monolithic });
  t.is(post.status, 201);
  t.is(post.headers.get('docker-content-digest'), d1);

  const chunked = Buffer.from('first half|second half of a chunked sha512 blob');
  const d2 = sha512(chunked);
  const start = await reg.fetch('/v2/test/app/blobs/uploads/', { method: 'POST' });
  t.is(start.status, 202);
  let location = start.headers.get('location')!;
  const patch = await reg.fetch(location, {
    method: 'PATCH',
    body: chunked.subarray(0, 10),
    headers: { 'content-range': '0-9', 'content-type': 'application/octet-stream' },
  });
  t.is(patch.status, 202);
  location = patch.headers.get('location')!;
  const put = await reg.fetch(`${location}${location.includes('?') ? '&' : '?'}digest=${d2}`, {
    method: 'PUT',
    body: chunked.subarray(10),
  });
  t.is(put.status, 201);

  for (const [digest, bytes] of [
    [d1, monolithic],
    [d2, chunked],
  ] as const) {
    const get = await reg.fetch(`/v2/test/app/blobs/${digest}`);
    t.is(get.status, 200);
    t.is(get.headers.get('docker-content-digest'), digest);
    sameBytes(t, Buffer.from(await get.arrayBuffer()), bytes);
    const head = await reg.fetch(`/v2/test/app/blobs/${digest}`, { method: 'HEAD' });
    t.is(head.status, 200);
    t.is(head.headers.get('content-length'), String(bytes.length));
  }
});

test('a sha512 digest that does not match the bytes is DIGEST_INVALID; a malformed one is a 400 too', async (t) => {
  await using reg = await startRegistry();
  const wrong = sha512('other bytes');
  const post = await reg.fetch(`/v2/test/app/blobs/uploads/?digest=${wrong}`, { method: 'POST', body: 'these bytes' });
  t.is(post.status, 400);
  t.deepEqual(await errorCodes(post), ['DIGEST_INVALID']);
  t.is((await reg.fetch(`/v2/test/app/blobs/${wrong}`)).status, 404);
  const short = await reg.fetch(`/v2/test/app/blobs/sha512:${'a'.repeat(64)}`);
  t.is(short.status, 400);
  t.deepEqual(await errorCodes(short), ['DIGEST_INVALID']);
  const other = await reg.fetch(`/v2/test/app/blobs/sha384:${'a'.repeat(96)}`);
  t.is(other.status, 400);
  t.deepEqual(await errorCodes(other), ['DIGEST_INVALID']);
});

test('an image and an index of sha512 descriptors pushed by sha512 digest are served byte for byte; by tag they get a sha256 digest', async (t) => {
  await using reg = await startRegistry();
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
  const layer = 'a sha512 layer';
  const blobs: Record<string, string> = {};
  for (const bytes of [config, layer]) {
    const d = sha512(bytes);
    t.is((await reg.fetch(`/v2/test/app/blobs/uploads/?digest=${d}`, { method: 'POST', body: bytes })).status, 201);
    blobs[bytes] = d;
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: blobs[config], size: config.length },
      layers: [{ mediaType: OCI_LAYER, digest: blobs[layer], size: layer.length }],
    }),
  );
  const md = sha512(manifest);
  const put = await reg.putManifest('test/app', md, manifest);
  t.is(put.status, 201);
  t.is(put.headers.get('docker-content-digest'), md);
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: md, size: manifest.length }] }),
  );
  const id = sha512(index);
  t.is((await reg.putManifest('test/app', id, index, OCI_INDEX)).status, 201);

  for (const [digest, bytes, type] of [
    [md, manifest, OCI_MANIFEST],
    [id, index, OCI_INDEX],
  ] as const) {
    const get = await reg.fetch(`/v2/test/app/manifests/${digest}`, { headers: { accept: type } });
    t.is(get.status, 200);
    t.is(get.headers.get('docker-content-digest'), digest);
    sameBytes(t, Buffer.from(await get.arrayBuffer()), bytes);
  }
  // a sha512 digest that does not match the manifest's bytes
  const bad = await reg.putManifest('test/app', sha512('not it'), manifest);
  t.is(bad.status, 400);
  t.deepEqual(await errorCodes(bad), ['DIGEST_INVALID']);
  // by tag: the canonical sha256
  const tagged = await reg.putManifest('test/app', 'v1', manifest);
  t.is(tagged.status, 201);
  t.is(tagged.headers.get('docker-content-digest'), `sha256:${createHash('sha256').update(manifest).digest('hex')}`);
  // deleting by sha512 digest
  t.is((await reg.fetch(`/v2/test/app/manifests/${id}`, { method: 'DELETE' })).status, 202);
  t.is((await reg.fetch(`/v2/test/app/manifests/${id}`)).status, 404);
});

test('sha512 blobs survive a snapshot and a start from it, and verify checks them by sha512', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-rewind-sha512-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const bytes = Buffer.from('kept through a snapshot');
  const digest = sha512(bytes);
  {
    await using reg = await startRegistry({ journal: join(dir, 'a') });
    t.is((await reg.fetch(`/v2/test/app/blobs/uploads/?digest=${digest}`, { method: 'POST', body: bytes })).status, 201);
    await reg.emu.snapshot(join(dir, 'a.snapshot'));
  }
  t.deepEqual((await verifyJournal(await openHistory(join(dir, 'a')))).faults, []);
  {
    await using emu = await startEmulator({ fromSnapshot: join(dir, 'a.snapshot'), journal: join(dir, 'b'), auth: 'none', logger: false });
    const get = await fetch(`${emu.endpoint}/v2/test/app/blobs/${digest}`);
    t.is(get.status, 200);
    sameBytes(t, Buffer.from(await get.arrayBuffer()), bytes);
    await emu.blobsSettled();
  }
  t.deepEqual((await verifyJournal(await openHistory(join(dir, 'b')))).faults, []);
  // a flipped byte in the sha512 blob's file is found
  const file = join(dir, 'b', 'blobs', 'sha512', digest.slice(7, 9), digest.slice(7));
  await writeFile(file, Buffer.from('kept through a snapshoT'));
  const faults = (await verifyJournal(await openHistory(join(dir, 'b')))).faults;
  t.deepEqual(
    faults.map((f) => f.kind),
    ['blob-digest'],
  );
});

test('a PUT by digest with ?tag= parameters tags the manifest and lists each tag in OCI-Tag; a bad tag is TAG_INVALID', async (t) => {
  await using reg = await startRegistry();
  const { bytes } = await reg.pushImage('test/app', 'first');
  for (const digest of [sha512(bytes), `sha256:${createHash('sha256').update(bytes).digest('hex')}`]) {
    const put = await reg.putManifest('test/app', `${digest}?tag=${digest.slice(0, 6)}-a&tag=${digest.slice(0, 6)}-b`, bytes);
    t.is(put.status, 201);
    t.deepEqual(
      put.headers
        .get('oci-tag')
        ?.split(',')
        .map((s) => s.trim()),
      [`${digest.slice(0, 6)}-a`, `${digest.slice(0, 6)}-b`],
    );
    const byTag = await reg.fetch(`/v2/test/app/manifests/${digest.slice(0, 6)}-b`, { method: 'HEAD', headers: { accept: OCI_MANIFEST } });
    t.is(byTag.status, 200);
  }
  const bad = await reg.putManifest('test/app', `${sha512(bytes)}?tag=-no`, bytes);
  t.is(bad.status, 400);
  t.deepEqual(await errorCodes(bad), ['TAG_INVALID']);
});
