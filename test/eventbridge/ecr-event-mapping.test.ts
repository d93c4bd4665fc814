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
