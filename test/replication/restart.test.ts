// A kill -9 of a real `ecr-rewind serve` while replication is under way, then a restart on the
// same journal: every copy is made, and made once.
import type { ChildProcess } from 'node:child_process';
import test from 'ava';
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';
import { serveBin } from '../support/bin.ts';

const DESTINATIONS = ['eu-west-1', 'eu-central-1', 'ap-south-1'];
const IMAGES = 150;

/** `ecr-rewind serve` (the real bin) as a child process; resolves with its endpoint once it listens. */
async function serve(journal: string, extra: string[] = []): Promise<{ child: ChildProcess; endpoint: string }> {
  const served = await serveBin(['--journal', journal, '--auth', 'none', ...extra]);
  return { child: served.child, endpoint: served.endpoint };
}

interface Envelope {
  seq: number;
  type: string;
  time: number;
  data: Record<string, unknown>;
}

async function journalEvents(endpoint: string): Promise<Envelope[]> {
  const out: Envelope[] = [];
  for (let from = 1; ; ) {
    const page = (await (await fetch(`${endpoint}/_rewind/events?from=${from}&limit=1000`)).json()) as {
      events: Envelope[];
      next: number | null;
    };
    out.push(...page.events);
    if (page.next === null || page.events.length === 0) return out;
    from = page.next;
  }
}

test('kill -9 during replication, restart: every copy done, each once', async (t) => {
  const journal = await makeTempDir('replication-restart');
  t.teardown(() => removeDir(journal));
  const first = await serve(journal);
  t.teardown(() => first.child.kill('SIGKILL'));
  const driver = new RegistryDriver(first.endpoint);
  await driver.createRepository('app');
  // images pushed before the rule: backfills copy them; images pushed after: the pushes' own copies
  const digests: string[] = [];
  const push = async (from: number, to: number) => {
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = from + w; i < to; i += 4) digests.push((await driver.pushImage('app', `v${i}`, `content ${i}`)).digest);
      }),
    );
  };
  await push(0, IMAGES);
  await driver.ecr('PutReplicationConfiguration', {
    replicationConfiguration: { rules: [{ destinations: DESTINATIONS.map((region) => ({ region, registryId: '000000000000' })) }] },
  });
  await push(IMAGES, IMAGES + 8);
  await Promise.all(
    DESTINATIONS.map((region) => driver.ecr('StartReplicationBackfill', { destination: { region, registryId: '000000000000' } })),
  );
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));

  // what the journal held at the kill, seen by a read-only view (it runs no worker)
  const view = await serve(journal, ['--at', 'end']);
  const atKill = await journalEvents(view.endpoint);
  view.child.kill('SIGTERM');
  await new Promise((r) => view.child.once('exit', r));
  const second = await serve(journal);
  t.teardown(() => second.child.kill('SIGKILL'));
  const total = IMAGES + 8;
  const done = (events: Envelope[]) =>
    events.filter((e) => e.type === 'ReplicationBackfillEnded').length === DESTINATIONS.length &&
    events.filter((e) => e.type === 'ImageReplicated').length === 8 * DESTINATIONS.length;
  let events: Envelope[] = [];
  for (let tries = 0; tries < 600 && !done(events); tries++) {
    if (tries > 0) await new Promise((r) => setTimeout(r, 50));
    events = await journalEvents(second.endpoint);
  }
  t.true(done(events), 'the backfills ended and the pushes were replicated');
  const copies = events.filter((e) => e.type === 'ImageReplicated' || e.type === 'ReplicationBackfillItemReplicated');
  const before = atKill.filter((e) => e.type === 'ImageReplicated' || e.type === 'ReplicationBackfillItemReplicated').length;
  t.log(`${before} of ${copies.length} copies were journaled before the kill, ${copies.length - before} after the restart`);
  const items = events.filter((e) => e.type === 'ReplicationBackfillItemReplicated');
  const prepared = events.filter((e) => e.type === 'ReplicationBackfillPrepared');
  const planned = prepared.reduce((n, e) => n + (e.data.items as unknown[]).length, 0);
  t.is(prepared.length, DESTINATIONS.length, 'each backfill prepared once');
  t.is(planned, total * DESTINATIONS.length, 'each backfill lists every image');
  t.is(items.length, planned, 'one result per backfill item');
  t.is(new Set(items.map((e) => `${String(e.data.backfillId)}|${String(e.data.index)}`)).size, items.length, 'no item twice');
  t.true(items.every((e) => e.data.status === 'COMPLETE'));
  for (const region of DESTINATIONS) {
    const puts = events.filter((e) => e.type === 'ManifestPut' && e.data.region === region).map((e) => String(e.data.digest));
    t.is(puts.length, total, `${region}: one ManifestPut per image`);
    t.deepEqual([...new Set(puts)].sort(), [...digests].sort());
  }
  second.child.kill('SIGTERM');
  await new Promise((r) => second.child.once('exit', r));
});
