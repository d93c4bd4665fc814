// OCI Distribution v1.1 over raw HTTP: end-8 (tags), catalog, end-9/end-10 (deletes),
// end-11 (mount), end-12 (referrers), and 400s for malformed names and digests.

import test from 'ava';
import { digestOf, errorCodes, OCI_MANIFEST, startRegistry } from './registry-fixture.ts';

test('end-8a: tags are listed sorted', async (t) => {
  await using reg = await startRegistry();
  const { bytes } = await reg.pushImage('test/app', 'b');
  for (const tag of ['c', 'a', 'B', '10', '9']) await reg.putManifest('test/app', tag, bytes);
  const res = await reg.fetch('/v2/test/app/tags/list');
  t.is(res.status, 200);
  t.deepEqual(await res.json(), { name: 'test/app', tags: ['10', '9', 'B', 'a', 'b', 'c'] });
});

test('end-8b: tags are paginated with n, last and a Link to the next page', async (t) => {
  await using reg = await startRegistry();
  const { bytes } = await reg.pushImage('test/app', 't00');
  for (let i = 1; i < 7; i++) await reg.putManifest('test/app', `t0${i}`, bytes);
  const first = await reg.fetch('/v2/test/app/tags/list?n=3');
  t.deepEqual(((await first.json()) as { tags: string[] }).tags, ['t00', 't01', 't02']);
  t.is(first.headers.get('link'), '</v2/test/app/tags/list?n=3&last=t02>; rel="next"');
  const second = await reg.fetch('/v2/test/app/tags/list?n=3&last=t02');
  t.deepEqual(((await second.json()) as { tags: string[] }).tags, ['t03', 't04', 't05']);
  const third = await reg.fetch('/v2/test/app/tags/list?n=3&last=t05');
  t.deepEqual(((await third.json()) as { tags: string[] }).tags, ['t06']);
  t.is(third.headers.get('link'), null, 'no Link on the last page');
  const zero = await reg.fetch('/v2/test/app/tags/list?n=0');
  t.deepEqual(((await zero.json()) as { tags: string[] }).tags, []);
  const bad = await reg.fetch('/v2/test/app/tags/list?n=-1');
  t.is(bad.status, 400);
});

test('end-8: tags of an unknown repository is NAME_UNKNOWN', async (t) => {
  await using reg = await startRegistry();
  const res = await reg.fetch('/v2/test/none/tags/list');
  t.is(res.status, 404);
  t.deepEqual(await errorCodes(res), ['NAME_UNKNOWN']);
});

test('GET /v2/_catalog lists repositories sorted, with pagination', async (t) => {
  await using reg = await startRegistry({}, ['zeta/one', 'alpha/two', 'mid']);
  const all = await reg.fetch('/v2/_catalog');
  t.deepEqual(await all.json(), { repositories: ['alpha/two', 'mid', 'zeta/one'] });
  const first = await reg.fetch('/v2/_catalog?n=2');
  t.deepEqual(await first.json(), { repositories: ['alpha/two', 'mid'] });
  t.is(first.headers.get('link'), '</v2/_catalog?n=2&last=mid>; rel="next"');
  const rest = await reg.fetch('/v2/_catalog?n=2&last=mid');
  t.deepEqual(await rest.json(), { repositories: ['zeta/one'] });
});

test('end-9: DELETE of a manifest by digest removes it and its tags; by tag removes only the tag', async (t) => {
  await using reg = await startRegistry();
  const { bytes, digest } = await reg.pushImage('test/app', 'v1');
  await reg.putManifest('test/app', 'v2', bytes);
  const byTag = await reg.fetch('/v2/test/app/manifests/v2', { method: 'DELETE' });
  t.is(byTag.status, 202);
  t.is((await reg.fetch('/v2/test/app/manifests/v2')).status, 404);
  t.is((await reg.fetch(`/v2/test/app/manifests/${digest}`)).status, 200, 'the image is still there');
  const byDigest = await reg.fetch(`/v2/test/app/manifests/${digest}`, { method: 'DELETE' });
  t.is(byDigest.status, 202);
  t.is((await reg.fetch(`/v2/test/app/manifests/${digest}`)).status, 404);
  t.is((await reg.fetch('/v2/test/app/manifests/v1')).status, 404);
  const again = await reg.fetch(`/v2/test/app/manifests/${digest}`, { method: 'DELETE' });
  t.is(again.status, 404);
  t.deepEqual(await errorCodes(again), ['MANIFEST_UNKNOWN']);
});

test('end-10: DELETE of a blob unlinks it from the repository', async (t) => {
  await using reg = await startRegistry();
  const digest = await reg.pushBlob('test/app', 'to be deleted');
  t.is((await reg.fetch(`/v2/test/app/blobs/${digest}`, { method: 'DELETE' })).status, 202);
  t.is((await reg.fetch(`/v2/test/app/blobs/${digest}`)).status, 404);
  const again = await reg.fetch(`/v2/test/app/blobs/${digest}`, { method: 'DELETE' });
  t.is(again.status, 404);
  t.deepEqual(await errorCodes(again), ['BLOB_UNKNOWN']);
});

test('end-11: a blob is mounted from another repository (201); an unknown blob opens an upload (202)', async (t) => {
  await using reg = await startRegistry({}, ['test/src', 'test/dst']);
  const digest = await reg.pushBlob('test/src', 'shared layer');
  const mount = await reg.fetch(`/v2/test/dst/blobs/uploads/?mount=${digest}&from=test/src`, { method: 'POST' });
  t.is(mount.status, 201);
  t.is(mount.headers.get('location'), `/v2/test/dst/blobs/${digest}`);
  t.is(mount.headers.get('docker-content-digest'), digest);
  t.is(await (await reg.fetch(`/v2/test/dst/blobs/${digest}`)).text(), 'shared layer');

  const unknown = await reg.fetch(`/v2/test/dst/blobs/uploads/?mount=${digestOf('nope')}&from=test/src`, { method: 'POST' });
  t.is(unknown.status, 202);
  t.truthy(unknown.headers.get('docker-upload-uuid'));
  t.regex(unknown.headers.get('location') ?? '', /^\/v2\/test\/dst\/blobs\/uploads\//);
});

test('end-11: automatic mount without `from` links a blob the registry already holds', async (t) => {
  await using reg = await startRegistry({}, ['test/src', 'test/dst']);
  const digest = await reg.pushBlob('test/src', 'known somewhere');
  const mount = await reg.fetch(`/v2/test/dst/blobs/uploads/?mount=${digest}`, { method: 'POST' });
  t.is(mount.status, 201);
  t.is((await reg.fetch(`/v2/test/dst/blobs/${digest}`, { method: 'HEAD' })).status, 200);
});

test('end-12: referrers of a subject, with artifactType filter and OCI-Subject on the PUT', async (t) => {
  await using reg = await startRegistry();
  const subject = await reg.pushImage('test/app', 'v1');
  const subjectDesc = { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.bytes.length };
  const empty = await reg.fetch(`/v2/test/app/referrers/${subject.digest}`);
  t.is(empty.status, 200, 'no referrers is an empty index, not 404');
  t.deepEqual(await empty.json(), { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] });

  const sbom = await reg.pushImage('test/app', 'sbom', {
    layers: ['sbom'],
    subject: subjectDesc,
    artifactType: 'application/spdx+json',
    annotations: { kind: 'sbom' },
  });
  const sig = await reg.pushImage('test/app', 'sig', { layers: ['sig'], subject: subjectDesc, artifactType: 'application/vnd.dev.cosign' });
  const put = await reg.putManifest('test/app', 'sbom2', sbom.bytes);
  t.is(put.headers.get('oci-subject'), subject.digest);

  const all = await reg.fetch(`/v2/test/app/referrers/${subject.digest}`);
  t.is(all.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
  const index = (await all.json()) as {
    manifests: { digest: string; artifactType: string; size: number; annotations?: Record<string, string> }[];
  };
  t.deepEqual(
    index.manifests.map((m) => [m.digest, m.artifactType]).sort(),
    [
      [sbom.digest, 'application/spdx+json'],
      [sig.digest, 'application/vnd.dev.cosign'],
    ].sort(),
  );
  t.deepEqual(index.manifests.find((m) => m.digest === sbom.digest)?.annotations, { kind: 'sbom' });
  t.is(index.manifests.find((m) => m.digest === sbom.digest)?.size, sbom.bytes.length);

  const filtered = await reg.fetch(`/v2/test/app/referrers/${subject.digest}?artifactType=application/spdx%2Bjson`);
  t.is(filtered.headers.get('oci-filters-applied'), 'artifactType');
  t.deepEqual(
    ((await filtered.json()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest),
    [sbom.digest],
  );

  await reg.fetch(`/v2/test/app/manifests/${sig.digest}`, { method: 'DELETE' });
  const after = (await (await reg.fetch(`/v2/test/app/referrers/${subject.digest}`)).json()) as { manifests: unknown[] };
  t.is(after.manifests.length, 1, 'a deleted referrer is no longer listed');
});

test('malformed names and digests are 400 (NAME_INVALID, DIGEST_INVALID, TAG_INVALID), never 500', async (t) => {
  await using reg = await startRegistry();
  const cases: [string, RequestInit, string][] = [
    ['/v2/Upper/case/tags/list', {}, 'NAME_INVALID'],
    ['/v2/a/manifests/latest', {}, 'NAME_INVALID'],
    ['/v2/bad..name/blobs/uploads/', { method: 'POST' }, 'NAME_INVALID'],
    [`/v2/${'x'.repeat(300)}/tags/list`, {}, 'NAME_INVALID'],
    ['/v2/test/app/blobs/sha256:abc', {}, 'DIGEST_INVALID'],
    ['/v2/test/app/blobs/not-a-digest', {}, 'DIGEST_INVALID'],
    ['/v2/test/app/manifests/sha256:xyz', {}, 'DIGEST_INVALID'],
    // a GET by such a reference is 404 MANIFEST_UNKNOWN (test/oci/manifest-references.test.ts); a PUT keeps its 400
    [
      '/v2/test/app/manifests/-bad-tag',
      { method: 'PUT', body: '{}', headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } },
      'TAG_INVALID',
    ],
    ['/v2/test/app/referrers/sha256:0', {}, 'DIGEST_INVALID'],
    ['/v2/test/app/blobs/uploads/?digest=md5:abc', { method: 'POST', body: 'x' }, 'DIGEST_INVALID'],
    ['/v2/test/app/blobs/uploads/?mount=garbage&from=test/app', { method: 'POST' }, 'DIGEST_INVALID'],
  ];
  for (const [path, init, code] of cases) {
    const res = await reg.fetch(path, init);
    t.is(res.status, 400, path);
    t.deepEqual(await errorCodes(res), [code], path);
    t.is(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
  }
  const post = await reg.fetch('/v2/test/app/blobs/uploads/', { method: 'POST' });
  const put = await reg.fetch(`${post.headers.get('location')}?digest=nope`, { method: 'PUT' });
  t.is(put.status, 400);
  t.deepEqual(await errorCodes(put), ['DIGEST_INVALID']);
  const noDigest = await reg.fetch(`${post.headers.get('location')}`, { method: 'PUT' });
  t.deepEqual(await errorCodes(noDigest), ['DIGEST_INVALID']);
  const badRange = await reg.fetch(`${post.headers.get('location')}`, {
    method: 'PATCH',
    body: 'abc',
    headers: { 'content-range': 'garbage' },
  });
  t.is(badRange.status, 400);
});

test('an unsupported method on a known route is 405 UNSUPPORTED', async (t) => {
  await using reg = await startRegistry();
  const res = await reg.fetch('/v2/test/app/tags/list', { method: 'DELETE' });
  t.is(res.status, 405);
  t.deepEqual(await errorCodes(res), ['UNSUPPORTED']);
});
