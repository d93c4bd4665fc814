// DescribeImageSigningStatus over PutSigningConfiguration, through the real AWS SDK.
import {
  CreateRepositoryCommand,
  DescribeImageSigningStatusCommand,
  ListImageReferrersCommand,
  PutImageCommand,
  PutSigningConfigurationCommand,
} from '@aws-sdk/client-ecr';
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareImage, startEcr } from '../ecr/ecr-fixture.ts';
import { NOTARY, PROFILE, signingSettled } from './signing-support.ts';

const TEAM_PROFILE = 'arn:aws:signer:us-east-1:000000000000:/signing-profiles/team_signer';
const WEST_PROFILE = 'arn:aws:signer:us-west-2:000000000000:/signing-profiles/west_signer';

test('DescribeImageSigningStatus: errors, and no statuses without a signing configuration', async (t) => {
  await using f = await startEcr();
  const missing = await t.throwsAsync(
    f.ecr.send(new DescribeImageSigningStatusCommand({ repositoryName: 'nope/app', imageId: { imageTag: 'v1' } })),
  );
  t.is(missing?.name, 'RepositoryNotFoundException');
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'plain/app' }));
  const img = await prepareImage(f.ecr, 'plain/app', 'plain');
  await f.ecr.send(new PutImageCommand({ repositoryName: 'plain/app', imageManifest: img.manifest, imageTag: 'v1' }));

  const noTag = await t.throwsAsync(
    f.ecr.send(new DescribeImageSigningStatusCommand({ repositoryName: 'plain/app', imageId: { imageTag: 'v2' } })),
  );
  t.is(noTag?.name, 'ImageNotFoundException');
  const noDigest = await t.throwsAsync(
    f.ecr.send(
      new DescribeImageSigningStatusCommand({ repositoryName: 'plain/app', imageId: { imageDigest: `sha256:${'0'.repeat(64)}` } }),
    ),
  );
  t.is(noDigest?.name, 'ImageNotFoundException');
  const noId = await t.throwsAsync(f.ecr.send(new DescribeImageSigningStatusCommand({ repositoryName: 'plain/app', imageId: {} })));
  t.is(noId?.name, 'InvalidParameterException');
  const mismatch = await t.throwsAsync(
    f.ecr.send(
      new DescribeImageSigningStatusCommand({
        repositoryName: 'plain/app',
        imageId: { imageTag: 'v1', imageDigest: `sha256:${'1'.repeat(64)}` },
      }),
    ),
  );
  t.is(mismatch?.name, 'ImageNotFoundException');

  const out = await f.ecr.send(new DescribeImageSigningStatusCommand({ repositoryName: 'plain/app', imageId: { imageTag: 'v1' } }));
  t.deepEqual(
    { repositoryName: out.repositoryName, imageId: out.imageId, registryId: out.registryId, signingStatuses: out.signingStatuses },
    { repositoryName: 'plain/app', imageId: { imageDigest: img.digest, imageTag: 'v1' }, registryId: '000000000000', signingStatuses: [] },
  );
});

test("PutSigningConfiguration refuses a signing profile ARN that is not AWS Signer's", async (t) => {
  await using f = await startEcr();
  for (const signingProfileArn of [
    'arn:aws:iam::000000000000:role/x',
    'arn:aws:signer:us-east-1:000000000000:/signing-profiles/a-b',
    'x',
  ]) {
    const err = await t.throwsAsync(
      f.ecr.send(new PutSigningConfigurationCommand({ signingConfiguration: { rules: [{ signingProfileArn }] } })),
    );
    // the model's SigningProfileArn pattern; PutSigningConfiguration lists ValidationException
    t.is(err?.name, 'ValidationException', signingProfileArn);
  }
});

test('an image pushed to a matched repository is IN_PROGRESS with the push, then COMPLETE per profile (FAILED for a profile of another region)', async (t) => {
  const journal = await mkdtemp(join(tmpdir(), 'ecr-rewind-signing-'));
  t.teardown(() => rm(journal, { recursive: true, force: true }));
  await using f = await startEcr({ journal });
  await f.ecr.send(
    new PutSigningConfigurationCommand({
      signingConfiguration: {
        rules: [
          { signingProfileArn: PROFILE },
          { signingProfileArn: TEAM_PROFILE, repositoryFilters: [{ filter: 'team/*', filterType: 'WILDCARD_MATCH' }] },
          { signingProfileArn: WEST_PROFILE, repositoryFilters: [{ filter: 'team/a*', filterType: 'WILDCARD_MATCH' }] },
          { signingProfileArn: PROFILE, repositoryFilters: [{ filter: 'team/*', filterType: 'WILDCARD_MATCH' }] },
        ],
      },
    }),
  );
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'other/app' }));
  const team = await prepareImage(f.ecr, 'team/app', 'team');
  await f.ecr.send(new PutImageCommand({ repositoryName: 'team/app', imageManifest: team.manifest, imageTag: 'v1' }));
  const other = await prepareImage(f.ecr, 'other/app', 'other');
  await f.ecr.send(new PutImageCommand({ repositoryName: 'other/app', imageManifest: other.manifest }));

  const statuses = await signingSettled(f.ecr, 'team/app', team.digest);
  t.deepEqual(
    statuses.map((s) => [s.signingProfileArn, s.status, s.failureCode]),
    [
      [PROFILE, 'COMPLETE', undefined],
      [TEAM_PROFILE, 'COMPLETE', undefined],
      [WEST_PROFILE, 'FAILED', 'SigningProfileNotFound'],
    ],
    'one status per distinct profile of the matching rules, in rule order',
  );
  t.regex(statuses[2]!.failureReason ?? '', /us-east-1/);
  t.deepEqual(
    (await signingSettled(f.ecr, 'other/app', other.digest)).map((s) => [s.signingProfileArn, s.status]),
    [[PROFILE, 'COMPLETE']],
  );

  // Two signatures of the team image, one per profile that signed it: Notary Project referrers.
  const referrers = await f.ecr.send(
    new ListImageReferrersCommand({
      repositoryName: 'team/app',
      subjectId: { imageDigest: team.digest },
      filter: { artifactTypes: [NOTARY] },
    }),
  );
  t.is(referrers.referrers?.length, 2);
  for (const r of referrers.referrers ?? []) t.is(r.artifactType, NOTARY);

  // IN_PROGRESS came with the push, in the same commit as its ManifestPut, before any outcome.
  const events = [...f.emu.events()];
  const started = events.find((e) => e.type === 'ImageSigningStarted' && e.data.digest === team.digest)!;
  const put = events.find((e) => e.type === 'ManifestPut' && e.data.digest === team.digest)!;
  t.is(started.time, put.time);
  t.is(started.seq, put.seq + 2, 'ManifestPut, TagPut, ImageSigningStarted');
  const outcomes = events.filter((e) => (e.type === 'ImageSigned' || e.type === 'ImageSigningFailed') && e.data.digest === team.digest);
  t.true(outcomes.every((e) => e.seq > started.seq));

  // A read-only view of the registry right after the push answers IN_PROGRESS.
  const { startEmulator } = await import('../../src/emulator.ts');
  await using past = await startEmulator({ port: 0, journal, at: started.seq, logger: false });
  const { ECRClient } = await import('@aws-sdk/client-ecr');
  const client = new ECRClient({
    endpoint: past.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  t.teardown(() => client.destroy());
  const then = await client.send(new DescribeImageSigningStatusCommand({ repositoryName: 'team/app', imageId: { imageTag: 'v1' } }));
  t.deepEqual(
    then.signingStatuses?.map((s) => [s.signingProfileArn, s.status]),
    [
      [PROFILE, 'IN_PROGRESS'],
      [TEAM_PROFILE, 'IN_PROGRESS'],
      [WEST_PROFILE, 'IN_PROGRESS'],
    ],
  );
});

test('a referrer (a signature pushed by a client) is not signed again', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new PutSigningConfigurationCommand({ signingConfiguration: { rules: [{ signingProfileArn: PROFILE }] } }));
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
  const img = await prepareImage(f.ecr, 'team/app', 'subject');
  await f.ecr.send(new PutImageCommand({ repositoryName: 'team/app', imageManifest: img.manifest, imageTag: 'v1' }));
  await signingSettled(f.ecr, 'team/app', img.digest);
  const refs = await f.ecr.send(new ListImageReferrersCommand({ repositoryName: 'team/app', subjectId: { imageDigest: img.digest } }));
  const signature = refs.referrers?.[0]?.digest;
  t.truthy(signature);
  const out = await f.ecr.send(new DescribeImageSigningStatusCommand({ repositoryName: 'team/app', imageId: { imageDigest: signature! } }));
  t.deepEqual(out.signingStatuses, []);
});
