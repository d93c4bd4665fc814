/** Repository creation templates, and CREATE_ON_PUSH through /v2. */
import test from 'ava';
import {
  CreateRepositoryCreationTemplateCommand,
  DeleteRepositoryCreationTemplateCommand,
  DescribeRepositoriesCommand,
  DescribeRepositoryCreationTemplatesCommand,
  GetAuthorizationTokenCommand,
  GetRepositoryPolicyCommand,
  ListTagsForResourceCommand,
  UpdateRepositoryCreationTemplateCommand,
} from '@aws-sdk/client-ecr';
import { sha256, startEcr } from './ecr-fixture.ts';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }] });

test('Create/Describe/Update/DeleteRepositoryCreationTemplate and their errors', async (t) => {
  await using f = await startEcr({ clockSource: { now: () => 1_700_000_000_000, advance: () => {} } });
  const created = await f.ecr.send(
    new CreateRepositoryCreationTemplateCommand({
      prefix: 'team',
      description: 'team repos',
      appliedFor: ['CREATE_ON_PUSH'],
      imageTagMutability: 'IMMUTABLE',
      resourceTags: [{ Key: 'owner', Value: 'team' }],
      repositoryPolicy: POLICY,
    }),
  );
  t.like(created.repositoryCreationTemplate, {
    prefix: 'team',
    description: 'team repos',
    appliedFor: ['CREATE_ON_PUSH'],
    imageTagMutability: 'IMMUTABLE',
    encryptionConfiguration: { encryptionType: 'AES256' },
    repositoryPolicy: POLICY,
  });
  t.deepEqual(created.repositoryCreationTemplate?.createdAt, new Date(1_700_000_000_000));
  const dup = await t.throwsAsync(f.ecr.send(new CreateRepositoryCreationTemplateCommand({ prefix: 'team', appliedFor: ['REPLICATION'] })));
  t.is(dup?.name, 'TemplateAlreadyExistsException');
  const badPrefix = await t.throwsAsync(
    f.ecr.send(new CreateRepositoryCreationTemplateCommand({ prefix: 'Bad Prefix', appliedFor: ['REPLICATION'] })),
  );
  // Prefix's pattern in the model; CreateRepositoryCreationTemplate lists ValidationException.
  t.is(badPrefix?.name, 'ValidationException');
  t.regex(
    badPrefix?.message ?? '',
    /^1 validation error detected: Value 'Bad Prefix' at 'prefix' failed to satisfy constraint: Member must satisfy regular expression pattern: /,
  );
  for (const prefix of ['a1', 'b2', 'c3', 'ROOT'])
    await f.ecr.send(new CreateRepositoryCreationTemplateCommand({ prefix, appliedFor: ['REPLICATION'] }));
  const seen: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await f.ecr.send(new DescribeRepositoryCreationTemplatesCommand({ maxResults: 2, nextToken }));
    seen.push(...(page.repositoryCreationTemplates ?? []).map((x) => x.prefix!));
    nextToken = page.nextToken;
  } while (nextToken);
  t.deepEqual(seen, ['team', 'a1', 'b2', 'c3', 'ROOT']);
  const some = await f.ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['b2', 'zz'] }));
  t.deepEqual(
    some.repositoryCreationTemplates?.map((x) => x.prefix),
    ['b2'],
  );
  const updated = await f.ecr.send(
    new UpdateRepositoryCreationTemplateCommand({ prefix: 'team', imageTagMutability: 'MUTABLE', description: 'changed' }),
  );
  t.like(updated.repositoryCreationTemplate, {
    prefix: 'team',
    imageTagMutability: 'MUTABLE',
    description: 'changed',
    repositoryPolicy: POLICY,
  });
  const missing = await t.throwsAsync(f.ecr.send(new UpdateRepositoryCreationTemplateCommand({ prefix: 'ghost', description: 'x' })));
  t.is(missing?.name, 'TemplateNotFoundException');
  t.is((await f.ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'a1' }))).repositoryCreationTemplate?.prefix, 'a1');
  const gone = await t.throwsAsync(f.ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'a1' })));
  t.is(gone?.name, 'TemplateNotFoundException');
});

test('CREATE_ON_PUSH: a /v2 push to a missing repository under the prefix creates it from the template', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(
    new CreateRepositoryCreationTemplateCommand({
      prefix: 'auto',
      appliedFor: ['CREATE_ON_PUSH'],
      imageTagMutability: 'IMMUTABLE',
      resourceTags: [{ Key: 'made-by', Value: 'template' }],
      repositoryPolicy: POLICY,
    }),
  );
  const { authorizationData } = await f.ecr.send(new GetAuthorizationTokenCommand({}));
  const authorization = `Basic ${authorizationData![0]!.authorizationToken}`;
  const blob = 'pushed on demand';
  const push = (repo: string) =>
    fetch(`${f.emu.endpoint}/v2/${repo}/blobs/uploads/?digest=${sha256(blob)}`, { method: 'POST', body: blob, headers: { authorization } });
  t.is((await push('auto/svc')).status, 201);
  const [repo] = (await f.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['auto/svc'] }))).repositories ?? [];
  t.is(repo?.imageTagMutability, 'IMMUTABLE');
  t.deepEqual((await f.ecr.send(new ListTagsForResourceCommand({ resourceArn: repo!.repositoryArn! }))).tags, [
    { Key: 'made-by', Value: 'template' },
  ]);
  t.is((await f.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'auto/svc' }))).policyText, POLICY);
  const outside = await push('other/svc');
  t.is(outside.status, 404, 'no template for other/: NAME_UNKNOWN');
  const created = [...f.emu.events()].find((e) => e.type === 'RepositoryCreated');
  t.like(created?.data, { repository: 'auto/svc', cause: 'push' });
});
