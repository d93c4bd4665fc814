// StartReplicationBackfill, StopReplicationBackfill, ListReplicationBackfills and
// DescribeReplicationBackfillResults through the real AWS SDK: images pushed before the rule
// existed are copied, one result per image and tag; the statuses, errors and limits of AWS's model.
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeReplicationBackfillResultsCommand,
  ListReplicationBackfillsCommand,
  PutReplicationConfigurationCommand,
  PutImageCommand,
  BatchGetImageCommand,
  StartReplicationBackfillCommand,
  StopReplicationBackfillCommand,
} from '@aws-sdk/client-ecr';
import test from 'ava';
import { startEcr } from '../ecr/ecr-fixture.ts';
import { eventually, pushImage } from './replication-support.ts';

const SOURCE = '000000000000';
const EU = { region: 'eu-west-1', registryId: SOURCE };

test('a backfill copies the images pushed before the rule, one result per image and tag', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/a' }));
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'skip/b' }));
  const a1 = await pushImage(f.ecr, 'team/a', 'v1');
  const manifest = (await f.ecr.send(new BatchGetImageCommand({ repositoryName: 'team/a', imageIds: [{ imageTag: 'v1' }] }))).images?.[0]
    ?.imageManifest;
  await f.ecr.send(new PutImageCommand({ repositoryName: 'team/a', imageManifest: manifest, imageTag: 'latest' }));
  const a2 = await pushImage(f.ecr, 'team/a', 'v2');
  await pushImage(f.ecr, 'skip/b', 'v1');

  const noRule = await t.throwsAsync(f.ecr.send(new StartReplicationBackfillCommand({ destination: EU })));
  t.is(noRule?.name, 'InvalidParameterException', 'the destination must be in the replication configuration');
  await f.ecr.send(
    new PutReplicationConfigurationCommand({
      replicationConfiguration: { rules: [{ destinations: [EU], repositoryFilters: [{ filter: 'team', filterType: 'PREFIX_MATCH' }] }] },
    }),
  );
  const eu = f.client('test', 'eu-west-1');
  const none = await eu.send(new DescribeImagesCommand({ repositoryName: 'team/a' })).catch((e: Error) => e.name);
  t.is(none, 'RepositoryNotFoundException', 'a rule replicates only what is pushed after it');

  const started = await f.ecr.send(new StartReplicationBackfillCommand({ destination: EU }));
  t.is(started.status, 'PREPARING');
  t.deepEqual(started.destination, EU);
  t.true(started.startedAt instanceof Date);
  const id = started.replicationBackfillId!;
  const done = await eventually(async () => {
    const d = await f.ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId: id }));
    return d.status === 'COMPLETE' ? d : undefined;
  });
  t.deepEqual(done.progress, { totalReplicationCount: 3, completedReplicationCount: 3, failedReplicationCount: 0, failureCodes: [] });
  t.deepEqual(
    done.results?.map((r) => [r.repositoryName, r.imageId?.imageDigest, r.imageId?.imageTag, r.status]),
    [
      ['team/a', a1, 'latest', 'COMPLETE'],
      ['team/a', a1, 'v1', 'COMPLETE'],
      ['team/a', a2, 'v2', 'COMPLETE'],
    ],
  );
  t.true(done.endedAt instanceof Date);
  const copied = await eu.send(new DescribeImagesCommand({ repositoryName: 'team/a' }));
  t.deepEqual(
    copied.imageDetails?.map((i) => [i.imageDigest, [...(i.imageTags ?? [])].sort()]).sort(),
    [
      [a1, ['latest', 'v1']],
      [a2, ['v2']],
    ].sort(),
  );
  const page = await f.ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId: id, maxResults: 2 }));
  t.is(page.results?.length, 2);
  t.truthy(page.nextToken);
  const failedOnly = await f.ecr.send(
    new DescribeReplicationBackfillResultsCommand({ replicationBackfillId: id, resultStatusFilter: 'FAILED' }),
  );
  t.deepEqual(failedOnly.results, []);
  const list = await f.ecr.send(new ListReplicationBackfillsCommand({}));
  t.is(list.backfills?.length, 1);
  t.like(list.backfills?.[0], { replicationBackfillId: id, status: 'COMPLETE' });
  t.is(list.registryId, SOURCE);

  const stopDone = await t.throwsAsync(f.ecr.send(new StopReplicationBackfillCommand({ replicationBackfillId: id })));
  t.is(stopDone?.name, 'ReplicationBackfillInvalidStatusException');
  eu.destroy();
});

test('stop, in-progress and not-found errors, and the model constraints of the backfill operations', async (t) => {
  await using f = await startEcr();
  await f.ecr.send(
    new PutReplicationConfigurationCommand({
      replicationConfiguration: { rules: [{ destinations: [EU, { region: 'eu-central-1', registryId: SOURCE }] }] },
    }),
  );
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
  // the worker copies in the background: a backfill of many items is stopped while it runs
  const put = [];
  for (let i = 0; i < 40; i++) put.push(pushImage(f.ecr, 'app', `t${i}`));
  await Promise.all(put);
  const first = await f.ecr.send(new StartReplicationBackfillCommand({ destination: EU }));
  const again = await t.throwsAsync(f.ecr.send(new StartReplicationBackfillCommand({ destination: EU })));
  t.is(again?.name, 'ReplicationBackfillInProgressException');
  const stopped = await f.ecr.send(new StopReplicationBackfillCommand({ replicationBackfillId: first.replicationBackfillId }));
  t.true(['STOPPED', 'STOPPING', 'COMPLETE'].includes(stopped.status ?? '') || t.fail(String(stopped.status)));
  const end = await eventually(async () => {
    const d = await f.ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId: first.replicationBackfillId }));
    return d.status === 'STOPPED' || d.status === 'COMPLETE' ? d : undefined;
  });
  t.is(end.status, 'STOPPED');
  t.true((end.results?.length ?? 0) < 40, 'stopped before every item was copied');

  const notFound = await t.throwsAsync(f.ecr.send(new StopReplicationBackfillCommand({ replicationBackfillId: 'nope' })));
  t.is(notFound?.name, 'ReplicationBackfillNotFoundException');
  const notFound2 = await t.throwsAsync(f.ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId: 'nope' })));
  t.is(notFound2?.name, 'ReplicationBackfillNotFoundException');
  const badMax = await t.throwsAsync(f.ecr.send(new ListReplicationBackfillsCommand({ maxResults: 51 })));
  t.is(badMax?.name, 'ValidationException');
  const badRegion = await t.throwsAsync(
    f.ecr.send(new StartReplicationBackfillCommand({ destination: { region: 'E', registryId: SOURCE } })),
  );
  t.is(badRegion?.name, 'ValidationException');
  const second = await f.ecr.send(new StartReplicationBackfillCommand({ destination: { region: 'eu-central-1', registryId: SOURCE } }));
  t.truthy(second.replicationBackfillId);
  const listed = await f.ecr.send(new ListReplicationBackfillsCommand({ maxResults: 1 }));
  t.is(listed.backfills?.length, 1);
  t.truthy(listed.nextToken);
});
