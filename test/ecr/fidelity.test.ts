/**
 * Where a test written against real ECR would notice a difference (issue 13): names, tags, limits,
 * validation wording, sizes, pull bookkeeping. Each test names its AWS source.
 */
import test from 'ava';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetDownloadUrlForLayerCommand,
  ListTagsForResourceCommand,
  PutImageCommand,
  TagResourceCommand,
} from '@aws-sdk/client-ecr';
import { parseManifest } from '../../src/domain/manifest.ts';
import { PULL_REFRESH_INTERVAL_MS } from '../../src/http/pull-recorder.ts';
import { imageManifest, layer, prepareImage, sha256, startEcr, uploadLayer } from './ecr-fixture.ts';

const SIGV4 = 'AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=abcdef0123';
const MODEL_REPOSITORY_NAME = '[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*';

async function raw(endpoint: string, operation: string, body: unknown) {
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${operation}`,
      authorization: SIGV4,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, ...((await res.json()) as { __type?: string; message?: string }) };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100));

test("repository names follow the model's RepositoryName pattern (`__` and runs of `-` allowed); errors quote AWS's pattern text (CreateRepository API reference)", async (t) => {
  await using f = await startEcr({ auth: 'any' });
  for (const repositoryName of ['a__b', 'a--b', 'team---x/c_d.e', 'ab'])
    t.is((await f.ecr.send(new CreateRepositoryCommand({ repositoryName }))).repository?.repositoryName, repositoryName);
  for (const repositoryName of ['a..b', '-ab', 'Ab', 'a___b', 'a/', 'a//b']) {
    const err = await t.throwsAsync(f.ecr.send(new CreateRepositoryCommand({ repositoryName })), undefined, repositoryName);
    t.is(err?.name, 'InvalidParameterException', repositoryName);
    t.is(
      err?.message,
      `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '${MODEL_REPOSITORY_NAME}''`,
      repositoryName,
    );
  }
  // documented real error (aws/aws-dotnet-deploy#549): "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must have length greater than or equal to 2'"
  const short = await t.throwsAsync(f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'a' })));
  t.is(short?.message, "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must have length greater than or equal to 2'");
  // the /v2 face takes the same names
  const res = await fetch(`${f.emu.endpoint}/v2/a__b/tags/list`, {
    headers: { authorization: `Basic ${Buffer.from('AWS:x').toString('base64')}` },
  });
  t.is(res.status, 200);
});

test("validation errors in AWS's words, with the member path as AWS writes it (documented ECR errors for maxResults and imageIds; service-framework wording for the rest)", async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
  // registry-cli#79: "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000'"
  const max = await raw(f.emu.endpoint, 'DescribeRepositories', { maxResults: 1001 });
  t.like(max, {
    status: 400,
    __type: 'InvalidParameterException',
    message: "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000'",
  });
  // aws-lambda-ecr-cleaner#3: "Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length greater than or equal to 1'"
  const empty = await raw(f.emu.endpoint, 'BatchGetImage', { repositoryName: 'app', imageIds: [] });
  t.is(empty.message, "Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length greater than or equal to 1'");
  const nested = await raw(f.emu.endpoint, 'DescribeImages', {
    repositoryName: 'app',
    imageIds: [{ imageTag: 'ok' }, { imageTag: 'x'.repeat(301) }],
  });
  t.is(
    nested.message,
    "Invalid parameter at 'imageIds.2.member.imageTag' failed to satisfy constraint: 'must have length less than or equal to 300'",
  );
  // an operation whose model lists ValidationException reports every violation at once
  const many = await raw(f.emu.endpoint, 'PutRegistryScanningConfiguration', {
    scanType: 'DEEP',
    rules: [{ scanFrequency: 'NEVER', repositoryFilters: [] }],
  });
  t.is(many.__type, 'ValidationException');
  t.is(
    many.message,
    "2 validation errors detected: Value 'DEEP' at 'scanType' failed to satisfy constraint: Member must satisfy enum value set: [BASIC, ENHANCED]; " +
      "Value 'NEVER' at 'rules.1.member.scanFrequency' failed to satisfy constraint: Member must satisfy enum value set: [SCAN_ON_PUSH, CONTINUOUS_SCAN, MANUAL]",
  );
  const missing = await raw(f.emu.endpoint, 'PutImageScanningConfiguration', { repositoryName: 'app' });
  t.is(
    missing.message,
    "1 validation error detected: Value null at 'imageScanningConfiguration' failed to satisfy constraint: Member must not be null",
  );
  // model patterns: a signing profile ARN, a KMS key ARN of a template, a scanning filter
  const signer = await raw(f.emu.endpoint, 'PutSigningConfiguration', {
    signingConfiguration: { rules: [{ signingProfileArn: 'arn:aws:kms:x' }] },
  });
  t.regex(
    signer.message ?? '',
    /^1 validation error detected: Value 'arn:aws:kms:x' at 'signingConfiguration.rules.1.member.signingProfileArn' failed to satisfy constraint: Member must satisfy regular expression pattern: /,
  );
  const kms = await raw(f.emu.endpoint, 'CreateRepositoryCreationTemplate', {
    prefix: 'p1',
    appliedFor: ['REPLICATION'],
    encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'my-key' },
  });
  t.regex(
    kms.message ?? '',
    /at 'encryptionConfiguration.kmsKey' failed to satisfy constraint: Member must satisfy regular expression pattern: \^\$\|arn:aws/,
  );
  const filter = await raw(f.emu.endpoint, 'PutRegistryScanningConfiguration', {
    rules: [{ scanFrequency: 'MANUAL', repositoryFilters: [{ filter: 'UPPER', filterType: 'WILDCARD' }] }],
  });
  t.regex(
    filter.message ?? '',
    /at 'rules.1.member.repositoryFilters.1.member.filter' failed to satisfy constraint: Member must satisfy regular expression pattern/,
  );
  // a nextToken that is not ours names the member as AWS quotes members
  const token = await raw(f.emu.endpoint, 'DescribeRepositories', { nextToken: 'garbage' });
  t.like(token, {
    __type: 'InvalidParameterException',
    message: "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid pagination token'",
  });
});

test('resource tags: a repeated key replaces the value; key > 128 or value > 256 characters is InvalidTagParameterException (TagResource API reference)', async (t) => {
  await using f = await startEcr();
  const created = await f.ecr.send(
    new CreateRepositoryCommand({
      repositoryName: 'tags',
      tags: [
        { Key: 'team', Value: 'a' },
        { Key: 'team', Value: 'b' },
      ],
    }),
  );
  const resourceArn = created.repository!.repositoryArn!;
  t.deepEqual((await f.ecr.send(new ListTagsForResourceCommand({ resourceArn }))).tags, [{ Key: 'team', Value: 'b' }]);
  await f.ecr.send(
    new TagResourceCommand({
      resourceArn,
      tags: [
        { Key: 'env', Value: '1' },
        { Key: 'env', Value: '2' },
        { Key: 'team', Value: 'c' },
      ],
    }),
  );
  t.deepEqual((await f.ecr.send(new ListTagsForResourceCommand({ resourceArn }))).tags, [
    { Key: 'env', Value: '2' },
    { Key: 'team', Value: 'c' },
  ]);
  for (const tags of [[{ Key: 'k'.repeat(129), Value: 'v' }], [{ Key: 'k', Value: 'v'.repeat(257) }], [{ Key: 'aws:x', Value: 'v' }]]) {
    const err = await t.throwsAsync(f.ecr.send(new TagResourceCommand({ resourceArn, tags })));
    t.is(err?.name, 'InvalidTagParameterException');
    const onCreate = await t.throwsAsync(f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'tags2', tags })));
    t.is(onCreate?.name, 'InvalidTagParameterException');
  }
  await t.notThrowsAsync(f.ecr.send(new TagResourceCommand({ resourceArn, tags: [{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }] })));
});

test("image tags on the ECR API: up to 300 characters (model ImageTag) of ECR's tag characters; /v2 keeps the OCI tag grammar", async (t) => {
  await using f = await startEcr({ auth: 'any' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'long' }));
  const img = await prepareImage(f.ecr, 'long', 'long');
  const tag300 = `v${'1'.repeat(299)}`;
  const put = await f.ecr.send(new PutImageCommand({ repositoryName: 'long', imageManifest: img.manifest, imageTag: tag300 }));
  t.is(put.image?.imageId?.imageTag, tag300);
  t.deepEqual((await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'long' }))).imageDetails?.[0]?.imageTags, [tag300]);
  const tooLong = await t.throwsAsync(
    f.ecr.send(new PutImageCommand({ repositoryName: 'long', imageManifest: img.manifest, imageTag: `${tag300}1` })),
  );
  t.is(tooLong?.message, "Invalid parameter at 'imageTag' failed to satisfy constraint: 'must have length less than or equal to 300'");
  // alexjurkiewicz/ecr-scan-image#40: "Invalid parameter at 'imageTag' failed to satisfy constraint: 'must satisfy regular expression '[a-zA-Z0-9-_.]+''"
  const chars = await t.throwsAsync(
    f.ecr.send(new PutImageCommand({ repositoryName: 'long', imageManifest: img.manifest, imageTag: '$(date)' })),
  );
  t.is(chars?.message, "Invalid parameter at 'imageTag' failed to satisfy constraint: 'must satisfy regular expression '[a-zA-Z0-9-_.]+''");
  const auth = { authorization: `Basic ${Buffer.from('AWS:x').toString('base64')}` };
  const v2 = await fetch(`${f.emu.endpoint}/v2/long/manifests/${'t'.repeat(200)}`, {
    method: 'PUT',
    body: img.manifest,
    headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  t.is(v2.status, 400);
  t.is(((await v2.json()) as { errors: { code: string }[] }).errors[0]?.code, 'TAG_INVALID');
});

test("at most 1,000 tags per image: LimitExceededException on PutImage, `denied` on /v2, with ECR's message (medic/cht-core#11099)", async (t) => {
  await using f = await startEcr({ auth: 'any' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'many' }));
  const img = await prepareImage(f.ecr, 'many', 'many');
  const scope = { account: '000000000000', region: 'us-east-1' };
  const parsed = parseManifest(Buffer.from(img.manifest));
  if (!parsed.ok) throw new Error(parsed.message);
  for (let i = 0; i < 1000; i++)
    await f.emu.engine.execute({
      type: 'PutManifest',
      scope,
      repository: 'many',
      digest: img.digest,
      bytes: Buffer.from(img.manifest),
      manifest: parsed.manifest,
      tag: `t${i}`,
      via: 'oci',
    });
  const message =
    "Adding tag 't1000' to an image in the repository with name 'many' in registry with id '000000000000' exceeds the maximum allowed number of tags per image which is '1000'";
  const err = await t.throwsAsync(
    f.ecr.send(new PutImageCommand({ repositoryName: 'many', imageManifest: img.manifest, imageTag: 't1000' })),
  );
  t.is(err?.name, 'LimitExceededException');
  t.is(err?.message, message);
  const v2 = await fetch(`${f.emu.endpoint}/v2/many/manifests/t1000`, {
    method: 'PUT',
    body: img.manifest,
    headers: {
      authorization: `Basic ${Buffer.from('AWS:x').toString('base64')}`,
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
    },
  });
  t.is(v2.status, 403);
  t.like(((await v2.json()) as { errors: { code: string; message: string }[] }).errors[0], { code: 'DENIED', message });
  // moving an existing tag onto the image is refused as well; re-putting one of its tags is not a new tag
  await t.notThrowsAsync(
    f.emu.engine.execute({
      type: 'PutManifest',
      scope,
      repository: 'many',
      digest: img.digest,
      bytes: Buffer.from(img.manifest),
      manifest: parsed.manifest,
      tag: 't5',
      via: 'oci',
    }),
  );
});

test('PutImage of a manifest without mediaType needs imageManifestMediaType, else "Invalid JSON syntax" (PutImage API reference; aws/aws-sdk#193)', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'helm' }));
  const config = layer('{"name":"chart"}');
  const content = layer('chart bytes');
  await uploadLayer(f.ecr, 'helm', config);
  await uploadLayer(f.ecr, 'helm', content);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: config.digest, size: config.bytes.length },
    layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: content.digest, size: content.bytes.length }],
  });
  const err = await t.throwsAsync(f.ecr.send(new PutImageCommand({ repositoryName: 'helm', imageManifest: manifest, imageTag: '1.0.0' })));
  t.is(err?.name, 'InvalidParameterException');
  t.is(err?.message, "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'");
  const ok = await f.ecr.send(
    new PutImageCommand({
      repositoryName: 'helm',
      imageManifest: manifest,
      imageTag: '1.0.0',
      imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    }),
  );
  t.is(ok.image?.imageManifestMediaType, 'application/vnd.oci.image.manifest.v1+json');
});

test('imageSizeInBytes of a manifest list / OCI index is the largest size among its manifests (ImageDetail in the model)', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'multi' }));
  const config = layer('{"os":"linux"}');
  const small = layer('s');
  const big = layer('b'.repeat(5000));
  for (const l of [config, small, big]) await uploadLayer(f.ecr, 'multi', l);
  const a = imageManifest(config, [small]);
  const b = imageManifest(config, [big]);
  for (const m of [a, b]) await f.ecr.send(new PutImageCommand({ repositoryName: 'multi', imageManifest: m }));
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [a, b].map((m, i) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha256(m),
      size: m.length,
      platform: { os: 'linux', architecture: i ? 'arm64' : 'amd64' },
    })),
  });
  await f.ecr.send(new PutImageCommand({ repositoryName: 'multi', imageManifest: index, imageTag: 'list' }));
  const [detail] =
    (await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'multi', imageIds: [{ imageTag: 'list' }] }))).imageDetails ?? [];
  t.is(detail?.imageSizeInBytes, config.bytes.length + big.bytes.length);
});

test('BatchCheckLayerAvailability returns mediaType for available layers (Layer.mediaType in the model)', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'layers' }));
  const img = await prepareImage(f.ecr, 'layers', 'x');
  const loose = layer('not in any manifest');
  await uploadLayer(f.ecr, 'layers', loose);
  await f.ecr.send(new PutImageCommand({ repositoryName: 'layers', imageManifest: img.manifest, imageTag: 'v1' }));
  const r = await f.ecr.send(
    new BatchCheckLayerAvailabilityCommand({ repositoryName: 'layers', layerDigests: [img.layer.digest, img.config.digest, loose.digest] }),
  );
  t.deepEqual(r.layers, [
    {
      layerDigest: img.layer.digest,
      layerAvailability: 'AVAILABLE',
      layerSize: img.layer.bytes.length,
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    },
    {
      layerDigest: img.config.digest,
      layerAvailability: 'AVAILABLE',
      layerSize: img.config.bytes.length,
      mediaType: 'application/vnd.oci.image.config.v1+json',
    },
    { layerDigest: loose.digest, layerAvailability: 'AVAILABLE', layerSize: loose.bytes.length },
  ]);
});

test('lastRecordedPullTime is updated by BatchGetImage and GetDownloadUrlForLayer like a /v2 pull: off the request path, once per refresh interval (DescribeImages ImageDetail.lastRecordedPullTime)', async (t) => {
  await using f = await startEcr({ fsync: 'always' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'pulls' }));
  const img = await prepareImage(f.ecr, 'pulls', 'p');
  await f.ecr.send(new PutImageCommand({ repositoryName: 'pulls', imageManifest: img.manifest, imageTag: 'v1' }));
  const pulled = async () =>
    (await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'pulls' }))).imageDetails?.[0]?.lastRecordedPullTime;
  const pulls = () => [...f.emu.events()].filter((e) => e.type === 'ImagePulled').length;
  t.is(await pulled(), undefined);
  for (let i = 0; i < 3; i++) await f.ecr.send(new BatchGetImageCommand({ repositoryName: 'pulls', imageIds: [{ imageTag: 'v1' }] }));
  await settle();
  t.true((await pulled()) instanceof Date);
  t.is(pulls(), 1, 'three pulls within the interval are one ImagePulled');
  f.emu.clock.advance(PULL_REFRESH_INTERVAL_MS + 1);
  await f.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'pulls', layerDigest: img.layer.digest }));
  await settle();
  t.is(pulls(), 2, 'a layer download after the interval records the images using the layer');
});

test('/v2 manifest GET/HEAD by a reference that is not a valid tag is 404 MANIFEST_UNKNOWN; a PUT keeps its 400 (distribution-spec conformance .INVALID_MANIFEST_NAME)', async (t) => {
  await using f = await startEcr({ auth: 'any' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'refs' }));
  const auth = { authorization: `Basic ${Buffer.from('AWS:x').toString('base64')}` };
  for (const method of ['GET', 'HEAD']) {
    const res = await fetch(`${f.emu.endpoint}/v2/refs/manifests/.INVALID_MANIFEST_NAME`, { method, headers: auth });
    t.is(res.status, 404, method);
    if (method === 'GET') t.is(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code, 'MANIFEST_UNKNOWN');
  }
  const put = await fetch(`${f.emu.endpoint}/v2/refs/manifests/.INVALID_MANIFEST_NAME`, {
    method: 'PUT',
    body: '{}',
    headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  t.is(put.status, 400);
  t.is(((await put.json()) as { errors: { code: string }[] }).errors[0]?.code, 'TAG_INVALID');
  t.is((await f.ecr.send(new DescribeRepositoriesCommand({}))).repositories?.length, 1);
});
