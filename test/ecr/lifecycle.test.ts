/**
 * Lifecycle policies through the AWS SDK: PutLifecyclePolicy, GetLifecyclePolicy,
 * DeleteLifecyclePolicy, StartLifecyclePolicyPreview, GetLifecyclePolicyPreview and their
 * errors; the clock-driven 12-image scenario (preview first, then the scheduled run, then a
 * reset); archived images refused on both faces until restored.
 */
import test from 'ava';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteLifecyclePolicyCommand,
  DescribeImagesCommand,
  GetDownloadUrlForLayerCommand,
  GetLifecyclePolicyCommand,
  GetLifecyclePolicyPreviewCommand,
  ListImagesCommand,
  PutLifecyclePolicyCommand,
  StartLifecyclePolicyPreviewCommand,
  UpdateImageStorageClassCommand,
} from '@aws-sdk/client-ecr';
import type { RecordedEvent } from '../../src/domain/events.ts';
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';
import { journaledSeq, startEcr } from './ecr-fixture.ts';
import { admin, advance, completedPreview, DAY, pushTwelve, THREE_RULES } from './lifecycle-fixture.ts';

const CLOCK = '2026-01-01T00:00:00.000Z,1';
const START = Date.parse('2026-01-01T00:00:00.000Z');

const KEEP_UNTAGGED_ONE = JSON.stringify({
  rules: [
    { rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
  ],
});

const eventsOf = (events: Iterable<RecordedEvent>, type: string) => [...events].filter((e) => e.type === type);

test('PutLifecyclePolicy, GetLifecyclePolicy, DeleteLifecyclePolicy and their errors', async (t) => {
  await using f = await startEcr({ clock: CLOCK, auth: 'none' });
  const missing = await t.throwsAsync(
    f.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'nope', lifecyclePolicyText: KEEP_UNTAGGED_ONE })),
  );
  t.is(missing?.name, 'RepositoryNotFoundException');
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/app' }));

  const none = await t.throwsAsync(f.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/app' })));
  t.is(none?.name, 'LifecyclePolicyNotFoundException');
  t.is(none?.message, "Lifecycle policy does not exist for the repository with name 'lc/app' in the registry with id '000000000000'");
  const noneToDelete = await t.throwsAsync(f.ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: 'lc/app' })));
  t.is(noneToDelete?.name, 'LifecyclePolicyNotFoundException');

  const put = await f.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/app', lifecyclePolicyText: KEEP_UNTAGGED_ONE }));
  t.like(put, { registryId: '000000000000', repositoryName: 'lc/app', lifecyclePolicyText: KEEP_UNTAGGED_ONE });
  const got = await f.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/app' }));
  t.is(got.lifecyclePolicyText, KEEP_UNTAGGED_ONE);
  t.is(got.lastEvaluatedAt, undefined, 'never run yet');

  const ran = await admin(f.emu, '/lifecycle/evaluate', { repository: 'lc/app' });
  t.is(ran.status, 200);
  t.like(await admin(f.emu, '/lifecycle/evaluate', { repository: 'lc/none' }), { status: 404, body: { error: 'RepositoryNotFound' } });
  t.like(await admin(f.emu, '/lifecycle/evaluate', { repository: 7 }), { status: 400 });
  const evaluated = await f.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/app' }));
  t.true(evaluated.lastEvaluatedAt instanceof Date);
  t.true(evaluated.lastEvaluatedAt!.getTime() >= START);

  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/bare' }));
  t.like(await admin(f.emu, '/lifecycle/evaluate', { repository: 'lc/bare' }), { status: 404, body: { error: 'LifecyclePolicyNotFound' } });
  t.like(await admin(f.emu, '/clock', { advanceMs: -5 }), { status: 400 });
  const deleted = await f.ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: 'lc/app' }));
  t.is(deleted.lifecyclePolicyText, KEEP_UNTAGGED_ONE);
  t.deepEqual(deleted.lastEvaluatedAt, evaluated.lastEvaluatedAt);
  t.is(
    (await t.throwsAsync(f.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/app' }))))?.name,
    'LifecyclePolicyNotFoundException',
  );
  const types = [...f.emu.events()].map((e) => e.type);
  t.deepEqual(
    types.filter((x) => x.startsWith('LifecyclePolicy')),
    ['LifecyclePolicyPut', 'LifecyclePolicyEvaluated', 'LifecyclePolicyDeleted'],
  );
});

test('StartLifecyclePolicyPreview and GetLifecyclePolicyPreview: errors, IN_PROGRESS then COMPLETE, filters, pages, summary', async (t) => {
  await using f = await startEcr({ clock: CLOCK, auth: 'none' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/preview' }));
  const noPolicy = await t.throwsAsync(f.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview' })));
  t.is(noPolicy?.name, 'LifecyclePolicyNotFoundException');
  const noPreview = await t.throwsAsync(f.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview' })));
  t.is(noPreview?.name, 'LifecyclePolicyPreviewNotFoundException');
  const noRepo = await t.throwsAsync(
    f.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'nope', lifecyclePolicyText: THREE_RULES })),
  );
  t.is(noRepo?.name, 'RepositoryNotFoundException');

  const digests = await pushTwelve(f.emu, 'lc/preview');
  const described = await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'lc/preview' }));
  const imagesBefore = (described.imageDetails ?? []).map((d) => [d.imageDigest, d.imageTags ?? []]).sort();
  t.is(imagesBefore.length, 12);
  // a preview of a given policy, while the repository has none
  const started = await f.ecr.send(
    new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview', lifecyclePolicyText: THREE_RULES }),
  );
  t.is(started.status, 'IN_PROGRESS');
  t.is(started.lifecyclePolicyText, THREE_RULES);
  const done = await completedPreview(f.ecr, 'lc/preview');
  t.is(done.lifecyclePolicyText, THREE_RULES);
  t.deepEqual(done.summary, { expiringImageTotalCount: 8 });
  const byDigest = new Map((done.previewResults ?? []).map((r) => [r.imageDigest, r]));
  t.is(byDigest.get(digests.get('prod-1')!)?.appliedRulePriority, 1);
  t.deepEqual(byDigest.get(digests.get('prod-1')!)?.imageTags, ['prod-1']);
  t.deepEqual(byDigest.get(digests.get('prod-1')!)?.action, { type: 'EXPIRE' });
  t.is(byDigest.get(digests.get('prod-1')!)?.storageClass, 'STANDARD');
  t.deepEqual(
    byDigest.get(digests.get('prod-1')!)?.imagePushedAt,
    described.imageDetails?.find((d) => d.imageDigest === digests.get('prod-1'))?.imagePushedAt,
  );
  t.is(byDigest.get(digests.get('dev-3')!)?.appliedRulePriority, 2);
  t.is(byDigest.get(digests.get('untagged-4')!)?.appliedRulePriority, 3);
  t.is(byDigest.get(digests.get('untagged-4')!)?.imageTags, undefined);
  t.false(byDigest.has(digests.get('dev-4')!));
  const after = await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'lc/preview' }));
  t.deepEqual((after.imageDetails ?? []).map((d) => [d.imageDigest, d.imageTags ?? []]).sort(), imagesBefore, 'a preview changes nothing');

  const untagged = await f.ecr.send(
    new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview', filter: { tagStatus: 'UNTAGGED' } }),
  );
  t.is(untagged.previewResults?.length, 3);
  const tagged = await f.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview', filter: { tagStatus: 'TAGGED' } }));
  t.is(tagged.previewResults?.length, 5);
  const one = await f.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview', imageIds: [{ imageTag: 'dev-1' }] }));
  t.deepEqual(
    one.previewResults?.map((r) => r.imageDigest),
    [digests.get('dev-1')],
  );
  const pages: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await f.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview', maxResults: 3, nextToken }));
    t.true((page.previewResults?.length ?? 0) <= 3);
    pages.push(...(page.previewResults ?? []).map((r) => r.imageDigest!));
    nextToken = page.nextToken;
  } while (nextToken);
  t.deepEqual(
    pages,
    done.previewResults?.map((r) => r.imageDigest),
  );
  const mixed = await t.throwsAsync(
    f.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview', imageIds: [{ imageTag: 'dev-1' }], maxResults: 2 })),
  );
  t.is(mixed?.name, 'InvalidParameterException');

  // the repository's own policy, previewed without text
  await f.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/preview', lifecyclePolicyText: KEEP_UNTAGGED_ONE }));
  const own = await f.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/preview' }));
  t.is(own.lifecyclePolicyText, KEEP_UNTAGGED_ONE);
  t.deepEqual((await completedPreview(f.ecr, 'lc/preview')).summary, { expiringImageTotalCount: 3 });
});

test('clock-driven: 12 images over 30 days, a 3-rule policy; the preview predicts the run, the scheduled run expires exactly that set, a reset brings them back', async (t) => {
  await using f = await startEcr({ clock: CLOCK, auth: 'none' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/twelve' }));
  const digests = await pushTwelve(f.emu, 'lc/twelve');
  await f.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/twelve', lifecyclePolicyText: THREE_RULES }));
  await f.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/twelve' }));
  const preview = await completedPreview(f.ecr, 'lc/twelve');
  const predicted = new Map((preview.previewResults ?? []).map((r) => [r.imageDigest!, r.appliedRulePriority!]));
  const expected = new Map([
    [digests.get('prod-1')!, 1],
    [digests.get('prod-2')!, 1],
    [digests.get('dev-1')!, 2],
    [digests.get('dev-2')!, 2],
    [digests.get('dev-3')!, 2],
    [digests.get('untagged-4')!, 3],
    [digests.get('untagged-10')!, 3],
    [digests.get('untagged-16')!, 3],
  ]);
  t.deepEqual(predicted, expected);

  const mark = await admin(f.emu, '/marks', { name: 'before-expiry' });
  t.is(mark.status, 201);
  const seqBefore = await journaledSeq(f.emu.endpoint);
  // not due yet: the first run comes one interval (24 h) after the policy was put
  await advance(f.emu, 23 * 60 * 60 * 1000);
  t.is((await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'lc/twelve' }))).imageDetails?.length, 12);
  await advance(f.emu, 60 * 60 * 1000);
  const expired = eventsOf(f.emu.events(seqBefore + 1), 'ImageExpired');
  t.deepEqual(
    new Map(expired.map((e) => [(e.data as { digest: string }).digest, (e.data as { rulePriority: number }).rulePriority])),
    expected,
  );
  const runs = eventsOf(f.emu.events(seqBefore + 1), 'LifecyclePolicyEvaluated');
  t.is(runs.length, 1);
  const evaluatedAt = (runs[0]!.data as { evaluatedAt: number }).evaluatedAt;
  for (const e of expired) t.is((e.data as { evaluatedAt: number }).evaluatedAt, evaluatedAt);
  const left = await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'lc/twelve' }));
  t.deepEqual((left.imageDetails ?? []).map((d) => d.imageTags?.[0] ?? 'untagged').sort(), ['dev-4', 'prod-3', 'prod-4', 'untagged']);
  const policy = await f.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/twelve' }));
  t.is(policy.lastEvaluatedAt?.getTime(), evaluatedAt);

  // the next day's run finds nothing more to do
  await advance(f.emu, DAY);
  t.is((await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'lc/twelve' }))).imageDetails?.length, 4);

  // a reset to the mark brings the images (and the clock) back: nothing is due then
  const reset = await admin(f.emu, '/reset', { to: 'before-expiry' });
  t.is(reset.status, 200);
  t.is((await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'lc/twelve' }))).imageDetails?.length, 12);
  t.is((await f.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/twelve' }))).lastEvaluatedAt, undefined);
  t.true(f.emu.clock.now() < evaluatedAt);
  // and the same day later expires the same set again
  const seqAfterReset = await journaledSeq(f.emu.endpoint);
  await advance(f.emu, DAY);
  const again = eventsOf(f.emu.events(seqAfterReset + 1), 'ImageExpired');
  t.deepEqual(
    new Map(again.map((e) => [(e.data as { digest: string }).digest, (e.data as { rulePriority: number }).rulePriority])),
    expected,
  );
});

test('a clock advance is journaled: a restart keeps the offset and runs what became due', async (t) => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'ecr-rewind-lc-'));
  try {
    let digests: Map<string, string>;
    {
      await using f = await startEcr({ journal: join(dir, 'j'), auth: 'none', lifecycleInterval: DAY });
      await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/restart' }));
      digests = await pushTwelve(f.emu, 'lc/restart');
      await f.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/restart', lifecyclePolicyText: KEEP_UNTAGGED_ONE }));
      t.true(f.emu.clock.now() - Date.now() >= 30 * DAY - 60_000);
    }
    {
      await using f = await startEcr({ journal: join(dir, 'j'), auth: 'none', lifecycleInterval: DAY });
      const offset = f.emu.clock.now() - Date.now();
      t.true(offset >= 30 * DAY - 60_000 && offset <= 30 * DAY + 60_000, `the clock keeps its 30-day offset (${offset} ms)`);
      await advance(f.emu, DAY);
      const list = await f.ecr.send(new ListImagesCommand({ repositoryName: 'lc/restart', filter: { tagStatus: 'UNTAGGED' } }));
      t.deepEqual(
        list.imageIds?.map((i) => i.imageDigest),
        [digests.get('untagged-28')],
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('transition: archived images are listed with their storage class and refused on pull on both faces until restored', async (t) => {
  await using f = await startEcr({ clock: CLOCK, auth: 'none' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/archive' }));
  const digests = await pushTwelve(f.emu, 'lc/archive');
  // the manifests of dev-1 and dev-2, read while /v2 still serves them
  const pushed = new RegistryDriver(f.emu.endpoint);
  const dev1 = (await pushed.getManifest('lc/archive', 'dev-1'))!;
  const dev2 = (await pushed.getManifest('lc/archive', 'dev-2'))!;
  const dev1Layer = (JSON.parse(dev1.bytes.toString()) as { layers: { digest: string }[] }).layers[0]!.digest;
  const policy = JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        selection: { tagStatus: 'tagged', tagPatternList: ['dev-*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 20 },
        action: { type: 'transition', targetStorageClass: 'archive' },
      },
    ],
  });
  await f.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/archive', lifecyclePolicyText: policy }));
  await f.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/archive' }));
  const preview = await completedPreview(f.ecr, 'lc/archive');
  t.deepEqual(preview.summary, {
    expiringImageTotalCount: 0,
    transitioningImageTotalCounts: [{ targetStorageClass: 'ARCHIVE', imageTotalCount: 2 }],
  });
  t.deepEqual(preview.previewResults?.[0]?.action, { type: 'TRANSITION', targetStorageClass: 'ARCHIVE' });
  const ran = await admin(f.emu, '/lifecycle/evaluate', {});
  t.deepEqual(
    (ran.body.runs as { transitioned: { digest: string }[] }[])[0]!.transitioned.map((x) => x.digest).sort(),
    [digests.get('dev-1'), digests.get('dev-2')].sort(),
  );

  const archived = await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'lc/archive', filter: { imageStatus: 'ARCHIVED' } }));
  t.deepEqual(archived.imageDetails?.map((d) => d.imageTags?.[0]).sort(), ['dev-1', 'dev-2']);
  t.true(archived.imageDetails?.every((d) => d.imageStatus === 'ARCHIVED' && d.lastArchivedAt instanceof Date));
  const got = await f.ecr.send(
    new BatchGetImageCommand({ repositoryName: 'lc/archive', imageIds: [{ imageTag: 'dev-1' }, { imageTag: 'dev-4' }] }),
  );
  t.deepEqual(
    got.images?.map((i) => i.imageId?.imageTag),
    ['dev-4'],
  );
  t.deepEqual(
    got.failures?.map((x) => [x.imageId?.imageTag, x.failureCode]),
    [['dev-1', 'ImageInaccessible']],
  );
  const r = new RegistryDriver(f.emu.endpoint);
  t.is(await r.getManifest('lc/archive', 'dev-1'), undefined, '/v2 answers 404 for an archived image');
  const res = await fetch(`${f.emu.endpoint}/v2/lc/archive/manifests/dev-1`);
  t.is(res.status, 404);
  t.is(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code, 'MANIFEST_UNKNOWN');
  const manifest = JSON.parse((await r.getManifest('lc/archive', 'dev-4'))!.bytes.toString()) as object;
  void manifest;
  const layer = await t.throwsAsync(
    f.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'lc/archive', layerDigest: dev1Layer })),
  );
  t.is(layer?.name, 'LayerInaccessibleException');

  await f.ecr.send(
    new UpdateImageStorageClassCommand({ repositoryName: 'lc/archive', imageId: { imageTag: 'dev-1' }, targetStorageClass: 'STANDARD' }),
  );
  t.is((await r.getManifest('lc/archive', 'dev-1'))?.digest, digests.get('dev-1'));
  const url = await f.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'lc/archive', layerDigest: dev1Layer }));
  t.truthy(url.downloadUrl);
  // re-pushing an archived image restores it too
  await r.putManifest('lc/archive', 'dev-2', dev2.bytes, dev2.mediaType);
  t.is((await r.getManifest('lc/archive', 'dev-2'))?.digest, digests.get('dev-2'));
});

test('catch-up: a 100-day jump runs every daily evaluation as of its due time, so archived images expire 90 days after they were archived', async (t) => {
  await using f = await startEcr({ clock: CLOCK, auth: 'none' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/catchup' }));
  const digests = await pushTwelve(f.emu, 'lc/catchup');
  const policy = JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        selection: { tagStatus: 'tagged', tagPrefixList: ['dev'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 20 },
        action: { type: 'transition', targetStorageClass: 'archive' },
      },
      {
        rulePriority: 2,
        selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90 },
        action: { type: 'expire' },
      },
    ],
  });
  await f.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/catchup', lifecyclePolicyText: policy }));
  const seq = await journaledSeq(f.emu.endpoint);
  const putAt = [...f.emu.events(seq)][0]!.time;
  await advance(f.emu, 100 * DAY);
  const events = [...f.emu.events(seq + 1)];
  const runs = eventsOf(events, 'LifecyclePolicyEvaluated').map((e) => (e.data as { evaluatedAt: number }).evaluatedAt);
  t.is(runs.length, 100);
  t.deepEqual(runs.slice(0, 3), [putAt + DAY, putAt + 2 * DAY, putAt + 3 * DAY]);
  const name = new Map([...digests].map(([k, v]) => [v, k]));
  const when = (type: string) =>
    Object.fromEntries(
      eventsOf(events, type).map((e) => [
        name.get((e.data as { digest: string }).digest),
        Math.round(((e.data as { evaluatedAt: number }).evaluatedAt - putAt) / DAY),
      ]),
    );
  // days after the policy was put (day 30 of the pushes, plus the milliseconds the clock stepped since):
  // dev-3, pushed on day 14, is more than 20 days old on day 34; archived on day +4, older than 90 days on day +95
  t.deepEqual(when('ImageTransitioned'), { 'dev-1': 1, 'dev-2': 1, 'dev-3': 4, 'dev-4': 14 });
  t.deepEqual(when('ImageExpired'), { 'dev-1': 92, 'dev-2': 92, 'dev-3': 95 });
  const archived = await f.ecr.send(new DescribeImagesCommand({ repositoryName: 'lc/catchup', filter: { imageStatus: 'ARCHIVED' } }));
  t.deepEqual(
    archived.imageDetails?.map((d) => d.imageTags?.[0]),
    ['dev-4'],
  );
});

test('--lifecycle-interval: flag, environment variable and default', async (t) => {
  const { resolveConfig, parseDuration } = await import('../../src/config.ts');
  t.is(resolveConfig({}, {}).lifecycleInterval, DAY);
  t.is(resolveConfig({}, { ECR_REWIND_LIFECYCLE_INTERVAL: '90m' }).lifecycleInterval, 90 * 60 * 1000);
  t.is(resolveConfig({ lifecycleInterval: 1000 }, { ECR_REWIND_LIFECYCLE_INTERVAL: '90m' }).lifecycleInterval, 1000);
  t.is(parseDuration('x', '1d'), DAY);
  t.is(parseDuration('x', '2500'), 2500);
  t.throws(() => parseDuration('x', '0'));
  t.throws(() => parseDuration('x', 'soon'));
  await using f = await startEcr({ clock: CLOCK, auth: 'none', lifecycleInterval: 60 * 60 * 1000 });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/hourly' }));
  await f.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/hourly', lifecyclePolicyText: KEEP_UNTAGGED_ONE }));
  await advance(f.emu, 3 * 60 * 60 * 1000);
  t.is(eventsOf(f.emu.events(), 'LifecyclePolicyEvaluated').length, 3, 'hourly runs');
});

test('a preview waits behind other lifecycle work: GetLifecyclePolicyPreview answers IN_PROGRESS and a second start LifecyclePolicyPreviewInProgressException', async (t) => {
  // fsync always: each run waits for its fdatasync, so the queue stays busy across event-loop turns
  await using f = await startEcr({ clock: CLOCK, auth: 'none', lifecycleInterval: 60 * 60 * 1000, fsync: 'always' });
  await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'lc/wait' }));
  for (const name of ['lc/busy-1', 'lc/busy-2', 'lc/busy-3']) {
    await f.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    await f.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: KEEP_UNTAGGED_ONE }));
  }
  // 3 x 400 hourly runs to catch up, one durable journal append each: the scheduler is busy for a while
  await f.emu.engine.execute({ type: 'AdvanceClock', ms: 500 * 60 * 60 * 1000 });
  await f.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/wait', lifecyclePolicyText: THREE_RULES }));
  const pending = await f.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/wait' }));
  t.is(pending.status, 'IN_PROGRESS');
  t.is(pending.previewResults, undefined);
  const again = await t.throwsAsync(
    f.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/wait', lifecyclePolicyText: THREE_RULES })),
  );
  t.is(again?.name, 'LifecyclePolicyPreviewInProgressException');
  const done = await completedPreview(f.ecr, 'lc/wait');
  t.deepEqual(done.summary, { expiringImageTotalCount: 0 });
  t.is(eventsOf(f.emu.events(), 'LifecyclePolicyEvaluated').length, 1200);
});
