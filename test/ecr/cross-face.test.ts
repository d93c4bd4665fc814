/**
 * Cross-face: what docker pushes through /v2 is what the ECR API describes,
 * and what the SDK puts through the ECR API is what docker and skopeo pull.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import test from 'ava';
import { testRequiring } from '../support/clients/client-test.ts';
import { pushedDigest, startDockerd } from '../support/clients/dockerd.ts';
import { makeImageLayout, type Descriptor } from '../support/clients/oci-layout.ts';
import { createSkopeo } from '../support/clients/skopeo.ts';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';
import { startEcr, uploadLayer, type EcrFixture } from './ecr-fixture.ts';
import { sameBytes } from '../support/bytes.ts';

const dockerTest = testRequiring(['dockerd', 'docker']);
const skopeoTest = testRequiring(['skopeo']);

async function login(f: EcrFixture): Promise<{ username: string; password: string; header: string }> {
  const { authorizationData } = await f.ecr.send(new GetAuthorizationTokenCommand({}));
  const token = authorizationData![0]!.authorizationToken!;
  const [username = '', password = ''] = Buffer.from(token, 'base64').toString().split(/:(.*)/s);
  return { username, password, header: `Basic ${token}` };
}

/** Builds an OCI image on disk and puts it with the SDK: layers through the layer API, then PutImage. */
async function putLayoutImage(f: EcrFixture, repositoryName: string, tag: string) {
  const dir = await makeTempDir('ecr-layout');
  try {
    const image = await makeImageLayout(dir, { tag, seed: `${repositoryName}:${tag}` });
    const blob = async (d: Descriptor) => ({ bytes: await readFile(join(dir, 'blobs', 'sha256', d.digest.slice(7))), digest: d.digest });
    for (const d of [image.config, ...image.layers]) await uploadLayer(f.ecr, repositoryName, await blob(d));
    await f.ecr.send(
      new PutImageCommand({
        repositoryName,
        imageTag: tag,
        imageManifest: image.manifestBytes.toString('utf8'),
        imageManifestMediaType: image.manifest.mediaType,
      }),
    );
    return image;
  } finally {
    await removeDir(dir);
  }
}

dockerTest('docker push -> DescribeImages and BatchGetImage see the same digest and sizes', async (t) => {
  await using f = await startEcr();
  const host = f.emu.registryHost;
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'cross/pushed' }));
  await using dockerd = await startDockerd({ insecureRegistries: [host] });
  const creds = await login(f);
  await dockerd.docker(['login', '--username', creds.username, '--password-stdin', host], { input: creds.password });
  await dockerd.buildFromScratch(`${host}/cross/pushed:v1`, { 'hello.txt': 'hello from docker\n', 'data.bin': Buffer.alloc(10_000, 7) });
  const digest = pushedDigest((await dockerd.docker(['push', `${host}/cross/pushed:v1`])).stdout);

  const [detail] = (await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'cross/pushed' }))).imageDetails ?? [];
  t.is(detail?.imageDigest, digest);
  t.deepEqual(detail?.imageTags, ['v1']);
  const got = await f.ecr.send(new BatchGetImageCommand({ repositoryName: 'cross/pushed', imageIds: [{ imageTag: 'v1' }] }));
  const manifest = JSON.parse(got.images![0]!.imageManifest!) as { config: { size: number }; layers: { size: number }[] };
  t.is(got.images?.[0]?.imageId?.imageDigest, digest);
  t.is(detail?.imageSizeInBytes, manifest.config.size + manifest.layers.reduce((s, l) => s + l.size, 0));
  const res = await fetch(`${f.emu.endpoint}/v2/cross/pushed/manifests/v1`, {
    method: 'HEAD',
    headers: { authorization: creds.header, accept: got.images![0]!.imageManifestMediaType! },
  });
  t.is(res.headers.get('docker-content-digest'), digest);
});

dockerTest('SDK layer upload + PutImage -> docker pulls it', async (t) => {
  await using f = await startEcr();
  const host = f.emu.registryHost;
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'cross/put' }));
  const image = await putLayoutImage(f, 'cross/put', 'v1');
  await using dockerd = await startDockerd({ insecureRegistries: [host] });
  const creds = await login(f);
  await dockerd.docker(['login', '--username', creds.username, '--password-stdin', host], { input: creds.password });
  const pull = await dockerd.docker(['pull', `${host}/cross/put:v1`]);
  t.regex(pull.stdout, new RegExp(image.manifest.digest));
});

skopeoTest('SDK layer upload + PutImage -> skopeo reads the same bytes; the download URL serves a layer', async (t) => {
  await using f = await startEcr();
  const host = f.emu.registryHost;
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'cross/skopeo' }));
  const image = await putLayoutImage(f, 'cross/skopeo', 'v1');
  await using skopeo = await createSkopeo();
  const creds = await login(f);
  const raw = await skopeo.inspectRaw(`docker://${host}/cross/skopeo:v1`, { creds });
  t.deepEqual(raw, image.manifestBytes);
  const dest = await makeTempDir('ecr-skopeo');
  try {
    await skopeo.copy(`docker://${host}/cross/skopeo:v1`, `oci:${dest}:v1`, { srcCreds: creds });
    const layerDigest = image.layers[0]!.digest;
    const copied = await readFile(join(dest, 'blobs', 'sha256', layerDigest.slice(7)));
    const { downloadUrl } = await f.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'cross/skopeo', layerDigest }));
    t.true(downloadUrl!.startsWith(`http://${host}/`), 'the download URL is on the one registry host');
    const res = await fetch(downloadUrl!);
    sameBytes(t, Buffer.from(await res.arrayBuffer()), copied);
  } finally {
    await removeDir(dest);
  }
});

test('BatchDeleteImage -> the /v2 manifest is 404 MANIFEST_UNKNOWN', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'cross/deleted' }));
  const image = await putLayoutImage(f, 'cross/deleted', 'v1');
  const creds = await login(f);
  const get = (ref: string) => fetch(`${f.emu.endpoint}/v2/cross/deleted/manifests/${ref}`, { headers: { authorization: creds.header } });
  t.is((await get('v1')).status, 200);
  await f.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'cross/deleted', imageIds: [{ imageDigest: image.manifest.digest }] }));
  for (const ref of ['v1', image.manifest.digest]) {
    const res = await get(ref);
    t.is(res.status, 404);
    const body = (await res.json()) as { errors: { code: string }[] };
    t.is(body.errors[0]?.code, 'MANIFEST_UNKNOWN');
  }
});
