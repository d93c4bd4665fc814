// The pull through cache against real upstream registries on loopback: Debian's docker-registry
// (anonymous, then htpasswd Basic auth), a Bearer-token registry, and a second ecr-rewind as an
// ECR upstream; the rule operations and their errors through the AWS SDK.
import {
  BatchGetImageCommand,
  CreatePullThroughCacheRuleCommand,
  DeletePullThroughCacheRuleCommand,
  DescribePullThroughCacheRulesCommand,
  DescribeRepositoriesCommand,
  GetDownloadUrlForLayerCommand,
  UpdatePullThroughCacheRuleCommand,
  ValidatePullThroughCacheRuleCommand,
} from '@aws-sdk/client-ecr';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { startEmulator } from '../../src/emulator.ts';
import { hasCommand } from '../../src/testkit/commands.ts';
import { referenceRegistryCommand, startReferenceRegistry } from '../../src/testkit/reference-registry.ts';
import { descriptorOf, jsonBytes, MEDIA, RegistryDriver, sha256, tinyLayer } from '../../src/testkit/registry-driver.ts';
import { skipUnless } from '../support/clients/client-test.ts';
import { startEcr } from '../ecr/ecr-fixture.ts';
import { startUpstreamProxy } from './upstream-proxy.ts';
import { eventually } from '../replication/replication-support.ts';
import { adminRequest } from '../support/admin.ts';

const SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:ecr-pullthroughcache/hub';
const DAY = 24 * 60 * 60 * 1000;

/** Pushes a one-layer OCI image to a registry that takes uploads in chunks only (distribution 2.8). */
async function pushUpstream(
  registry: RegistryDriver,
  repo: string,
  tag: string,
  content: string,
): Promise<{ digest: string; bytes: Buffer }> {
  const layer = tinyLayer('hello.txt', content);
  const config = jsonBytes({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(Buffer.from(content))] } });
  await registry.pushBlob(repo, layer, { chunks: 1 });
  await registry.pushBlob(repo, config, { chunks: 1 });
  const bytes = jsonBytes({
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: descriptorOf(MEDIA.ociConfig, config),
    layers: [descriptorOf(MEDIA.ociLayer, layer)],
  });
  return { digest: await registry.putManifest(repo, tag, bytes, MEDIA.ociManifest), bytes };
}

const needsRegistry = (t: Parameters<typeof skipUnless>[0]): boolean => skipUnless(t, ['docker-registry']);

test('the rule operations and their errors', async (t) => {
  await using f = await startEcr({ upstreamCredentials: { [SECRET]: { username: 'u', password: 'p' } } });
  const create = (input: ConstructorParameters<typeof CreatePullThroughCacheRuleCommand>[0]) =>
    f.ecr.send(new CreatePullThroughCacheRuleCommand(input));
  const made = await create({ ecrRepositoryPrefix: 'quay/', upstreamRegistryUrl: 'quay.io' });
  t.like(made, { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io', registryId: '000000000000', upstreamRegistry: 'quay' });
  t.true(made.createdAt instanceof Date);
  await create({ ecrRepositoryPrefix: 'hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: SECRET });
  t.is(
    (await t.throwsAsync(create({ ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' })))?.name,
    'PullThroughCacheRuleAlreadyExistsException',
  );
  t.is(
    (await t.throwsAsync(create({ ecrRepositoryPrefix: 'x1', upstreamRegistryUrl: 'example.com' })))?.name,
    'UnsupportedUpstreamRegistryException',
  );
  t.is((await t.throwsAsync(create({ ecrRepositoryPrefix: 'x2', upstreamRegistryUrl: 'ghcr.io' })))?.name, 'InvalidParameterException');
  t.is(
    (await t.throwsAsync(create({ ecrRepositoryPrefix: 'x3', upstreamRegistryUrl: 'ghcr.io', credentialArn: `${SECRET}-nope` })))?.name,
    'SecretNotFoundException',
  );
  t.is((await t.throwsAsync(create({ ecrRepositoryPrefix: 'ROOT', upstreamRegistryUrl: 'quay.io' })))?.name, 'InvalidParameterException');
  t.is(
    (await t.throwsAsync(create({ ecrRepositoryPrefix: 'x4', upstreamRegistryUrl: 'quay.io', upstreamRepositoryPrefix: 'lib' })))?.name,
    'InvalidParameterException',
  );
  t.is(
    (await t.throwsAsync(create({ ecrRepositoryPrefix: 'x5', upstreamRegistryUrl: '111111111111.dkr.ecr.us-west-2.amazonaws.com' })))?.name,
    'InvalidParameterException',
    'an ECR upstream of another account needs a custom role',
  );
  t.is((await t.throwsAsync(create({ ecrRepositoryPrefix: 'X!', upstreamRegistryUrl: 'quay.io' })))?.name, 'ValidationException');

  const all = await f.ecr.send(new DescribePullThroughCacheRulesCommand({}));
  t.deepEqual(
    all.pullThroughCacheRules?.map((r) => r.ecrRepositoryPrefix),
    ['hub', 'quay'],
  );
  t.is(all.pullThroughCacheRules?.[0]?.credentialArn, SECRET);
  const one = await f.ecr.send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: ['quay'] }));
  t.is(one.pullThroughCacheRules?.length, 1);
  const missing = await t.throwsAsync(f.ecr.send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: ['nope'] })));
  t.is(missing?.name, 'PullThroughCacheRuleNotFoundException');

  const updated = await f.ecr.send(
    new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'quay', customRoleArn: 'arn:aws:iam::000000000000:role/puller' }),
  );
  t.is(updated.customRoleArn, 'arn:aws:iam::000000000000:role/puller');
  t.true(updated.updatedAt instanceof Date);
  t.is(
    (await t.throwsAsync(f.ecr.send(new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'nope' }))))?.name,
    'PullThroughCacheRuleNotFoundException',
  );
  t.is(
    (await t.throwsAsync(f.ecr.send(new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'hub', credentialArn: `${SECRET}-x` }))))
      ?.name,
    'SecretNotFoundException',
  );
  const invalid = await f.ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'quay' }));
  t.false(invalid.isValid, 'quay.io is not reachable from the test machine');
  t.truthy(invalid.failure);
  t.is(
    (await t.throwsAsync(f.ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'nope' }))))?.name,
    'PullThroughCacheRuleNotFoundException',
  );
  const deleted = await f.ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'quay' }));
  t.is(deleted.upstreamRegistryUrl, 'quay.io');
  t.is(
    (await t.throwsAsync(f.ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'quay' }))))?.name,
    'PullThroughCacheRuleNotFoundException',
  );
  const journal = JSON.stringify([...f.emu.events()].map((e) => e.data));
  t.false(journal.includes('"p"') || journal.includes('password'), 'credentials are not journaled');
});

test('an anonymous docker-registry upstream: fetched once, recorded as one push naming the rule, served after the upstream is gone', async (t) => {
  if (!needsRegistry(t)) return;
  const upstream = await startReferenceRegistry();
  t.teardown(() => upstream.stop());
  const proxy = await startUpstreamProxy(upstream.url);
  t.teardown(() => proxy.close());
  const pushed = await pushUpstream(new RegistryDriver(upstream.url), 'library/app', '1.0', 'hello from upstream');
  await using f = await startEcr({ upstreams: { 'quay.io': proxy.url }, auth: 'none' });
  await f.ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' }));
  t.true((await f.ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'quay' }))).isValid);
  const emu = new RegistryDriver(f.emu.endpoint);

  const got = await emu.getManifest('quay/library/app', '1.0');
  t.is(got?.digest, pushed.digest);
  t.deepEqual(got?.bytes, pushed.bytes);
  const manifest = JSON.parse(pushed.bytes.toString()) as { layers: { digest: string }[]; config: { digest: string } };
  for (const d of [manifest.config.digest, manifest.layers[0]!.digest]) {
    const blob = await fetch(`${f.emu.endpoint}/v2/quay/library/app/blobs/${d}`);
    t.is(blob.status, 200);
    t.is(sha256(Buffer.from(await blob.arrayBuffer())), d);
  }
  // the image is recorded off the request path once its blobs are stored (a client may have read them before)
  await eventually(async () => ([...f.emu.events()].some((e) => e.type === 'UpstreamImageCached') ? true : undefined));
  // a pull of the cached image (within the hour) asks nothing upstream and writes nothing: the cold pull was recorded with the image
  const recordedEvents = [...f.emu.events()].length;
  t.is((await emu.getManifest('quay/library/app', '1.0'))?.digest, pushed.digest);
  await new Promise((r) => setTimeout(r, 50));
  t.is([...f.emu.events()].length, recordedEvents, 'no event for the warm pull');
  t.is([...f.emu.events()].filter((e) => e.type === 'ImagePulled').length, 1, 'the cold pull is recorded once');
  const repos = await f.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['quay/library/app'] }));
  t.is(repos.repositories?.length, 1);
  const got2 = await f.ecr.send(new BatchGetImageCommand({ repositoryName: 'quay/library/app', imageIds: [{ imageTag: '1.0' }] }));
  t.is(got2.images?.[0]?.imageId?.imageDigest, pushed.digest);
  t.is(proxy.count('GET', '/manifests/1.0'), 1, 'the manifest was fetched once');
  t.is(proxy.count('GET', `/blobs/${manifest.layers[0]!.digest}`), 1, 'the layer was fetched once');

  const events = [...f.emu.events()];
  const cached = events.find((e) => e.type === 'UpstreamImageCached');
  t.like(cached?.data, {
    repository: 'quay/library/app',
    digest: pushed.digest,
    tag: '1.0',
    ecrRepositoryPrefix: 'quay',
    upstreamRepository: 'library/app',
  });
  const frame = events.filter((e) => e.time === cached?.time && e.seq <= cached.seq && e.seq >= cached.seq - 10).map((e) => e.type);
  t.deepEqual(frame.slice(frame.indexOf('RepositoryCreated')), [
    'RepositoryCreated',
    'UploadStarted',
    'ChunkAppended',
    'UploadCompleted',
    'UploadStarted',
    'ChunkAppended',
    'UploadCompleted',
    'ManifestPut',
    'TagPut',
    'UpstreamImageCached',
  ]);
  const created = events.find((e) => e.type === 'RepositoryCreated');
  t.is(created?.type === 'RepositoryCreated' ? created.data.cause : '', 'pull-through-cache');
  const staged = await readdir(join(f.emu.config.journal, 'uploads')).catch(() => []);
  t.deepEqual(staged, [], 'the fetched blobs are in the store: no staged copy is left behind');

  await proxy.close();
  await upstream.stop();
  const again = await emu.getManifest('quay/library/app', '1.0');
  t.is(again?.digest, pushed.digest, 'served from the cache with the upstream gone');
  const layer = await f.ecr.send(
    new GetDownloadUrlForLayerCommand({ repositoryName: 'quay/library/app', layerDigest: manifest.layers[0]!.digest }),
  );
  t.truthy(layer.downloadUrl);
  const missing = await fetch(`${f.emu.endpoint}/v2/quay/library/other/manifests/1.0`);
  t.is(missing.status, 404, 'an image the upstream cannot give: MANIFEST_UNKNOWN');
  t.is(((await missing.json()) as { errors: { code: string }[] }).errors[0]?.code, 'MANIFEST_UNKNOWN');
  const batch = await t.throwsAsync(
    f.ecr.send(new BatchGetImageCommand({ repositoryName: 'quay/library/other', imageIds: [{ imageTag: '1.0' }] })),
  );
  t.is(batch?.name, 'UnableToGetUpstreamImageException');
  t.is((await f.ecr.send(new DescribeRepositoriesCommand({}))).repositories?.length, 1, 'a failed fetch changes nothing');
});

test('a moved upstream tag is seen once the clock passes 24 hours, not before', async (t) => {
  if (!needsRegistry(t)) return;
  await using upstream = await startReferenceRegistry();
  const proxy = await startUpstreamProxy(upstream.url);
  t.teardown(() => proxy.close());
  const up = new RegistryDriver(upstream.url);
  const first = await pushUpstream(up, 'team/app', 'latest', 'first');
  await using f = await startEcr({ upstreams: { 'public.ecr.aws': proxy.url }, auth: 'none' });
  await f.ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'ecr-public', upstreamRegistryUrl: 'public.ecr.aws' }));
  const emu = new RegistryDriver(f.emu.endpoint);
  t.is((await emu.getManifest('ecr-public/team/app', 'latest'))?.digest, first.digest);
  // the 24 hours count from when the fetch is recorded (in the background): wait for it before moving the clock
  await eventually(async () =>
    [...f.emu.events()].some((e) => e.type === 'UpstreamImageCached' && e.data.digest === first.digest) ? true : undefined,
  );
  const second = await pushUpstream(up, 'team/app', 'latest', 'second');
  const clock = (ms: number) => adminRequest(f.emu.endpoint, 'POST', '/clock', { advanceMs: ms });
  await clock(DAY - 60_000);
  const before = proxy.count('HEAD', '/manifests/latest') + proxy.count('GET', '/manifests/latest');
  t.is((await emu.getManifest('ecr-public/team/app', 'latest'))?.digest, first.digest, 'within 24 hours: the cached tag');
  t.is(proxy.count('HEAD', '/manifests/latest') + proxy.count('GET', '/manifests/latest'), before, 'the upstream was not asked');
  await clock(60_000);
  t.is((await emu.getManifest('ecr-public/team/app', 'latest'))?.digest, second.digest, 'after 24 hours: the moved tag');
  t.is((await emu.getManifest('ecr-public/team/app', 'latest'))?.digest, second.digest);
  t.is(proxy.count('HEAD', '/manifests/latest'), 1, 'one check');
  await eventually(async () =>
    [...f.emu.events()].some((e) => e.type === 'UpstreamImageCached' && e.data.digest === second.digest) ? true : undefined,
  );
  // an unchanged tag checked after another day is recorded as checked
  await clock(DAY);
  t.is((await emu.getManifest('ecr-public/team/app', 'latest'))?.digest, second.digest);
  t.true([...f.emu.events()].some((e) => e.type === 'UpstreamTagChecked'));
});

test('htpasswd Basic auth: the rule credentials from --upstream-credentials; wrong ones fail with nothing recorded', async (t) => {
  if (!needsRegistry(t)) return;
  const creds = { username: 'puller', password: 's3cret-pass' };
  await using upstream = await startReferenceRegistry({ htpasswd: creds });
  const pushed = await pushUpstream(
    new RegistryDriver(upstream.url, { basic: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` }),
    'library/alpine',
    '3',
    'alpine-ish',
  );
  const wrong = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:ecr-pullthroughcache/wrong';
  await using f = await startEcr({
    upstreams: { 'registry-1.docker.io': upstream.url },
    upstreamCredentials: { [SECRET]: creds, [wrong]: { username: 'puller', password: 'nope' } },
    auth: 'none',
  });
  await f.ecr.send(
    new CreatePullThroughCacheRuleCommand({
      ecrRepositoryPrefix: 'bad',
      upstreamRegistryUrl: 'registry-1.docker.io',
      credentialArn: wrong,
    }),
  );
  t.false((await f.ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'bad' }))).isValid);
  const refused = await fetch(`${f.emu.endpoint}/v2/bad/library/alpine/manifests/3`);
  t.is(refused.status, 404);
  t.deepEqual((await f.ecr.send(new DescribeRepositoriesCommand({}))).repositories, []);

  await f.ecr.send(
    new CreatePullThroughCacheRuleCommand({
      ecrRepositoryPrefix: 'docker-hub',
      upstreamRegistryUrl: 'registry-1.docker.io',
      credentialArn: SECRET,
    }),
  );
  t.true((await f.ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'docker-hub' }))).isValid);
  const got = await f.ecr.send(new BatchGetImageCommand({ repositoryName: 'docker-hub/library/alpine', imageIds: [{ imageTag: '3' }] }));
  t.is(got.images?.[0]?.imageId?.imageDigest, pushed.digest);
  t.false(JSON.stringify([...f.emu.events()].map((e) => e.data)).includes(creds.password), 'the password is nowhere in the journal');
});

test('the Bearer token flow of Docker Hub, GHCR and Quay', async (t) => {
  if (!needsRegistry(t)) return;
  await using upstream = await startReferenceRegistry();
  const bearer = { username: 'ghuser', password: 'ghtoken', token: 'tok-123' };
  await using proxy = await startUpstreamProxy(upstream.url, { bearer });
  const pushed = await pushUpstream(new RegistryDriver(upstream.url), 'org/tool', 'v2', 'tool');
  await using f = await startEcr({
    upstreams: { 'ghcr.io': proxy.url },
    upstreamCredentials: { [SECRET]: { username: bearer.username, password: bearer.password } },
    auth: 'none',
  });
  await f.ecr.send(
    new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'ghcr', upstreamRegistryUrl: 'ghcr.io', credentialArn: SECRET }),
  );
  const got = await new RegistryDriver(f.emu.endpoint).getManifest('ghcr/org/tool', 'v2');
  t.is(got?.digest, pushed.digest);
});

test('a second ecr-rewind as an ECR upstream (its GetAuthorizationToken tokens), with an upstream repository prefix', async (t) => {
  await using upstreamEmu = await startEmulator({ port: 0, fsync: 'never', logger: false });
  const up = new RegistryDriver(upstreamEmu.endpoint, { account: '111111111111', region: 'us-west-2' });
  await up.login();
  await up.createRepository('prod/api');
  const pushed = await up.pushImage('prod/api', 'v1', 'api');
  const url = '111111111111.dkr.ecr.us-west-2.amazonaws.com';
  await using f = await startEcr({ upstreams: { [url]: upstreamEmu.endpoint }, auth: 'none' });
  await f.ecr.send(
    new CreatePullThroughCacheRuleCommand({
      ecrRepositoryPrefix: 'mirror',
      upstreamRegistryUrl: url,
      upstreamRepositoryPrefix: 'prod',
      customRoleArn: 'arn:aws:iam::000000000000:role/ecr-ptc',
    }),
  );
  t.true((await f.ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'mirror' }))).isValid);
  const got = await new RegistryDriver(f.emu.endpoint).getManifest('mirror/api', 'v1');
  t.is(got?.digest, pushed.digest);
});

test('concurrent pulls of a 100 MiB uncached image hit the upstream once', async (t) => {
  if (!needsRegistry(t)) return;
  await using upstream = await startReferenceRegistry();
  await using proxy = await startUpstreamProxy(upstream.url);
  const up = new RegistryDriver(upstream.url);
  const big = Buffer.alloc(100 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE((i * 2654435761) >>> 0, i);
  const layerDigest = await up.pushBlob('library/big', big, { chunks: 4 });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const configDigest = await up.pushBlob('library/big', config, { chunks: 1 });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: big.length }],
    }),
  );
  await up.putManifest('library/big', 'v1', manifest, 'application/vnd.oci.image.manifest.v1+json');
  await using f = await startEcr({ upstreams: { 'quay.io': proxy.url }, auth: 'none' });
  await f.ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' }));
  const pull = async (): Promise<string> => {
    const m = await fetch(`${f.emu.endpoint}/v2/quay/library/big/manifests/v1`);
    t.is(m.status, 200);
    await m.arrayBuffer();
    const blob = await fetch(`${f.emu.endpoint}/v2/quay/library/big/blobs/${layerDigest}`);
    t.is(blob.status, 200);
    t.is(blob.headers.get('content-length'), String(big.length));
    return sha256(Buffer.from(await blob.arrayBuffer()));
  };
  const digests = await Promise.all([pull(), pull(), pull()]);
  t.deepEqual(digests, [layerDigest, layerDigest, layerDigest]);
  t.is(proxy.count('GET', `/blobs/${layerDigest}`), 1, 'the 100 MiB layer was fetched once');
  t.is(proxy.count('GET', '/manifests/v1'), 1, 'the manifest was fetched once');
  const recorded = async () =>
    (await f.ecr.send(new DescribeRepositoriesCommand({}))).repositories?.length === 1 &&
    [...f.emu.events()].some((e) => e.type === 'UpstreamImageCached');
  for (let i = 0; i < 200 && !(await recorded()); i++) await new Promise((r) => setTimeout(r, 25));
  t.true(await recorded());
});

test('docker-registry is there (or the tests above skipped loudly)', (t) => {
  t.true(hasCommand(referenceRegistryCommand()) || !process.env.CI);
});
