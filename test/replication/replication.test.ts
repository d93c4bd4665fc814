// PutReplicationConfiguration, DescribeRegistry, DescribeImageReplicationStatus and the copies
// themselves, through the real AWS SDK: cross-region, cross-account (with and without the
// destination's registry policy), repository creation templates, immutable destinations.
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  CreateRepositoryCreationTemplateCommand,
  DescribeImagesCommand,
  DescribeImageReplicationStatusCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  PutImageCommand,
  PutRegistryPolicyCommand,
  PutReplicationConfigurationCommand,
} from '@aws-sdk/client-ecr';
import test from 'ava';
import { startEcr } from '../ecr/ecr-fixture.ts';
import { pushImage, settledStatuses } from './replication-support.ts';

const SOURCE = '000000000000';
const OTHER = '222222222222';

test('PutReplicationConfiguration is shown by DescribeRegistry; a push replicates to another region with its tag', async (t) => {
  await using f = await startEcr();
  const rules = [
    {
      destinations: [{ region: 'eu-west-1', registryId: SOURCE }],
      repositoryFilters: [{ filter: 'team', filterType: 'PREFIX_MATCH' as const }],
    },
  ];
  const put = await f.ecr.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules } }));
  t.deepEqual(put.replicationConfiguration, { rules });
  const registry = await f.ecr.send(new DescribeRegistryCommand({}));
  t.deepEqual(registry.replicationConfiguration, { rules });

  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app', imageTagMutability: 'IMMUTABLE' }));
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'other/app' }));
  const digest = await pushImage(f.ecr, 'team/app', 'v1');
  await pushImage(f.ecr, 'other/app', 'v1');
  const statuses = await settledStatuses(f.ecr, 'team/app', digest);
  t.deepEqual(statuses, [{ region: 'eu-west-1', registryId: SOURCE, status: 'COMPLETE' }]);

  const eu = f.client('test', 'eu-west-1');
  const repos = await eu.send(new DescribeRepositoriesCommand({}));
  t.deepEqual(
    repos.repositories?.map((r) => r.repositoryName),
    ['team/app'],
    'the filter keeps other/app home',
  );
  t.is(repos.repositories?.[0]?.imageTagMutability, 'MUTABLE', 'repository settings are not replicated');
  const images = await eu.send(new DescribeImagesCommand({ repositoryName: 'team/app' }));
  t.is(images.imageDetails?.[0]?.imageDigest, digest);
  t.deepEqual(images.imageDetails?.[0]?.imageTags, ['v1']);
  const got = await eu.send(new BatchGetImageCommand({ repositoryName: 'team/app', imageIds: [{ imageTag: 'v1' }] }));
  t.is(got.images?.[0]?.imageId?.imageDigest, digest);
  eu.destroy();

  // the blobs are shared in the store: a replica links them, the journal names no new upload
  const uploads = [...f.emu.events()].filter((e) => e.type === 'UploadCompleted').length;
  t.is(uploads, 4, 'two pushes of a config and a layer each; the replica uploaded nothing');
  const mounts = [...f.emu.events()].filter((e) => e.type === 'BlobMounted' && e.data.region === 'eu-west-1');
  t.is(mounts.length, 2);
});

test('a cross-account destination needs the registry policy to grant ecr:ReplicateImage and ecr:CreateRepository', async (t) => {
  await using f = await startEcr();
  const rules = [{ destinations: [{ region: 'us-east-1', registryId: OTHER }] }];
  await f.ecr.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules } }));
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
  const refused = await pushImage(f.ecr, 'app', 'v1');
  const [denied] = await settledStatuses(f.ecr, 'app', refused);
  t.is(denied?.status, 'FAILED');
  t.is(denied?.failureCode, 'AccessDenied');

  const other = f.client(OTHER);
  await other.send(
    new PutRegistryPolicyCommand({
      policyText: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'replication',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${SOURCE}:root` },
            Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
            Resource: `arn:aws:ecr:us-east-1:${OTHER}:repository/*`,
          },
        ],
      }),
    }),
  );
  const digest = await pushImage(f.ecr, 'app', 'v2');
  t.deepEqual(await settledStatuses(f.ecr, 'app', digest), [{ region: 'us-east-1', registryId: OTHER, status: 'COMPLETE' }]);
  const images = await other.send(new DescribeImagesCommand({ repositoryName: 'app' }));
  t.deepEqual(
    images.imageDetails?.map((i) => i.imageDigest),
    [digest],
    'the refused image was not copied',
  );
  other.destroy();
});

test('the REPLICATION template creates the destination repository; an immutable destination keeps its tag and reports it', async (t) => {
  await using f = await startEcr();
  const eu = f.client('test', 'eu-west-1');
  await eu.send(
    new CreateRepositoryCreationTemplateCommand({
      prefix: 'ROOT',
      appliedFor: ['REPLICATION'],
      imageTagMutability: 'IMMUTABLE',
      resourceTags: [{ Key: 'from', Value: 'template' }],
    }),
  );
  await f.ecr.send(
    new PutReplicationConfigurationCommand({
      replicationConfiguration: { rules: [{ destinations: [{ region: 'eu-west-1', registryId: SOURCE }] }] },
    }),
  );
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
  const first = await pushImage(f.ecr, 'app', 'latest', 'one');
  await settledStatuses(f.ecr, 'app', first);
  const repo = await eu.send(new DescribeRepositoriesCommand({ repositoryNames: ['app'] }));
  t.is(repo.repositories?.[0]?.imageTagMutability, 'IMMUTABLE', 'the template applied');

  const second = await pushImage(f.ecr, 'app', 'latest', 'two');
  const [status] = await settledStatuses(f.ecr, 'app', second);
  t.is(status?.status, 'FAILED');
  t.is(status?.failureCode, 'ImageTagAlreadyExists');
  const images = await eu.send(new DescribeImagesCommand({ repositoryName: 'app' }));
  const byDigest = new Map(images.imageDetails?.map((i) => [i.imageDigest, i.imageTags ?? []]));
  t.deepEqual(byDigest.get(first), ['latest']);
  t.deepEqual(byDigest.get(second), [], 'the image is replicated without the tag the destination holds');
  eu.destroy();
});

test('a retag replicates the new tag; deletes are not replicated; a replica is not replicated further', async (t) => {
  await using f = await startEcr();
  const eu = f.client('test', 'eu-west-1');
  await f.ecr.send(
    new PutReplicationConfigurationCommand({
      replicationConfiguration: { rules: [{ destinations: [{ region: 'eu-west-1', registryId: SOURCE }] }] },
    }),
  );
  // eu-west-1 would replicate on to us-west-2: a replica does not
  await eu.send(
    new PutReplicationConfigurationCommand({
      replicationConfiguration: { rules: [{ destinations: [{ region: 'us-west-2', registryId: SOURCE }] }] },
    }),
  );
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
  const digest = await pushImage(f.ecr, 'app', 'v1');
  await settledStatuses(f.ecr, 'app', digest);
  const manifest = (await f.ecr.send(new BatchGetImageCommand({ repositoryName: 'app', imageIds: [{ imageDigest: digest }] }))).images?.[0]
    ?.imageManifest;
  await f.ecr.send(new PutImageCommand({ repositoryName: 'app', imageManifest: manifest, imageTag: 'stable' }));
  await settledStatuses(f.ecr, 'app', digest);
  const { BatchDeleteImageCommand } = await import('@aws-sdk/client-ecr');
  await f.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'app', imageIds: [{ imageDigest: digest }] }));
  const images = await eu.send(new DescribeImagesCommand({ repositoryName: 'app' }));
  t.deepEqual(images.imageDetails?.[0]?.imageTags?.sort(), ['stable', 'v1']);
  const usWest = f.client('test', 'us-west-2');
  t.deepEqual((await usWest.send(new DescribeRepositoriesCommand({}))).repositories, []);
  usWest.destroy();
  const replicaStatus = await eu.send(
    new DescribeImageReplicationStatusCommand({ repositoryName: 'app', imageId: { imageDigest: digest } }),
  );
  t.deepEqual(replicaStatus.replicationStatuses, []);
  eu.destroy();
});

test('PutReplicationConfiguration refuses the source registry as a destination, empty destinations, over 25 destinations', async (t) => {
  await using f = await startEcr();
  const put = (rules: { destinations: { region: string; registryId: string }[] }[]) =>
    f.ecr.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules } }));
  const self = await t.throwsAsync(put([{ destinations: [{ region: 'us-east-1', registryId: SOURCE }] }]));
  t.is(self?.name, 'InvalidParameterException');
  const empty = await t.throwsAsync(put([{ destinations: [] }]));
  t.is(empty?.name, 'InvalidParameterException');
  const many = Array.from({ length: 26 }, (_, i) => ({ region: 'eu-west-1', registryId: String(100000000000 + i) }));
  const tooMany = await t.throwsAsync(put([{ destinations: many.slice(0, 13) }, { destinations: many.slice(13) }]));
  t.is(tooMany?.name, 'InvalidParameterException');
  const badRegion = await t.throwsAsync(put([{ destinations: [{ region: 'EU', registryId: SOURCE }] }]));
  t.is(badRegion?.name, 'ValidationException');
  await put([]);
  t.deepEqual((await f.ecr.send(new DescribeRegistryCommand({}))).replicationConfiguration, { rules: [] });
  const missing = await t.throwsAsync(
    f.ecr.send(new DescribeImageReplicationStatusCommand({ repositoryName: 'nope', imageId: { imageTag: 'x' } })),
  );
  t.is(missing?.name, 'RepositoryNotFoundException');
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
  const noImage = await t.throwsAsync(
    f.ecr.send(new DescribeImageReplicationStatusCommand({ repositoryName: 'app', imageId: { imageTag: 'x' } })),
  );
  t.is(noImage?.name, 'ImageNotFoundException');
});
