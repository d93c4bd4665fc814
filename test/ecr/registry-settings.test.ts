/**
 * DescribeRegistry, account settings, registry scanning, signing configuration,
 * pull-time update exclusions.
 */
import test from 'ava';
import {
  BatchGetRepositoryScanningConfigurationCommand,
  CreateRepositoryCommand,
  DeleteSigningConfigurationCommand,
  DeregisterPullTimeUpdateExclusionCommand,
  DescribeRegistryCommand,
  GetAuthorizationTokenCommand,
  GetAccountSettingCommand,
  GetRegistryScanningConfigurationCommand,
  GetSigningConfigurationCommand,
  ListPullTimeUpdateExclusionsCommand,
  PutAccountSettingCommand,
  PutRegistryScanningConfigurationCommand,
  PutSigningConfigurationCommand,
  RegisterPullTimeUpdateExclusionCommand,
} from '@aws-sdk/client-ecr';
import { layer, startEcr, uploadLayer, type EcrFixture } from './ecr-fixture.ts';

test('DescribeRegistry names the caller registry', async (t) => {
  await using f = await startEcr();
  const r = await f.ecr.send(new DescribeRegistryCommand({}));
  t.is(r.registryId, '000000000000');
  t.deepEqual(r.replicationConfiguration, { rules: [] });
});

/** How /v2 answers a mount of a layer of `from` into the new repository `into`: 201 mounted, 202 a fresh upload instead. */
async function mountStatus(f: EcrFixture, from: string, digest: string, into: string): Promise<number> {
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: into }));
  const token = (await f.ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!.authorizationToken!;
  const res = await fetch(`${f.emu.endpoint}/v2/${into}/blobs/uploads/?mount=${digest}&from=${from}`, {
    method: 'POST',
    headers: { authorization: `Basic ${token}` },
  });
  await res.arrayBuffer();
  return res.status;
}

test('Get/PutAccountSetting: defaults, changes, BLOB_MOUNTING seen by /v2 mounts, bad names and values', async (t) => {
  await using f = await startEcr();
  t.like(await f.ecr.send(new GetAccountSettingCommand({ name: 'BLOB_MOUNTING' })), { name: 'BLOB_MOUNTING', value: 'ENABLED' });
  t.like(await f.ecr.send(new GetAccountSettingCommand({ name: 'BASIC_SCAN_TYPE_VERSION' })), { value: 'AWS_NATIVE' });
  const shared = layer('a layer to mount');
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'mount-from' }));
  await uploadLayer(f.ecr, 'mount-from', shared);
  t.is(await mountStatus(f, 'mount-from', shared.digest, 'mount-into-1'), 201, 'mounting is enabled by default');
  t.like(await f.ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'DISABLED' })), {
    name: 'BLOB_MOUNTING',
    value: 'DISABLED',
  });
  t.like(await f.ecr.send(new GetAccountSettingCommand({ name: 'BLOB_MOUNTING' })), { value: 'DISABLED' });
  t.is(await mountStatus(f, 'mount-from', shared.digest, 'mount-into-2'), 202, 'a mount request starts a fresh upload instead');
  const badValue = await t.throwsAsync(f.ecr.send(new PutAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE', value: 'V9' })));
  t.is(badValue?.name, 'ValidationException');
  const badName = await t.throwsAsync(f.ecr.send(new GetAccountSettingCommand({ name: 'NOPE' })));
  t.is(badName?.name, 'InvalidParameterException');
});

test('registry scanning configuration and the per-repository view of it', async (t) => {
  await using f = await startEcr();
  t.deepEqual((await f.ecr.send(new GetRegistryScanningConfigurationCommand({}))).scanningConfiguration, { scanType: 'BASIC', rules: [] });
  const rules = [{ scanFrequency: 'SCAN_ON_PUSH' as const, repositoryFilters: [{ filter: 'prod-*', filterType: 'WILDCARD' as const }] }];
  const put = await f.ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'ENHANCED', rules }));
  t.deepEqual(put.registryScanningConfiguration, { scanType: 'ENHANCED', rules });
  t.deepEqual((await f.ecr.send(new GetRegistryScanningConfigurationCommand({}))).scanningConfiguration, { scanType: 'ENHANCED', rules });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'prod-api' }));
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'dev-api' }));
  const batch = await f.ecr.send(new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: ['prod-api', 'dev-api', 'ghost'] }));
  t.like(batch.scanningConfigurations?.[0], { repositoryName: 'prod-api', scanOnPush: true, scanFrequency: 'SCAN_ON_PUSH' });
  t.like(batch.scanningConfigurations?.[1], { repositoryName: 'dev-api', scanOnPush: false, scanFrequency: 'MANUAL' });
  t.deepEqual(batch.failures, [{ repositoryName: 'ghost', failureCode: 'REPOSITORY_NOT_FOUND', failureReason: 'REPOSITORY_NOT_FOUND' }]);
  // The model lists ValidationException for PutRegistryScanningConfiguration: enum violations answer it in AWS's words.
  const bad = await t.throwsAsync(f.ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'DEEP' as 'BASIC' })));
  t.is(bad?.name, 'ValidationException');
  t.is(
    bad?.message,
    "1 validation error detected: Value 'DEEP' at 'scanType' failed to satisfy constraint: Member must satisfy enum value set: [BASIC, ENHANCED]",
  );
});

test('Put/Get/DeleteSigningConfiguration, SigningConfigurationNotFound', async (t) => {
  await using f = await startEcr();
  const none = await t.throwsAsync(f.ecr.send(new GetSigningConfigurationCommand({})));
  t.is(none?.name, 'SigningConfigurationNotFoundException');
  const signingConfiguration = {
    rules: [
      {
        signingProfileArn: 'arn:aws:signer:us-east-1:000000000000:/signing-profiles/p1',
        repositoryFilters: [{ filter: 'prod*', filterType: 'WILDCARD_MATCH' as const }],
      },
    ],
  };
  t.deepEqual((await f.ecr.send(new PutSigningConfigurationCommand({ signingConfiguration }))).signingConfiguration, signingConfiguration);
  t.deepEqual((await f.ecr.send(new GetSigningConfigurationCommand({}))).signingConfiguration, signingConfiguration);
  t.deepEqual((await f.ecr.send(new DeleteSigningConfigurationCommand({}))).signingConfiguration, signingConfiguration);
  const twice = await t.throwsAsync(f.ecr.send(new DeleteSigningConfigurationCommand({})));
  t.is(twice?.name, 'SigningConfigurationNotFoundException');
});

test('Register/Deregister/ListPullTimeUpdateExclusions with pagination and errors', async (t) => {
  await using f = await startEcr();
  const arns = Array.from({ length: 5 }, (_, i) => `arn:aws:iam::000000000000:role/ci-${i}`);
  for (const principalArn of arns) {
    const r = await f.ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn }));
    t.is(r.principalArn, principalArn);
    t.true(r.createdAt instanceof Date);
  }
  const dup = await t.throwsAsync(f.ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: arns[0] })));
  t.is(dup?.name, 'ExclusionAlreadyExistsException');
  const seen: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await f.ecr.send(new ListPullTimeUpdateExclusionsCommand({ maxResults: 2, nextToken }));
    seen.push(...(page.pullTimeUpdateExclusions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  t.deepEqual(seen, arns);
  await f.ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: arns[2] }));
  const gone = await t.throwsAsync(f.ecr.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: arns[2] })));
  t.is(gone?.name, 'ExclusionNotFoundException');
  t.is((await f.ecr.send(new ListPullTimeUpdateExclusionsCommand({}))).pullTimeUpdateExclusions?.length, 4);
  // PrincipalArn's pattern in the model; the operation lists ValidationException.
  const bad = await t.throwsAsync(f.ecr.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: 'not-an-arn' })));
  t.is(bad?.name, 'ValidationException');
  t.regex(
    bad?.message ?? '',
    /^1 validation error detected: Value 'not-an-arn' at 'principalArn' failed to satisfy constraint: Member must satisfy regular expression pattern: /,
  );
});
