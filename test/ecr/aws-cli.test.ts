/** The AWS CLI (/usr/bin/aws) against the ECR face, and get-login-password into docker login. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutImageCommand } from '@aws-sdk/client-ecr';
import { awsCommand, createAwsCli } from '../support/clients/aws-cli.ts';
import { testRequiring } from '../support/clients/client-test.ts';
import { pushedDigest, startDockerd } from '../support/clients/dockerd.ts';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';
import { prepareImage, startEcr } from './ecr-fixture.ts';

const test = testRequiring([awsCommand()]);
const dockerTest = testRequiring([awsCommand(), 'dockerd', 'docker']);

interface ImageDetail {
  imageDigest: string;
  imageTags?: string[];
  imageSizeInBytes: number;
}

test('aws ecr: repository, images, tags, immutability and forced delete', async (t) => {
  await using f = await startEcr();
  await using cli = await createAwsCli({ endpointUrl: f.emu.endpoint });
  const dir = await makeTempDir('ecr-cli');
  try {
    const created = await cli.awsJson<{ repository: { repositoryName: string; repositoryUri: string } }>([
      'ecr',
      'create-repository',
      '--repository-name',
      'cli/app',
      '--tags',
      'Key=team,Value=cli',
    ]);
    t.is(created.repository.repositoryUri, `127.0.0.1:${f.emu.port}/cli/app`);
    const described = await cli.awsJson<{ repositories: { repositoryName: string }[] }>(['ecr', 'describe-repositories']);
    t.deepEqual(
      described.repositories.map((r) => r.repositoryName),
      ['cli/app'],
    );

    const img = await prepareImage(f.ecr, 'cli/app', 'cli');
    const manifestFile = join(dir, 'manifest.json');
    await writeFile(manifestFile, img.manifest);
    const put = await cli.awsJson<{ image: { imageId: { imageDigest: string } } }>([
      'ecr',
      'put-image',
      '--repository-name',
      'cli/app',
      '--image-tag',
      'v1',
      '--image-manifest',
      `file://${manifestFile}`,
    ]);
    t.is(put.image.imageId.imageDigest, img.digest);
    const got = await cli.awsJson<{ images: { imageManifest: string }[] }>([
      'ecr',
      'batch-get-image',
      '--repository-name',
      'cli/app',
      '--image-ids',
      'imageTag=v1',
    ]);
    t.is(got.images[0]?.imageManifest, img.manifest);
    const listed = await cli.awsJson<{ imageIds: { imageTag?: string }[] }>(['ecr', 'list-images', '--repository-name', 'cli/app']);
    t.deepEqual(
      listed.imageIds.map((i) => i.imageTag),
      ['v1'],
    );
    const details = await cli.awsJson<{ imageDetails: ImageDetail[] }>(['ecr', 'describe-images', '--repository-name', 'cli/app']);
    t.is(details.imageDetails[0]?.imageDigest, img.digest);
    t.is(details.imageDetails[0]?.imageSizeInBytes, img.config.bytes.length + img.layer.bytes.length);

    await cli.aws([
      'ecr',
      'tag-resource',
      '--resource-arn',
      `arn:aws:ecr:us-east-1:000000000000:repository/cli/app`,
      '--tags',
      'Key=env,Value=test',
    ]);
    const tags = await cli.awsJson<{ tags: { Key: string }[] }>([
      'ecr',
      'list-tags-for-resource',
      '--resource-arn',
      'arn:aws:ecr:us-east-1:000000000000:repository/cli/app',
    ]);
    t.deepEqual(
      tags.tags.map((x) => x.Key),
      ['team', 'env'],
    );

    await cli.aws(['ecr', 'put-image-tag-mutability', '--repository-name', 'cli/app', '--image-tag-mutability', 'IMMUTABLE']);
    const other = JSON.stringify({ ...JSON.parse(img.manifest), annotations: { retag: 'yes' } });
    await writeFile(manifestFile, other);
    const retag = await cli.aws(
      ['ecr', 'put-image', '--repository-name', 'cli/app', '--image-tag', 'v1', '--image-manifest', `file://${manifestFile}`],
      { allowFailure: true },
    );
    t.not(retag.code, 0);
    t.regex(retag.stderr, /ImageTagAlreadyExistsException/);

    await cli.aws(['ecr', 'put-image', '--repository-name', 'cli/app', '--image-tag', 'v2', '--image-manifest', `file://${manifestFile}`]);
    const deleted = await cli.awsJson<{ imageIds: { imageTag?: string }[]; failures: unknown[] }>([
      'ecr',
      'batch-delete-image',
      '--repository-name',
      'cli/app',
      '--image-ids',
      'imageTag=v2',
    ]);
    t.deepEqual(
      deleted.imageIds.map((i) => i.imageTag),
      ['v2'],
    );
    t.deepEqual(deleted.failures, []);

    const refused = await cli.aws(['ecr', 'delete-repository', '--repository-name', 'cli/app'], { allowFailure: true });
    t.regex(refused.stderr, /RepositoryNotEmptyException/);
    await cli.aws(['ecr', 'delete-repository', '--repository-name', 'cli/app', '--force']);
    const after = await cli.awsJson<{ repositories: unknown[] }>(['ecr', 'describe-repositories']);
    t.deepEqual(after.repositories, []);
  } finally {
    await removeDir(dir);
  }
});

dockerTest('aws ecr get-login-password | docker login, then docker push and pull', async (t) => {
  await using f = await startEcr();
  await using cli = await createAwsCli({ endpointUrl: f.emu.endpoint });
  const host = f.emu.registryHost;
  await cli.aws(['ecr', 'create-repository', '--repository-name', 'cli/docker']);
  await using dockerd = await startDockerd({ insecureRegistries: [host] });
  const password = (await cli.aws(['ecr', 'get-login-password'])).stdout;
  const login = await dockerd.docker(['login', '--username', 'AWS', '--password-stdin', host], { input: password });
  t.regex(login.stdout, /Login Succeeded/);
  await dockerd.buildFromScratch(`${host}/cli/docker:v1`, { 'a.txt': 'pushed after aws ecr get-login-password\n' });
  const digest = pushedDigest((await dockerd.docker(['push', `${host}/cli/docker:v1`])).stdout);
  await dockerd.docker(['rmi', `${host}/cli/docker:v1`]);
  const pull = await dockerd.docker(['pull', `${host}/cli/docker:v1`]);
  t.regex(pull.stdout, new RegExp(digest));
  const details = await cli.awsJson<{ imageDetails: ImageDetail[] }>(['ecr', 'describe-images', '--repository-name', 'cli/docker']);
  t.is(details.imageDetails[0]?.imageDigest, digest);

  const wrong = await dockerd.docker(['login', '--username', 'AWS', '--password-stdin', host], {
    input: 'not-a-token',
    allowFailure: true,
  });
  t.not(wrong.code, 0, 'a made-up password is refused');
});

test('aws ecr: put-lifecycle-policy, get-lifecycle-policy, start-lifecycle-policy-preview, get-lifecycle-policy-preview, delete-lifecycle-policy', async (t) => {
  await using f = await startEcr({ auth: 'none' });
  await using cli = await createAwsCli({ endpointUrl: f.emu.endpoint });
  const dir = await makeTempDir('ecr-cli-lifecycle');
  try {
    await cli.aws(['ecr', 'create-repository', '--repository-name', 'cli/lifecycle']);
    for (const n of [1, 2, 3])
      await prepareImage(f.ecr, 'cli/lifecycle', `lifecycle-${n}`).then((img) =>
        f.ecr.send(new PutImageCommand({ repositoryName: 'cli/lifecycle', imageManifest: img.manifest })),
      );
    const policy = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          description: 'keep one untagged image',
          selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
          action: { type: 'expire' },
        },
      ],
    });
    const policyFile = join(dir, 'policy.json');
    await writeFile(policyFile, policy);
    const put = await cli.awsJson<{ repositoryName: string; lifecyclePolicyText: string }>([
      'ecr',
      'put-lifecycle-policy',
      '--repository-name',
      'cli/lifecycle',
      '--lifecycle-policy-text',
      `file://${policyFile}`,
    ]);
    t.is(put.lifecyclePolicyText, policy);
    const got = await cli.awsJson<{ lifecyclePolicyText: string }>(['ecr', 'get-lifecycle-policy', '--repository-name', 'cli/lifecycle']);
    t.is(got.lifecyclePolicyText, policy);

    const started = await cli.awsJson<{ status: string }>(['ecr', 'start-lifecycle-policy-preview', '--repository-name', 'cli/lifecycle']);
    t.is(started.status, 'IN_PROGRESS');
    let preview: { status: string; summary?: { expiringImageTotalCount: number }; previewResults?: { appliedRulePriority: number }[] };
    do preview = await cli.awsJson(['ecr', 'get-lifecycle-policy-preview', '--repository-name', 'cli/lifecycle']);
    while (preview.status !== 'COMPLETE');
    t.deepEqual(preview.summary, { expiringImageTotalCount: 2 });
    t.deepEqual(
      preview.previewResults?.map((r) => r.appliedRulePriority),
      [1, 1],
    );

    const bad = await cli.aws(
      [
        'ecr',
        'put-lifecycle-policy',
        '--repository-name',
        'cli/lifecycle',
        '--lifecycle-policy-text',
        policy.replace('"untagged"', '"tagged"'),
      ],
      { allowFailure: true },
    );
    t.not(bad.code, 0);
    t.regex(
      bad.stderr,
      /InvalidParameterException.*Lifecycle policy validation failure: Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED\./,
    );

    const deleted = await cli.awsJson<{ lifecyclePolicyText: string }>([
      'ecr',
      'delete-lifecycle-policy',
      '--repository-name',
      'cli/lifecycle',
    ]);
    t.is(deleted.lifecyclePolicyText, policy);
    const gone = await cli.aws(['ecr', 'get-lifecycle-policy', '--repository-name', 'cli/lifecycle'], { allowFailure: true });
    t.regex(gone.stderr, /LifecyclePolicyNotFoundException/);
  } finally {
    await removeDir(dir);
  }
});
