/** CreateRepository, DescribeRepositories, DeleteRepository, PutImageTagMutability, PutImageScanningConfiguration. */
import test from 'ava';
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  ListTagsForResourceCommand,
  PutImageCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  paginateDescribeRepositories,
  type Repository,
} from '@aws-sdk/client-ecr';
import { prepareImage, startEcr } from './ecr-fixture.ts';

test('CreateRepository returns the repository with its URI on the advertised registry host', async (t) => {
  await using f = await startEcr({ clockSource: { now: () => 1_700_000_000_000, advance: () => {} } });
  const { repository } = await f.ecr.send(
    new CreateRepositoryCommand({
      repositoryName: 'team/web',
      tags: [{ Key: 'env', Value: 'dev' }],
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'arn:aws:kms:us-east-1:000000000000:key/abc' },
    }),
  );
  t.like(repository, {
    registryId: '000000000000',
    repositoryName: 'team/web',
    repositoryArn: 'arn:aws:ecr:us-east-1:000000000000:repository/team/web',
    repositoryUri: `127.0.0.1:${f.emu.port}/team/web`,
    imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'arn:aws:kms:us-east-1:000000000000:key/abc' },
  });
  t.deepEqual(repository?.imageTagMutabilityExclusionFilters, [{ filterType: 'WILDCARD', filter: 'latest*' }]);
  t.deepEqual(repository?.createdAt, new Date(1_700_000_000_000));
  const tags = await f.ecr.send(new ListTagsForResourceCommand({ resourceArn: repository!.repositoryArn! }));
  t.deepEqual(tags.tags, [{ Key: 'env', Value: 'dev' }]);
});

test('CreateRepository errors: RepositoryAlreadyExists, invalid names, exclusion filters, too many tags', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'dup' + 'e' }));
  const dup = await t.throwsAsync(f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'dupe' })));
  t.is(dup?.name, 'RepositoryAlreadyExistsException');
  t.is(dup?.message, "The repository with name 'dupe' already exists in the registry with id '000000000000'");
  for (const bad of ['UPPER', 'a', 'ends-', 'double//slash', 'x'.repeat(257)]) {
    const e = await t.throwsAsync(f.ecr.send(new CreateRepositoryCommand({ repositoryName: bad })));
    t.is(e?.name, 'InvalidParameterException', bad);
  }
  const noFilters = await t.throwsAsync(
    f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'nofilters', imageTagMutability: 'MUTABLE_WITH_EXCLUSION' })),
  );
  t.is(noFilters?.name, 'InvalidParameterException');
  const strayFilters = await t.throwsAsync(
    f.ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'stray',
        imageTagMutability: 'MUTABLE',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'x' }],
      }),
    ),
  );
  t.is(strayFilters?.name, 'InvalidParameterException');
  const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
  const many = await t.throwsAsync(f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'many', tags })));
  t.is(many?.name, 'TooManyTagsException');
  const reserved = await t.throwsAsync(
    f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'reserved', tags: [{ Key: 'aws:x', Value: 'v' }] })),
  );
  t.is(reserved?.name, 'InvalidTagParameterException');
  const listed = await f.ecr.send(new DescribeRepositoriesCommand({}));
  t.deepEqual(
    listed.repositories?.map((r) => r.repositoryName),
    ['dupe'],
    'refused requests changed nothing',
  );
});

test('DescribeRepositories pages through 250 repositories to the end, in creation order', async (t) => {
  await using f = await startEcr();
  const names = Array.from({ length: 250 }, (_, i) => `repo-${String(i).padStart(3, '0')}`);
  for (const repositoryName of names) await f.ecr.send(new CreateRepositoryCommand({ repositoryName }));
  const seen: Repository[] = [];
  let pages = 0;
  for await (const page of paginateDescribeRepositories({ client: f.ecr, pageSize: 100 }, {})) {
    pages++;
    seen.push(...(page.repositories ?? []));
  }
  t.is(pages, 3);
  t.deepEqual(
    seen.map((r) => r.repositoryName),
    names,
  );
  const first = await f.ecr.send(new DescribeRepositoriesCommand({}));
  t.is(first.repositories?.length, 100, 'default page size is 100');
  const bad = await t.throwsAsync(f.ecr.send(new DescribeRepositoriesCommand({ nextToken: 'garbage' })));
  t.is(bad?.name, 'InvalidParameterException');
  const tooMany = await t.throwsAsync(f.ecr.send(new DescribeRepositoriesCommand({ maxResults: 1001 })));
  t.is(tooMany?.name, 'InvalidParameterException');
});

test('DescribeRepositories by name: found, or RepositoryNotFoundException', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'one' + '1' }));
  const found = await f.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['one1'] }));
  t.is(found.repositories?.[0]?.repositoryName, 'one1');
  const missing = await t.throwsAsync(f.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['one1', 'nope'] })));
  t.is(missing?.name, 'RepositoryNotFoundException');
  t.is(missing?.message, "The repository with name 'nope' does not exist in the registry with id '000000000000'");
});

test('DeleteRepository refuses a repository with images unless force, then it is gone', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'full' }));
  const img = await prepareImage(f.ecr, 'full', 'x');
  await f.ecr.send(new PutImageCommand({ repositoryName: 'full', imageManifest: img.manifest, imageTag: 'v1' }));
  const e = await t.throwsAsync(f.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'full' })));
  t.is(e?.name, 'RepositoryNotEmptyException');
  const deleted = await f.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'full', force: true }));
  t.is(deleted.repository?.repositoryName, 'full');
  const gone = await t.throwsAsync(f.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'full' })));
  t.is(gone?.name, 'RepositoryNotFoundException');
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'empty' }));
  t.is((await f.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'empty' }))).repository?.repositoryName, 'empty');
});

test('PutImageTagMutability and PutImageScanningConfiguration change the repository', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'settings' }));
  const m = await f.ecr.send(
    new PutImageTagMutabilityCommand({
      repositoryName: 'settings',
      imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'release-*' }],
    }),
  );
  t.like(m, { registryId: '000000000000', repositoryName: 'settings', imageTagMutability: 'MUTABLE_WITH_EXCLUSION' });
  const s = await f.ecr.send(
    new PutImageScanningConfigurationCommand({ repositoryName: 'settings', imageScanningConfiguration: { scanOnPush: true } }),
  );
  t.deepEqual(s.imageScanningConfiguration, { scanOnPush: true });
  const [repo] = (await f.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['settings'] }))).repositories ?? [];
  t.like(repo, { imageTagMutability: 'MUTABLE_WITH_EXCLUSION', imageScanningConfiguration: { scanOnPush: true } });
  t.deepEqual(repo?.imageTagMutabilityExclusionFilters, [{ filterType: 'WILDCARD', filter: 'release-*' }]);
  const e1 = await t.throwsAsync(f.ecr.send(new PutImageTagMutabilityCommand({ repositoryName: 'nope', imageTagMutability: 'IMMUTABLE' })));
  t.is(e1?.name, 'RepositoryNotFoundException');
  const e2 = await t.throwsAsync(
    f.ecr.send(new PutImageScanningConfigurationCommand({ repositoryName: 'nope', imageScanningConfiguration: { scanOnPush: true } })),
  );
  t.is(e2?.name, 'RepositoryNotFoundException');
});
