// OCI Distribution v1.1 over raw HTTP: end-1 .. end-7, end-13, every answer's headers.

import test from 'ava';
import { digestOf, DOCKER_MANIFEST, errorCodes, OCI_INDEX, OCI_MANIFEST, startRegistry } from './registry-fixture.ts';
import { sameBytes } from '../support/bytes.ts';

test('end-1: GET /v2/ without credentials is a 401 Basic challenge; with credentials 200', async (t) => {
  await using reg = await startRegistry({ auth: 'any' });
  const anonymous = await fetch(`${reg.url}/v2/`);
  t.is(anonymous.status, 401);
  t.regex(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm="[^"]+"/);
  t.is(anonymous.headers.get('docker-distribution-api-version'), 'registry/2.0');
  t.deepEqual(await errorCodes(anonymous), ['UNAUTHORIZED']);
  const authed = await reg.fetch('/v2/');
  t.is(authed.status, 200);
  t.is(authed.headers.get('docker-distribution-api-version'), 'registry/2.0');
});

test('end-1: in auth mode none GET /v2/ is 200 without credentials', async (t) => {
  await using reg = await startRegistry({ auth: 'none' });
  t.is((await fetch(`${reg.url}/v2/`)).status, 200);
});

test('every /v2 request without credentials is refused with UNAUTHORIZED when auth is required', async (t) => {
  await using reg = await startRegistry({ auth: 'any' });
  const res = await fetch(`${reg.url}/v2/test/app/tags/list`);
  t.is(res.status, 401);
  t.deepEqual(await errorCodes(res), ['UNAUTHORIZED']);
});

test('end-4b + end-2: a monolithic POST ?digest= stores the blob; GET and HEAD serve it with its digest', async (t) => {
  await using reg = await startRegistry();
  const bytes = Buffer.from('monolithic blob bytes');
  const digest = digestOf(bytes);
  const post = await reg.fetch(`/v2/test/app/blobs/uploads/?digest=${digest}`, { method: 'POST', body: bytes });
  t.is(post.status, 201);
  t.is(post.headers.get('location'), `/v2/test/app/blobs/${digest}`);
  t.is(post.headers.get('docker-content-digest'), digest);

  const get = await reg.fetch(`/v2/test/app/blobs/${digest}`);
  t.is(get.status, 200);
  t.is(get.headers.get('docker-content-digest'), digest);
  t.is(get.headers.get('content-length'), String(bytes.length));
  sameBytes(t, Buffer.from(await get.arrayBuffer()), bytes);

  const head = await reg.fetch(`/v2/test/app/blobs/${digest}`, { method: 'HEAD' });
  t.is(head.status, 200);
  t.is(head.headers.get('content-length'), String(bytes.length));
  t.is(head.headers.get('docker-content-digest'), digest);
  t.is((await head.arrayBuffer()).byteLength, 0);
});

test('end-2: a Range GET answers 206 with Content-Range; an unsatisfiable range is 416', async (t) => {
  await using reg = await startRegistry();
  const digest = await reg.pushBlob('test/app', '0123456789');
  const part = await reg.fetch(`/v2/test/app/blobs/${digest}`, { headers: { range: 'bytes=2-5' } });
  t.is(part.status, 206);
  t.is(part.headers.get('content-range'), 'bytes 2-5/10');
  t.is(await part.text(), '2345');
  const tail = await reg.fetch(`/v2/test/app/blobs/${digest}`, { headers: { range: 'bytes=7-' } });
  t.is(await tail.text(), '789');
  const bad = await reg.fetch(`/v2/test/app/blobs/${digest}`, { headers: { range: 'bytes=20-30' } });
  t.is(bad.status, 416);
});

test('end-2: an unknown blob is 404 BLOB_UNKNOWN; a blob of another repository is not served', async (t) => {
  await using reg = await startRegistry({}, ['test/app', 'test/other']);
  const digest = await reg.pushBlob('test/other', 'only in other');
  const res = await reg.fetch(`/v2/test/app/blobs/${digest}`);
  t.is(res.status, 404);
  t.deepEqual(await errorCodes(res), ['BLOB_UNKNOWN']);
  const head = await reg.fetch(`/v2/test/app/blobs/${digestOf('nothing')}`, { method: 'HEAD' });
  t.is(head.status, 404);
});

test('end-4a + end-5 + end-13 + end-6: a chunked upload with several PATCHes, status in between, final PUT', async (t) => {
  await using reg = await startRegistry();
  const bytes = Buffer.from('chunk-one|chunk-two|chunk-three');
  const digest = digestOf(bytes);
  const post = await reg.fetch('/v2/test/app/blobs/uploads/', { method: 'POST' });
  t.is(post.status, 202);
  const location = post.headers.get('location') ?? '';
  const uuid = post.headers.get('docker-upload-uuid') ?? '';
  t.regex(location, new RegExp(`^/v2/test/app/blobs/uploads/${uuid}$`));
  t.is(post.headers.get('range'), '0-0');

  const p1 = await reg.fetch(location, {
    method: 'PATCH',
    body: bytes.subarray(0, 10),
    headers: { 'content-range': '0-9', 'content-type': 'application/octet-stream' },
  });
  t.is(p1.status, 202);
  t.is(p1.headers.get('range'), '0-9');
  t.is(p1.headers.get('docker-upload-uuid'), uuid);
  const status = await reg.fetch(location);
  t.is(status.status, 204);
  t.is(status.headers.get('range'), '0-9');
  t.is(status.headers.get('location'), location);

  const p2 = await reg.fetch(p1.headers.get('location') ?? '', {
    method: 'PATCH',
    body: bytes.subarray(10, 20),
    headers: { 'content-range': '10-19' },
  });
  t.is(p2.status, 202);
  t.is(p2.headers.get('range'), '0-19');
  const put = await reg.fetch(`${location}?digest=${digest}`, {
    method: 'PUT',
    body: bytes.subarray(20),
    headers: { 'content-range': `20-${bytes.length - 1}` },
  });
  t.is(put.status, 201);
  t.is(put.headers.get('location'), `/v2/test/app/blobs/${digest}`);
  t.is(put.headers.get('docker-content-digest'), digest);
  sameBytes(t, Buffer.from(await (await reg.fetch(`/v2/test/app/blobs/${digest}`)).arrayBuffer()), bytes);
  t.is((await reg.fetch(location)).status, 404, 'the finished upload is gone');
});

test('end-5: a streamed PATCH without Content-Range, then PUT without a body', async (t) => {
  await using reg = await startRegistry();
  const bytes = Buffer.alloc(300_000, 7);
  const post = await reg.fetch('/v2/test/app/blobs/uploads/', { method: 'POST' });
  const location = post.headers.get('location') ?? '';
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += 65_536) c.enqueue(bytes.subarray(i, i + 65_536));
      c.close();
    },
  });
  const patch = await reg.fetch(location, { method: 'PATCH', body: stream, duplex: 'half' } as RequestInit);
  t.is(patch.status, 202);
  t.is(patch.headers.get('range'), `0-${bytes.length - 1}`);
  const put = await reg.fetch(`${location}?digest=${digestOf(bytes)}`, { method: 'PUT' });
  t.is(put.status, 201);
});

test('end-5: an out-of-order or overlapping chunk is 416 with the current Range; the upload continues', async (t) => {
  await using reg = await startRegistry();
  const bytes = Buffer.from('abcdefghij');
  const post = await reg.fetch('/v2/test/app/blobs/uploads/', { method: 'POST' });
  const location = post.headers.get('location') ?? '';
  await reg.fetch(location, { method: 'PATCH', body: bytes.subarray(0, 4), headers: { 'content-range': '0-3' } });
  const gap = await reg.fetch(location, { method: 'PATCH', body: bytes.subarray(6), headers: { 'content-range': '6-9' } });
  t.is(gap.status, 416);
  t.is(gap.headers.get('range'), '0-3');
  const overlap = await reg.fetch(location, { method: 'PATCH', body: bytes.subarray(2, 6), headers: { 'content-range': '2-5' } });
  t.is(overlap.status, 416);
  const next = await reg.fetch(location, { method: 'PATCH', body: bytes.subarray(4), headers: { 'content-range': '4-9' } });
  t.is(next.status, 202);
  t.is((await reg.fetch(`${location}?digest=${digestOf(bytes)}`, { method: 'PUT' })).status, 201);
});

test('end-6: a digest mismatch is DIGEST_INVALID and the upload stays usable', async (t) => {
  await using reg = await startRegistry();
  const bytes = Buffer.from('the real content');
  const post = await reg.fetch('/v2/test/app/blobs/uploads/', { method: 'POST' });
  const location = post.headers.get('location') ?? '';
  await reg.fetch(location, { method: 'PATCH', body: bytes.subarray(0, 8) });
  const wrong = await reg.fetch(`${location}?digest=${digestOf('something else')}`, { method: 'PUT', body: bytes.subarray(8) });
  t.is(wrong.status, 400);
  t.deepEqual(await errorCodes(wrong), ['DIGEST_INVALID']);
  const status = await reg.fetch(location);
  t.is(status.status, 204);
  t.is(status.headers.get('range'), '0-7', 'the final chunk of the refused PUT is not kept');
  const right = await reg.fetch(`${location}?digest=${digestOf(bytes)}`, { method: 'PUT', body: bytes.subarray(8) });
  t.is(right.status, 201);
});

test('end-4b: a monolithic POST whose bytes do not match the digest is DIGEST_INVALID and stores nothing', async (t) => {
  await using reg = await startRegistry();
  const claimed = digestOf('claimed');
  const res = await reg.fetch(`/v2/test/app/blobs/uploads/?digest=${claimed}`, { method: 'POST', body: 'actual' });
  t.is(res.status, 400);
  t.deepEqual(await errorCodes(res), ['DIGEST_INVALID']);
  t.is((await reg.fetch(`/v2/test/app/blobs/${claimed}`, { method: 'HEAD' })).status, 404);
});

test('an upload can be cancelled with DELETE; afterwards it is BLOB_UPLOAD_UNKNOWN', async (t) => {
  await using reg = await startRegistry();
  const post = await reg.fetch('/v2/test/app/blobs/uploads/', { method: 'POST' });
  const location = post.headers.get('location') ?? '';
  await reg.fetch(location, { method: 'PATCH', body: 'abc' });
  t.is((await reg.fetch(location, { method: 'DELETE' })).status, 204);
  const after = await reg.fetch(location, { method: 'PATCH', body: 'def' });
  t.is(after.status, 404);
  t.deepEqual(await errorCodes(after), ['BLOB_UPLOAD_UNKNOWN']);
  const unknown = await reg.fetch('/v2/test/app/blobs/uploads/00000000-0000-4000-8000-000000000000');
  t.deepEqual(await errorCodes(unknown), ['BLOB_UPLOAD_UNKNOWN']);
});

test('an upload of one repository is unknown under another repository', async (t) => {
  await using reg = await startRegistry({}, ['test/app', 'test/other']);
  const post = await reg.fetch('/v2/test/app/blobs/uploads/', { method: 'POST' });
  const uuid = post.headers.get('docker-upload-uuid') ?? '';
  const res = await reg.fetch(`/v2/test/other/blobs/uploads/${uuid}`);
  t.is(res.status, 404);
  t.deepEqual(await errorCodes(res), ['BLOB_UPLOAD_UNKNOWN']);
});

test('end-7 + end-3: a manifest PUT by tag is served byte for byte by tag and by digest, with its media type', async (t) => {
  await using reg = await startRegistry();
  // Unusual whitespace: the digest must be of exactly these bytes.
  const config = await reg.pushBlob('test/app', '{"os":"linux"}');
  const layer = await reg.pushBlob('test/app', 'layer');
  const bytes = Buffer.from(
    `{\n  "schemaVersion": 2,\n  "mediaType": "${OCI_MANIFEST}",\n  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "${config}", "size": 14},\n  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "${layer}", "size": 5}]\n}\n`,
  );
  const digest = digestOf(bytes);
  const put = await reg.putManifest('test/app', 'v1', bytes);
  t.is(put.status, 201);
  t.is(put.headers.get('docker-content-digest'), digest);
  t.is(put.headers.get('location'), `/v2/test/app/manifests/${digest}`);

  for (const ref of ['v1', digest]) {
    const get = await reg.fetch(`/v2/test/app/manifests/${ref}`, { headers: { accept: OCI_MANIFEST } });
    t.is(get.status, 200);
    t.is(get.headers.get('content-type'), OCI_MANIFEST);
    t.is(get.headers.get('docker-content-digest'), digest);
    sameBytes(t, Buffer.from(await get.arrayBuffer()), bytes);
    const head = await reg.fetch(`/v2/test/app/manifests/${ref}`, { method: 'HEAD', headers: { accept: OCI_MANIFEST } });
    t.is(head.status, 200);
    t.is(head.headers.get('content-length'), String(bytes.length));
    t.is(head.headers.get('docker-content-digest'), digest);
  }
});

test('end-7: a manifest PUT by digest must match its bytes', async (t) => {
  await using reg = await startRegistry();
  const { bytes, digest } = await reg.pushImage('test/app', 'v1');
  const again = await reg.putManifest('test/app', digest, bytes);
  t.is(again.status, 201, 'the same manifest again, by digest');
  const wrong = await reg.putManifest('test/app', digestOf('other'), bytes);
  t.is(wrong.status, 400);
  t.deepEqual(await errorCodes(wrong), ['DIGEST_INVALID']);
});

test('end-7: a manifest referencing a missing blob is MANIFEST_BLOB_UNKNOWN; invalid JSON is MANIFEST_INVALID', async (t) => {
  await using reg = await startRegistry();
  const config = await reg.pushBlob('test/app', '{}');
  const missing = await reg.putManifest('test/app', 'v1', {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 2 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf('never pushed'), size: 12 }],
  });
  t.is(missing.status, 400);
  t.deepEqual(await errorCodes(missing), ['MANIFEST_BLOB_UNKNOWN']);
  const invalid = await reg.putManifest('test/app', 'v1', '{not json');
  t.is(invalid.status, 400);
  t.deepEqual(await errorCodes(invalid), ['MANIFEST_INVALID']);
  const index = await reg.putManifest(
    'test/app',
    'list',
    { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: digestOf('no such child'), size: 3 }] },
    OCI_INDEX,
  );
  t.is(index.status, 400);
  t.deepEqual(await errorCodes(index), ['MANIFEST_BLOB_UNKNOWN']);
});

test('end-7: a manifest over 4 MiB is refused with 413', async (t) => {
  await using reg = await startRegistry();
  const huge = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
  const res = await reg.putManifest('test/app', 'big', huge);
  t.is(res.status, 413);
});

test('end-7: a manifest just under 4 MiB (390 annotations of 10,000 characters) is accepted, journaled and served byte for byte', async (t) => {
  await using reg = await startRegistry();
  const annotations = Object.fromEntries(Array.from({ length: 390 }, (_, i) => [`large-annotation-${i}`, 'A'.repeat(10_000)]));
  const { bytes, digest } = await reg.pushImage('test/app', 'large-manifest', { annotations });
  t.true(bytes.length > 3_900_000 && bytes.length <= 4 * 1024 * 1024);
  const get = await reg.fetch(`/v2/test/app/manifests/${digest}`, { headers: { accept: OCI_MANIFEST } });
  t.is(get.status, 200);
  sameBytes(t, Buffer.from(await get.arrayBuffer()), bytes);
});

test('end-7: a push to a repository that does not exist is NAME_UNKNOWN', async (t) => {
  await using reg = await startRegistry();
  const post = await reg.fetch('/v2/test/missing/blobs/uploads/', { method: 'POST' });
  t.is(post.status, 404);
  t.deepEqual(await errorCodes(post), ['NAME_UNKNOWN']);
  const mono = await reg.fetch(`/v2/test/missing/blobs/uploads/?digest=${digestOf('x')}`, { method: 'POST', body: 'x' });
  t.deepEqual(await errorCodes(mono), ['NAME_UNKNOWN']);
  const manifest = await reg.putManifest('test/missing', 'v1', {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'x', digest: digestOf('c'), size: 1 },
    layers: [],
  });
  t.deepEqual(await errorCodes(manifest), ['NAME_UNKNOWN']);
});

test('end-3: an unknown tag or digest is MANIFEST_UNKNOWN; an unknown repository NAME_UNKNOWN', async (t) => {
  await using reg = await startRegistry();
  const tag = await reg.fetch('/v2/test/app/manifests/nope');
  t.is(tag.status, 404);
  t.deepEqual(await errorCodes(tag), ['MANIFEST_UNKNOWN']);
  const digest = await reg.fetch(`/v2/test/app/manifests/${digestOf('nope')}`);
  t.deepEqual(await errorCodes(digest), ['MANIFEST_UNKNOWN']);
  const repo = await reg.fetch('/v2/test/none/manifests/latest');
  t.deepEqual(await errorCodes(repo), ['NAME_UNKNOWN']);
});

test('end-3: content negotiation: an OCI index is not served to a client that accepts only Docker types', async (t) => {
  await using reg = await startRegistry();
  const child = await reg.pushImage('test/app', 'child');
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: OCI_MANIFEST, digest: child.digest, size: child.bytes.length }],
  };
  t.is((await reg.putManifest('test/app', 'multi', index, OCI_INDEX)).status, 201);
  const dockerOnly = await reg.fetch('/v2/test/app/manifests/multi', { headers: { accept: DOCKER_MANIFEST } });
  t.is(dockerOnly.status, 404);
  const both = await reg.fetch('/v2/test/app/manifests/multi', { headers: { accept: `${DOCKER_MANIFEST}, ${OCI_INDEX}` } });
  t.is(both.status, 200);
  t.is(both.headers.get('content-type'), OCI_INDEX);
  const none = await reg.fetch('/v2/test/app/manifests/multi');
  t.is(none.status, 200, 'no Accept header: served as stored');
});

test('end-7: a Docker schema2 manifest keeps its media type', async (t) => {
  await using reg = await startRegistry();
  const config = await reg.pushBlob('test/app', '{"os":"linux","architecture":"amd64"}');
  const layer = await reg.pushBlob('test/app', 'docker layer');
  const doc = {
    schemaVersion: 2,
    mediaType: DOCKER_MANIFEST,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 37, digest: config },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 12, digest: layer }],
  };
  t.is((await reg.putManifest('test/app', 'docker', doc, DOCKER_MANIFEST)).status, 201);
  const get = await reg.fetch('/v2/test/app/manifests/docker', { headers: { accept: DOCKER_MANIFEST } });
  t.is(get.headers.get('content-type'), DOCKER_MANIFEST);
});

test("an immutable repository refuses to move a tag: 400 TAG_INVALID with ECR's message", async (t) => {
  await using reg = await startRegistry({}, []);
  await reg.createRepository('test/frozen', { imageTagMutability: 'IMMUTABLE' });
  await reg.pushImage('test/frozen', 'v1', { layers: ['one'] });
  const config = await reg.pushBlob('test/frozen', '{}');
  const res = await reg.putManifest('test/frozen', 'v1', {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 2 },
    layers: [],
  });
  t.is(res.status, 400);
  const body = (await res.json()) as { errors: { code: string; message: string }[] };
  t.is(body.errors[0]?.code, 'TAG_INVALID');
  t.is(
    body.errors[0]?.message,
    "tag invalid: The image tag 'v1' already exists in the 'test/frozen' repository and cannot be overwritten because the repository is immutable.",
  );
});
