/** Repository and registry policies; resource tags. */
import test from 'ava';
import {
  CreateRepositoryCommand,
  DeleteRegistryPolicyCommand,
  DeleteRepositoryPolicyCommand,
  GetRegistryPolicyCommand,
  GetRepositoryPolicyCommand,
  ListTagsForResourceCommand,
  PutRegistryPolicyCommand,
  SetRepositoryPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecr';
import { startEcr } from './ecr-fixture.ts';

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'pull', Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage'] }],
});
/** A registry policy names the repositories it covers (ECR user guide, "Private registry permissions"). */
const REGISTRY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'replicate',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: ['ecr:ReplicateImage', 'ecr:CreateRepository'],
      Resource: 'arn:aws:ecr:us-east-1:000000000000:repository/*',
    },
  ],
});

test('Set/Get/DeleteRepositoryPolicy, and their errors', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'pol' }));
  const none = await t.throwsAsync(f.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'pol' })));
  t.is(none?.name, 'RepositoryPolicyNotFoundException');
  const set = await f.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'pol', policyText: POLICY }));
  t.deepEqual(
    { ...set, $metadata: undefined },
    { $metadata: undefined, registryId: '000000000000', repositoryName: 'pol', policyText: POLICY },
  );
  t.is((await f.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'pol' }))).policyText, POLICY);
  const bad = await t.throwsAsync(f.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'pol', policyText: '{not json' })));
  t.is(bad?.name, 'InvalidParameterException');
  const deleted = await f.ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'pol' }));
  t.is(deleted.policyText, POLICY);
  const twice = await t.throwsAsync(f.ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'pol' })));
  t.is(twice?.name, 'RepositoryPolicyNotFoundException');
  const noRepo = await t.throwsAsync(f.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'nope', policyText: POLICY })));
  t.is(noRepo?.name, 'RepositoryNotFoundException');
});

test('Put/Get/DeleteRegistryPolicy, and their errors', async (t) => {
  await using f = await startEcr();
  const none = await t.throwsAsync(f.ecr.send(new GetRegistryPolicyCommand({})));
  t.is(none?.name, 'RegistryPolicyNotFoundException');
  const put = await f.ecr.send(new PutRegistryPolicyCommand({ policyText: REGISTRY_POLICY }));
  t.like(put, { registryId: '000000000000', policyText: REGISTRY_POLICY });
  t.is((await f.ecr.send(new GetRegistryPolicyCommand({}))).policyText, REGISTRY_POLICY);
  const bad = await t.throwsAsync(f.ecr.send(new PutRegistryPolicyCommand({ policyText: '[]' })));
  t.is(bad?.name, 'InvalidParameterException');
  t.is((await f.ecr.send(new DeleteRegistryPolicyCommand({}))).policyText, REGISTRY_POLICY);
  const twice = await t.throwsAsync(f.ecr.send(new DeleteRegistryPolicyCommand({})));
  t.is(twice?.name, 'RegistryPolicyNotFoundException');
});

test('TagResource / UntagResource / ListTagsForResource on a repository ARN; 50-tag limit; bad ARNs', async (t) => {
  await using f = await startEcr();
  const { repository } = await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'tagged', tags: [{ Key: 'team', Value: 'a' }] }));
  const resourceArn = repository!.repositoryArn!;
  await f.ecr.send(
    new TagResourceCommand({
      resourceArn,
      tags: [
        { Key: 'team', Value: 'b' },
        { Key: 'env', Value: 'prod' },
      ],
    }),
  );
  t.deepEqual((await f.ecr.send(new ListTagsForResourceCommand({ resourceArn }))).tags, [
    { Key: 'team', Value: 'b' },
    { Key: 'env', Value: 'prod' },
  ]);
  await f.ecr.send(new UntagResourceCommand({ resourceArn, tagKeys: ['team', 'absent'] }));
  t.deepEqual((await f.ecr.send(new ListTagsForResourceCommand({ resourceArn }))).tags, [{ Key: 'env', Value: 'prod' }]);
  const tags = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: String(i) }));
  const many = await t.throwsAsync(f.ecr.send(new TagResourceCommand({ resourceArn, tags })));
  t.is(many?.name, 'TooManyTagsException', '49 new keys + env = 51');
  await f.ecr.send(new TagResourceCommand({ resourceArn, tags: tags.slice(0, 49) }));
  t.is((await f.ecr.send(new ListTagsForResourceCommand({ resourceArn }))).tags?.length, 50);
  const reserved = await t.throwsAsync(f.ecr.send(new TagResourceCommand({ resourceArn, tags: [{ Key: 'aws:owner', Value: 'x' }] })));
  t.is(reserved?.name, 'InvalidTagParameterException');
  const badArn = await t.throwsAsync(f.ecr.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:s3:::bucket' })));
  t.is(badArn?.name, 'InvalidParameterException');
  const missing = await t.throwsAsync(
    f.ecr.send(
      new TagResourceCommand({ resourceArn: 'arn:aws:ecr:us-east-1:000000000000:repository/gone', tags: [{ Key: 'a', Value: 'b' }] }),
    ),
  );
  t.is(missing?.name, 'RepositoryNotFoundException');
});
