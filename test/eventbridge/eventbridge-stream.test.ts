// GET /_rewind/eventbridge: ECR's EventBridge events derived from the journal, live and replayed.
import { BatchDeleteImageCommand, CreateRepositoryCommand, PutImageCommand, PutSigningConfigurationCommand } from '@aws-sdk/client-ecr';
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventBridgeEvent } from '../../src/eventbridge/eventbridge-event.ts';
import { positionOfId } from '../../src/eventbridge/eventbridge-event.ts';
import { prepareImage, startEcr } from '../ecr/ecr-fixture.ts';
import { NOTARY, PROFILE, signingSettled } from '../signing/signing-support.ts';
import { adminRequest } from '../support/admin.ts';

/** Follows the NDJSON stream at `/_rewind<path>` of `endpoint`, collecting events until `stop()`. */
function follow(endpoint: string, path: string): { events: EventBridgeEvent[]; until(n: number): Promise<void>; stop(): void } {
  const events: EventBridgeEvent[] = [];
  const abort = new AbortController();
  let wake: () => void = () => undefined;
  void (async () => {
    const res = await adminRequest(endpoint, 'GET', path, undefined, { signal: abort.signal });
    const reader = res.body!.getReader();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      text += Buffer.from(value).toString('utf8');
      let nl: number;
      while ((nl = text.indexOf('\n')) >= 0) {
        events.push(JSON.parse(text.slice(0, nl)) as EventBridgeEvent);
        text = text.slice(nl + 1);
        wake();
      }
    }
  })().catch(() => undefined);
  return {
    events,
    async until(n) {
      const deadline = Date.now() + 15_000;
      while (events.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${events.length} of ${n} events arrived: ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 200);
        });
      }
    },
    stop: () => abort.abort(),
  };
}

const ndjson = async (res: Response): Promise<EventBridgeEvent[]> =>
  (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EventBridgeEvent);

test('a push, a signing and a delete: the documented events, in journal order, the same on a replay from 0 and after a restart', async (t) => {
  const journal = await mkdtemp(join(tmpdir(), 'ecr-rewind-eventbridge-'));
  t.teardown(() => rm(journal, { recursive: true, force: true }));
  let all: EventBridgeEvent[];
  {
    await using f = await startEcr({ journal });
    const live = follow(f.emu.endpoint, '/eventbridge?from=1&follow=1');
    t.teardown(() => live.stop());
    await f.ecr.send(
      new PutSigningConfigurationCommand({
        signingConfiguration: {
          rules: [{ signingProfileArn: PROFILE, repositoryFilters: [{ filter: 'team/*', filterType: 'WILDCARD_MATCH' }] }],
        },
      }),
    );
    await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
    await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'plain/app' }));
    const signed = await prepareImage(f.ecr, 'team/app', 'signed');
    await f.ecr.send(new PutImageCommand({ repositoryName: 'team/app', imageManifest: signed.manifest, imageTag: 'v1' }));
    await signingSettled(f.ecr, 'team/app', signed.digest);
    const plain = await prepareImage(f.ecr, 'plain/app', 'plain');
    await f.ecr.send(new PutImageCommand({ repositoryName: 'plain/app', imageManifest: plain.manifest, imageTag: 'latest' }));
    await f.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'plain/app', imageIds: [{ imageTag: 'latest' }] }));

    await live.until(4);
    const summary = live.events.map((e) => [
      e['detail-type'],
      e.detail['action-type'],
      e.detail['repository-name'],
      e.detail['image-tag'],
      e.detail['image-digest'],
    ]);
    const signature = live.events[1]!.detail['image-digest'];
    t.deepEqual(summary, [
      ['ECR Image Action', 'PUSH', 'team/app', 'v1', signed.digest],
      ['ECR Referrer Action', 'PUSH', 'team/app', undefined, signature],
      ['ECR Image Action', 'PUSH', 'plain/app', 'latest', plain.digest],
      ['ECR Image Action', 'DELETE', 'plain/app', 'latest', plain.digest],
    ]);
    t.is(live.events[1]!.detail['artifact-media-type'], NOTARY);
    t.deepEqual(live.events[0], {
      version: '0',
      id: live.events[0]!.id,
      'detail-type': 'ECR Image Action',
      source: 'aws.ecr',
      account: '000000000000',
      time: live.events[0]!.time,
      region: 'us-east-1',
      resources: [],
      detail: {
        result: 'SUCCESS',
        'repository-name': 'team/app',
        'image-digest': signed.digest,
        'action-type': 'PUSH',
        'image-tag': 'v1',
        'manifest-media-type': 'application/vnd.oci.image.manifest.v1+json',
        'artifact-media-type': 'application/vnd.oci.image.config.v1+json',
      },
    });
    t.regex(live.events[0]!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const seqs = live.events.map((e) => positionOfId(e.id)!.seq);
    t.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      'journal order',
    );
    // The ids name the journal events they came from.
    const journalTypes = new Map([...f.emu.events()].map((e) => [e.seq, e.type]));
    t.deepEqual(
      seqs.map((s) => journalTypes.get(s)),
      ['ManifestPut', 'ManifestPut', 'ManifestPut', 'ImageDeleted'],
    );

    // A consumer starting at any position sees what a live one saw from there on.
    const replayed = await ndjson(await adminRequest(f.emu.endpoint, 'GET', '/eventbridge?from=0'));
    t.deepEqual(replayed, live.events);
    for (const from of [seqs[1]!, seqs[1]! + 1, seqs[3]!])
      t.deepEqual(
        await ndjson(await adminRequest(f.emu.endpoint, 'GET', `/eventbridge?from=${from}`)),
        live.events.filter((e) => positionOfId(e.id)!.seq >= from),
        `from=${from}`,
      );
    all = replayed;
    live.stop();
  }
  // The same journal served again gives the same events with the same ids.
  await using g = await startEcr({ journal });
  t.deepEqual(await ndjson(await adminRequest(g.emu.endpoint, 'GET', '/eventbridge')), all);
  const bad = await adminRequest(g.emu.endpoint, 'GET', '/eventbridge?from=x');
  t.is(bad.status, 400);
});
