// Which journal facts give which ECR events, over the /v2 face: a push by tag or by digest,
// a retag, an untag, a delete by digest, a referrer and its deletion.
import test from 'ava';
import type { EventBridgeEvent } from '../../src/eventbridge/eventbridge-event.ts';
import { digestOf, OCI_MANIFEST, startRegistry } from '../oci/registry-fixture.ts';

const events = async (url: string): Promise<EventBridgeEvent[]> =>
  (await (await fetch(`${url}/_rewind/eventbridge`)).text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EventBridgeEvent);

const row = (e: EventBridgeEvent) => [e['detail-type'], e.detail['action-type'], e.detail['image-tag'] ?? null, e.detail['image-digest']];

test('/v2 pushes, retags and deletes: one ECR event per call, tags where the call named one', async (t) => {
  await using reg = await startRegistry({}, ['team/app']);
  const a = await reg.pushImage('team/app', 'v1', { layers: ['a'] }); // by tag: ManifestPut + TagPut
  const bBytes = Buffer.from(JSON.stringify({ ...(JSON.parse(a.bytes.toString('utf8')) as object), annotations: { build: 'b' } }));
  const b = { bytes: bBytes, digest: digestOf(bBytes) };
  t.is((await reg.putManifest('team/app', b.digest, b.bytes)).status, 201); // by digest: ManifestPut only
  t.is((await reg.putManifest('team/app', b.digest, b.bytes)).status, 201); // again: nothing new
  t.is((await reg.putManifest('team/app', 'v2', a.bytes)).status, 201); // a second tag of a: TagPut only
  const sbom = await reg.pushImage('team/app', 'sbom', {
    layers: ['{"spdx":true}'],
    artifactType: 'application/spdx+json',
    subject: { mediaType: OCI_MANIFEST, digest: a.digest, size: a.bytes.length },
  });
  t.is((await reg.fetch(`/v2/team/app/manifests/v2`, { method: 'DELETE' })).status, 202); // untag v2: a keeps v1
  t.is((await reg.fetch(`/v2/team/app/manifests/${sbom.digest}`, { method: 'DELETE' })).status, 202);
  t.is((await reg.fetch(`/v2/team/app/manifests/${a.digest}`, { method: 'DELETE' })).status, 202); // still tagged v1

  t.deepEqual((await events(reg.url)).map(row), [
    ['ECR Image Action', 'PUSH', 'v1', a.digest],
    ['ECR Image Action', 'PUSH', null, b.digest],
    ['ECR Image Action', 'PUSH', 'v2', a.digest],
    ['ECR Referrer Action', 'PUSH', 'sbom', sbom.digest],
    ['ECR Image Action', 'DELETE', 'v2', a.digest],
    ['ECR Referrer Action', 'DELETE', 'sbom', sbom.digest],
    ['ECR Image Action', 'DELETE', 'v1', a.digest],
  ]);
  const referrer = (await events(reg.url))[3]!;
  t.is(referrer.detail['artifact-media-type'], 'application/spdx+json');
});

test('a lifecycle expiry is an ECR Image Action DELETE, as a delete by the API is (AWS documents no lifecycle event type)', async (t) => {
  await using reg = await startRegistry({}, ['team/app']);
  const old = await reg.pushImage('team/app', 'old', { layers: ['old'] });
  await reg.pushImage('team/app', 'new', { layers: ['new'] });
  const policy = {
    rules: [
      {
        rulePriority: 1,
        description: 'keep one',
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
        action: { type: 'expire' },
      },
    ],
  };
  const put = await fetch(`${reg.url}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.PutLifecyclePolicy',
      authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=00',
    },
    body: JSON.stringify({ repositoryName: 'team/app', lifecyclePolicyText: JSON.stringify(policy) }),
  });
  t.is(put.status, 200, await put.clone().text());
  const ran = await fetch(`${reg.url}/_rewind/lifecycle/evaluate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ repository: 'team/app' }),
  });
  t.is(ran.status, 200);
  t.deepEqual((await events(reg.url)).map(row).at(-1), ['ECR Image Action', 'DELETE', 'old', old.digest]);
});
