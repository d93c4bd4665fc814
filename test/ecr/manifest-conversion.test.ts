/**
 * Manifest conversion on pull, as ECR documents it (user guide, "Container image manifest formats":
 * pulled by tag, a manifest in a format the client does not understand is converted; Docker schema 2
 * <-> OCI, either to Docker schema 1), through BatchGetImage's acceptedMediaTypes (BatchGetImage API
 * reference) and the /v2 manifest GET's Accept header; checked by real clients: skopeo reads the
 * converted OCI and schema 1 manifests, and the reference registry (distribution 2.8) verifies the
 * schema 1 signature with libtrust when the manifest is pushed to it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import test from 'ava';
import { BatchGetImageCommand, CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import { conversionFor, convertImageManifest, SCHEMA1_MEDIA_TYPES } from '../../src/manifest-conversion/convert.ts';
import { prettyVerify } from '../../src/manifest-conversion/pretty-jws.ts';
import { GZIPPED_EMPTY_TAR, GZIPPED_EMPTY_TAR_DIGEST } from '../../src/manifest-conversion/schema1.ts';
import { startReferenceRegistry } from '../../src/testkit/reference-registry.ts';
import { tinyLayer } from '../../src/testkit/registry-driver.ts';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';
import { testRequiring } from '../support/clients/client-test.ts';
import { createSkopeo } from '../support/clients/skopeo.ts';
import { startEcr, type EcrFixture } from './ecr-fixture.ts';

const DOCKER = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI = 'application/vnd.oci.image.manifest.v1+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const sha256 = (b: Uint8Array | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const AUTH = { authorization: `Basic ${Buffer.from('AWS:x').toString('base64')}` };

interface Pushed {
  manifest: Buffer;
  digest: string;
  config: Buffer;
  layers: Buffer[];
}

/** A Docker schema 2 image (real gzipped tar layers, a config whose history has a layer-less step) pushed over /v2. */
async function pushDockerImage(f: EcrFixture, repo: string, tag: string): Promise<Pushed> {
  const layers = [tinyLayer('a.txt', 'first layer\n'), tinyLayer('b.txt', 'second layer\n')];
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-02T03:04:05Z',
      config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(gunzipSync(l))) },
      history: [
        { created: '2024-01-02T03:04:00Z', created_by: '/bin/sh -c #(nop) ADD file:a in / ' },
        { created: '2024-01-02T03:04:01Z', created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
        { created: '2024-01-02T03:04:05Z', created_by: '/bin/sh -c echo b > /b.txt && true', author: 'me <me@example.com>' },
      ],
    }),
  );
  for (const blob of [config, ...layers]) {
    const res = await fetch(`${f.emu.endpoint}/v2/${repo}/blobs/uploads/?digest=${sha256(blob)}`, {
      method: 'POST',
      body: blob,
      headers: AUTH,
    });
    if (res.status !== 201) throw new Error(`blob push: ${res.status}`);
  }
  const manifest = Buffer.from(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType: DOCKER,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha256(config) },
        layers: layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: l.length, digest: sha256(l) })),
      },
      null,
      3,
    ),
  );
  const put = await fetch(`${f.emu.endpoint}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body: manifest,
    headers: { ...AUTH, 'content-type': DOCKER },
  });
  if (put.status !== 201) throw new Error(`manifest push: ${put.status} ${await put.text()}`);
  return { manifest, digest: sha256(manifest), config, layers };
}

const getManifest = async (f: EcrFixture, repo: string, ref: string, accept: string, method = 'GET') => {
  const res = await fetch(`${f.emu.endpoint}/v2/${repo}/manifests/${ref}`, { method, headers: { ...AUTH, accept } });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    digest: res.headers.get('docker-content-digest'),
    bytes: Buffer.from(await res.arrayBuffer()),
  };
};

test('the conversion table of ECR\'s "Container image manifest formats" page: by tag, stored format when understood, else schema 2 <-> OCI, else schema 1', (t) => {
  t.is(conversionFor(DOCKER, [DOCKER, OCI]), 'as-is');
  t.is(conversionFor(DOCKER, [OCI]), 'oci');
  t.is(conversionFor(DOCKER, [SCHEMA1_MEDIA_TYPES.signed]), 'schema1');
  t.is(conversionFor(DOCKER, [SCHEMA1_MEDIA_TYPES.unsigned, OCI]), 'oci', 'the newer format is preferred');
  t.is(conversionFor(OCI, [DOCKER]), 'docker');
  t.is(conversionFor(OCI, [SCHEMA1_MEDIA_TYPES.unsigned]), 'schema1');
  t.is(conversionFor(OCI, [DOCKER_LIST]), 'none');
  // media types of the descriptors change with the manifest's; nothing else does
  const oci = convertImageManifest(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1, digest: sha256('c') },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 1, digest: sha256('l') }],
      }),
    ),
    'oci',
  );
  const doc = JSON.parse(oci.bytes.toString()) as {
    mediaType: string;
    config: { mediaType: string; digest: string };
    layers: { mediaType: string }[];
  };
  t.is(doc.mediaType, OCI);
  t.is(doc.config.mediaType, 'application/vnd.oci.image.config.v1+json');
  t.is(doc.config.digest, sha256('c'));
  t.is(doc.layers[0]?.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
  const back = JSON.parse(convertImageManifest(oci.bytes, 'docker').bytes.toString()) as typeof doc;
  t.is(back.config.mediaType, 'application/vnd.docker.container.image.v1+json');
  t.is(back.layers[0]?.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
  t.is(sha256(GZIPPED_EMPTY_TAR), GZIPPED_EMPTY_TAR_DIGEST);
});

test('BatchGetImage with acceptedMediaTypes converts an image pulled by tag, with a stable digest; by digest it comes as stored; unknown media types are refused (BatchGetImage API reference)', async (t) => {
  await using f = await startEcr({ auth: 'any' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'conv' }));
  const img = await pushDockerImage(f, 'conv', 'v1');
  const get = (acceptedMediaTypes: string[], imageId: { imageTag?: string; imageDigest?: string } = { imageTag: 'v1' }) =>
    f.ecr.send(new BatchGetImageCommand({ repositoryName: 'conv', imageIds: [imageId], acceptedMediaTypes }));

  const asOci = (await get([OCI])).images?.[0];
  t.is(asOci?.imageManifestMediaType, OCI);
  t.is(asOci?.imageId?.imageDigest, sha256(asOci?.imageManifest ?? ''));
  t.not(asOci?.imageId?.imageDigest, img.digest);
  const again = (await get([OCI])).images?.[0];
  t.is(again?.imageId?.imageDigest, asOci?.imageId?.imageDigest, 'the same request gives the same digest');
  t.is(again?.imageManifest, asOci?.imageManifest);

  const stored = (await get([DOCKER, OCI])).images?.[0];
  t.is(stored?.imageManifest, img.manifest.toString(), 'an accepted stored format is served byte for byte');
  const byDigest = (await get([OCI], { imageDigest: img.digest })).images?.[0];
  t.is(byDigest?.imageManifestMediaType, DOCKER, 'a digest names exact bytes: no conversion');

  const s1 = (await get([SCHEMA1_MEDIA_TYPES.signed])).images?.[0];
  t.is(s1?.imageManifestMediaType, SCHEMA1_MEDIA_TYPES.signed);
  const verified = prettyVerify(Buffer.from(s1?.imageManifest ?? ''));
  t.is(s1?.imageId?.imageDigest, sha256(verified.payload), 'a schema 1 digest is the digest of its signed payload');

  // the OCI manifest put back through PutImage-free /v2 and asked for as Docker schema 2 comes back as the original
  const put = await fetch(`${f.emu.endpoint}/v2/conv/manifests/oci`, {
    method: 'PUT',
    body: asOci?.imageManifest,
    headers: { ...AUTH, 'content-type': OCI },
  });
  t.is(put.status, 201);
  const roundTrip = (await get([DOCKER], { imageTag: 'oci' })).images?.[0];
  t.is(roundTrip?.imageManifestMediaType, DOCKER);
  t.deepEqual(JSON.parse(roundTrip?.imageManifest ?? ''), JSON.parse(img.manifest.toString()));

  const unknown = await t.throwsAsync(get(['application/vnd.example.unknown+json']));
  t.is(unknown?.name, 'InvalidParameterException');
  t.is(
    unknown?.message,
    "Invalid parameter at 'acceptedMediaTypes' failed to satisfy constraint: 'Invalid media type: application/vnd.example.unknown+json'",
  );
});

test('/v2 manifest GET by tag with an Accept that excludes the stored type converts as ECR does; HEAD agrees; the converted manifest is then found by its digest; a GET by the stored digest is never converted', async (t) => {
  await using f = await startEcr({ auth: 'any' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'neg' }));
  const img = await pushDockerImage(f, 'neg', 'v1');
  const oci = await getManifest(f, 'neg', 'v1', OCI);
  t.is(oci.status, 200);
  t.is(oci.type, OCI);
  t.is(oci.digest, sha256(oci.bytes));
  const head = await getManifest(f, 'neg', 'v1', OCI, 'HEAD');
  t.is(head.digest, oci.digest);
  t.is((await getManifest(f, 'neg', 'v1', OCI)).digest, oci.digest, 'stable across requests');
  const byConverted = await getManifest(f, 'neg', oci.digest!, OCI);
  t.deepEqual(byConverted.bytes, oci.bytes);
  const v1 = await getManifest(f, 'neg', 'v1', `${SCHEMA1_MEDIA_TYPES.signed}, ${SCHEMA1_MEDIA_TYPES.unsigned}`);
  t.is(v1.type, SCHEMA1_MEDIA_TYPES.signed);
  t.is(v1.digest, sha256(prettyVerify(v1.bytes).payload));
  t.deepEqual((await getManifest(f, 'neg', 'v1', `${SCHEMA1_MEDIA_TYPES.signed}`)).bytes, v1.bytes, 'the same signed bytes every time');
  const schema1 = JSON.parse(v1.bytes.toString()) as {
    name: string;
    tag: string;
    architecture: string;
    fsLayers: { blobSum: string }[];
    history: { v1Compatibility: string }[];
  };
  t.like(schema1, { name: 'neg', tag: 'v1', architecture: 'amd64' });
  t.deepEqual(
    schema1.fsLayers.map((l) => l.blobSum),
    [sha256(img.layers[1]!), GZIPPED_EMPTY_TAR_DIGEST, sha256(img.layers[0]!)],
    'newest first; the CMD step has no layer',
  );
  const top = JSON.parse(schema1.history[0]!.v1Compatibility) as Record<string, unknown>;
  t.deepEqual(Object.keys(top), [...Object.keys(top)].sort(), 'the top v1Compatibility is the config with sorted keys');
  t.false('history' in top || 'rootfs' in top);
  t.is((JSON.parse(schema1.history[1]!.v1Compatibility) as { throwaway?: boolean }).throwaway, true);
  const empty = await fetch(`${f.emu.endpoint}/v2/neg/blobs/${GZIPPED_EMPTY_TAR_DIGEST}`, { headers: AUTH });
  t.deepEqual(Buffer.from(await empty.arrayBuffer()), GZIPPED_EMPTY_TAR, 'the empty layer a schema 1 manifest names can be pulled');
  const stored = await getManifest(f, 'neg', img.digest, OCI);
  t.is(stored.digest, img.digest, 'by digest: the stored bytes');
});

const clientTest = testRequiring(['skopeo', 'docker-registry']);

clientTest(
  'real clients take the converted manifests: skopeo copies the OCI and the schema 1 conversions; distribution 2.8 verifies the schema 1 signature (libtrust) on push',
  async (t) => {
    await using f = await startEcr({ auth: 'any' });
    await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'real' }));
    const img = await pushDockerImage(f, 'real', 'v1');
    const oci = await getManifest(f, 'real', 'v1', OCI);
    const s1 = await getManifest(f, 'real', 'v1', SCHEMA1_MEDIA_TYPES.signed);
    if (!oci.digest || !s1.digest) throw new Error('no digests');
    await using skopeo = await createSkopeo();
    const dir = await makeTempDir('conversion');
    t.teardown(() => removeDir(dir));
    const creds = { username: 'AWS', password: 'x' };
    const host = f.emu.registryHost;

    // the converted OCI manifest, by its digest: skopeo checks the digest, the media types and every blob
    await skopeo.copy(`docker://${host}/real@${oci.digest!}`, `oci:${path.join(dir, 'oci')}:v1`, { srcCreds: creds });
    const index = JSON.parse(await readFile(path.join(dir, 'oci', 'index.json'), 'utf8')) as {
      manifests: { digest: string; mediaType: string }[];
    };
    t.is(index.manifests[0]?.digest, oci.digest ?? '');
    t.is(index.manifests[0]?.mediaType, OCI);

    // the schema 1 manifest: skopeo reads it, fetches its layers (the gzipped empty tar too) and makes an OCI image of it
    const inspected = JSON.parse(
      (await skopeo.skopeo(['inspect', '--tls-verify=false', '--creds', 'AWS:x', `docker://${host}/real@${s1.digest}`])).stdout,
    ) as { Digest: string; Layers: string[] };
    t.is(inspected.Digest, s1.digest ?? '');
    t.deepEqual(inspected.Layers, [sha256(img.layers[0]!), GZIPPED_EMPTY_TAR_DIGEST, sha256(img.layers[1]!)]);
    await skopeo.copy(`docker://${host}/real@${s1.digest}`, `oci:${path.join(dir, 's1')}:v1`, {
      srcCreds: creds,
      preserveDigests: false,
      format: 'oci',
    });

    // distribution 2.8 with schema 1 enabled verifies every JWS signature of a schema 1 manifest pushed to it
    await using reference = await startReferenceRegistry({ schema1: true });
    for (const blob of [...img.layers, GZIPPED_EMPTY_TAR]) {
      const started = await fetch(`${reference.url}/v2/copy/blobs/uploads/`, { method: 'POST' });
      const location = new URL(started.headers.get('location') ?? '', reference.url);
      location.searchParams.set('digest', sha256(blob));
      const res = await fetch(location, { method: 'PUT', body: blob, headers: { 'content-type': 'application/octet-stream' } });
      t.is(res.status, 201);
    }
    const put = await fetch(`${reference.url}/v2/copy/manifests/v1`, {
      method: 'PUT',
      body: s1.bytes,
      headers: { 'content-type': SCHEMA1_MEDIA_TYPES.signed },
    });
    t.is(put.status, 201, await put.clone().text());
    t.is(put.headers.get('docker-content-digest'), s1.digest, 'the reference registry computes the same digest');
    const tampered = Buffer.from(s1.bytes.toString().replace('"architecture": "amd64"', '"architecture": "arm64"'));
    const refused = await fetch(`${reference.url}/v2/copy/manifests/v2`, {
      method: 'PUT',
      body: tampered,
      headers: { 'content-type': SCHEMA1_MEDIA_TYPES.signed },
    });
    // (distribution answers a failed libtrust verification with 400 MANIFEST_UNVERIFIED or, for this one, 500)
    t.true(refused.status >= 400, 'a signature that does not match is refused, so the good one was checked');
    t.is((await fetch(`${reference.url}/v2/copy/manifests/v2`, { headers: { accept: SCHEMA1_MEDIA_TYPES.signed } })).status, 404);
  },
);
