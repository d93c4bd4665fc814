// Issue 10, points 10 and 11: a blob file changed on disk is never served under its digest, a
// manifest nesting without bound is refused, and descriptor sizes must be the sizes of what they name.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import test from 'ava';
import { BlobStore } from '../../src/blobs/blob-store.ts';
import { startEmulator } from '../../src/index.ts';
import { jsonBytes, MEDIA, RegistryDriver, sha256 } from '../../src/testkit/registry-driver.ts';

const flipByte = (path: string, at: number): void => {
  const bytes = readFileSync(path);
  bytes[at]! ^= 0xff;
  writeFileSync(path, bytes);
};

test('a small blob whose file no longer matches its digest is refused with a clear error, set aside, and pushed again', async (t) => {
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  await r.createRepository('rot');
  const blob = Buffer.from('x'.repeat(5000));
  const digest = await r.pushBlob('rot', blob);
  const file = new BlobStore(emu.config.journal, { durable: false }).path(digest);
  flipByte(file, 100);
  for (const method of ['GET', 'HEAD']) {
    const res = await fetch(`${emu.endpoint}/v2/rot/blobs/${digest}`, { method });
    t.is(res.status, 500, method);
    if (method === 'GET') {
      const body = (await res.json()) as { errors: { code: string; message: string }[] };
      t.is(body.errors[0]?.code, 'BLOB_UNKNOWN');
      t.regex(body.errors[0]!.message, /do not match its digest|bytes are missing/);
    }
  }
  t.true(
    readdirSync(dirname(file)).some((n) => n.includes('.corrupt-')),
    'set aside',
  );
  t.is(await r.pushBlob('rot', blob), digest);
  const back = Buffer.from(await (await fetch(`${emu.endpoint}/v2/rot/blobs/${digest}`)).arrayBuffer());
  t.true(back.equals(blob));
});

test('a large blob whose file no longer matches its digest is cut short, never served whole, then refused', async (t) => {
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  await r.createRepository('rot');
  const blob = Buffer.alloc(6 * 1024 * 1024, 3);
  const digest = await r.pushBlob('rot', blob);
  flipByte(new BlobStore(emu.config.journal, { durable: false }).path(digest), 5 * 1024 * 1024);
  const res = await fetch(`${emu.endpoint}/v2/rot/blobs/${digest}`);
  t.is(res.status, 200, 'the answer started before the end was hashed');
  const got = await res.arrayBuffer().then(
    (b) => b.byteLength,
    () => -1,
  );
  t.not(got, blob.length, 'the body is cut short');
  const again = await fetch(`${emu.endpoint}/v2/rot/blobs/${digest}`);
  t.is(again.status, 500);
  await again.arrayBuffer();
});

test('a large blob pushed in this process (served without a second hash) and then changed on disk is still refused', async (t) => {
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  await r.createRepository('rot');
  const blob = Buffer.alloc(6 * 1024 * 1024, 5);
  const digest = await r.pushBlob('rot', blob);
  const whole = Buffer.from(await (await fetch(`${emu.endpoint}/v2/rot/blobs/${digest}`)).arrayBuffer());
  t.true(whole.equals(blob), 'served whole: its bytes were verified as they were pushed');
  flipByte(new BlobStore(emu.config.journal, { durable: false }).path(digest), 5 * 1024 * 1024);
  const res = await fetch(`${emu.endpoint}/v2/rot/blobs/${digest}`);
  const got = await res.arrayBuffer().then(
    (b) => b.byteLength,
    () => -1,
  );
  t.not(got, blob.length, 'the changed file is hashed as it is sent, and the answer cut short');
  const again = await fetch(`${emu.endpoint}/v2/rot/blobs/${digest}`);
  t.is(again.status, 500);
  await again.arrayBuffer();
});

test('a push of a blob whose stored file is corrupt vouches for nothing: the corrupt file is still refused', async (t) => {
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  await r.createRepository('rot');
  const blob = Buffer.alloc(6 * 1024 * 1024, 9);
  const digest = await r.pushBlob('rot', blob);
  flipByte(new BlobStore(emu.config.journal, { durable: false }).path(digest), 100);
  // pushed again: the store keeps the file it has (now corrupt), so this push verified other bytes
  t.is(await r.pushBlob('rot', blob), digest);
  const res = await fetch(`${emu.endpoint}/v2/rot/blobs/${digest}`);
  const got = await res.arrayBuffer().then(
    (b) => b.byteLength,
    () => -1,
  );
  t.not(got, blob.length, 'never served whole');
  t.is((await fetch(`${emu.endpoint}/v2/rot/blobs/${digest}`, { method: 'HEAD' })).status, 500);
  // once set aside, a push stores it again, and it is served whole
  t.is(await r.pushBlob('rot', blob), digest);
  const back = Buffer.from(await (await fetch(`${emu.endpoint}/v2/rot/blobs/${digest}`)).arrayBuffer());
  t.true(back.equals(blob));
});

test('a manifest nesting deeper than 64 levels is refused on both faces', async (t) => {
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  await r.createRepository('deep');
  const config = jsonBytes({ architecture: 'amd64', os: 'linux' });
  await r.pushBlob('deep', config);
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  const text = `{"schemaVersion":2,"mediaType":"${MEDIA.ociManifest}","config":{"mediaType":"${MEDIA.ociConfig}","digest":"${sha256(config)}","size":${config.length}},"layers":[],"annotations":{"x":${deep}}}`;
  const res = await fetch(`${emu.endpoint}/v2/deep/manifests/v1`, {
    method: 'PUT',
    body: text,
    headers: { 'Content-Type': MEDIA.ociManifest },
  });
  t.is(res.status, 400);
  const body = (await res.json()) as { errors: { code: string; message: string }[] };
  t.is(body.errors[0]?.code, 'MANIFEST_INVALID');
  t.regex(body.errors[0]!.message, /deeper than 64 levels/);
  const ecr = await r.ecr('PutImage', { repositoryName: 'deep', imageTag: 'v1', imageManifest: text }).catch((e: { body: string }) => e);
  t.regex((ecr as { body: string }).body, /InvalidParameterException.*deeper than 64/);
  // a string holding brackets is no nesting
  const brackets = `{"schemaVersion":2,"mediaType":"${MEDIA.ociManifest}","config":{"mediaType":"${MEDIA.ociConfig}","digest":"${sha256(config)}","size":${config.length}},"layers":[],"annotations":{"x":"${'['.repeat(1000)}\\"{"}}`;
  t.is(
    (await fetch(`${emu.endpoint}/v2/deep/manifests/v2`, { method: 'PUT', body: brackets, headers: { 'Content-Type': MEDIA.ociManifest } }))
      .status,
    201,
  );
});

test("a descriptor's size must be the size of the blob or manifest it names", async (t) => {
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  await r.createRepository('sizes');
  const config = jsonBytes({ architecture: 'amd64', os: 'linux' });
  const layer = Buffer.alloc(5000, 1);
  await r.pushBlob('sizes', config);
  await r.pushBlob('sizes', layer);
  const manifest = (layerSize: number) =>
    jsonBytes({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: sha256(config), size: config.length },
      layers: [{ mediaType: MEDIA.ociLayer, digest: sha256(layer), size: layerSize }],
    });
  const lying = await fetch(`${emu.endpoint}/v2/sizes/manifests/bad`, {
    method: 'PUT',
    body: manifest(1),
    headers: { 'Content-Type': MEDIA.ociManifest },
  });
  t.is(lying.status, 400);
  const body = (await lying.json()) as { errors: { code: string; message: string }[] };
  t.is(body.errors[0]?.code, 'MANIFEST_INVALID');
  t.regex(body.errors[0]!.message, /says blob sha256:\w+ is 1 bytes; it is 5000 bytes/);
  const ecr = await r
    .ecr('PutImage', { repositoryName: 'sizes', imageTag: 'bad', imageManifest: manifest(1).toString() })
    .catch((e: { body: string }) => e);
  t.regex((ecr as { body: string }).body, /InvalidParameterException/);
  const good = manifest(5000);
  t.is(await r.putManifest('sizes', 'good', good, MEDIA.ociManifest), sha256(good));
  const index = (size: number) =>
    jsonBytes({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [{ mediaType: MEDIA.ociManifest, digest: sha256(good), size }] });
  t.is(
    (await fetch(`${emu.endpoint}/v2/sizes/manifests/list`, { method: 'PUT', body: index(7), headers: { 'Content-Type': MEDIA.ociIndex } }))
      .status,
    400,
  );
  t.is(await r.putManifest('sizes', 'list', index(good.length), MEDIA.ociIndex), sha256(index(good.length)));
});
