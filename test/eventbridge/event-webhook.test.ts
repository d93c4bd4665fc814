// --event-webhook: every event reaches a local receiver at least once, in journal order,
// across a dead receiver, error answers and a restart of the emulator.
import { BatchDeleteImageCommand, CreateRepositoryCommand, PutImageCommand } from '@aws-sdk/client-ecr';
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webhookCursorPath } from '../../src/eventbridge/event-webhook.ts';
import type { EventBridgeEvent } from '../../src/eventbridge/eventbridge-event.ts';
import { prepareImage, startEcr } from '../ecr/ecr-fixture.ts';
import { adminRequest } from '../support/admin.ts';

interface Receiver {
  got: EventBridgeEvent[];
  /** Answers 500 to the first POST of each event id (then accepts its retry). */
  failFirst: boolean;
  listen(port?: number): Promise<number>;
  close(): Promise<void>;
}

function receiver(): Receiver {
  let server: Server | undefined;
  const tried = new Set<string>();
  const r: Receiver = {
    got: [],
    failFirst: false,
    listen: (port = 0) =>
      new Promise((resolve, reject) => {
        server = createServer((req, res) => {
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => {
            const e = JSON.parse(Buffer.concat(chunks).toString('utf8')) as EventBridgeEvent;
            if (r.failFirst && !tried.has(e.id)) {
              tried.add(e.id);
              res.statusCode = 500;
              res.end();
              return;
            }
            r.got.push(e);
            res.statusCode = 200;
            res.end();
          });
        });
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve((server!.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return r;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('the webhook receiver gets each event at least once, in journal order, across a dead receiver and a restart', async (t) => {
  const journal = await mkdtemp(join(tmpdir(), 'ecr-rewind-webhook-'));
  t.teardown(() => rm(journal, { recursive: true, force: true }));
  const rx = receiver();
  t.teardown(() => rx.close());
  const port = await rx.listen();
  const url = `http://127.0.0.1:${port}/hook`;
  rx.failFirst = true;
  let expected: EventBridgeEvent[];
  {
    await using f = await startEcr({ journal, eventWebhook: url, fsync: 'always' });
    await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
    const one = await prepareImage(f.ecr, 'team/app', 'one');
    await f.ecr.send(new PutImageCommand({ repositoryName: 'team/app', imageManifest: one.manifest, imageTag: 'one' }));
    await until(() => rx.got.length >= 1, 'the first push (after a 500 and a retry)');
    t.is(rx.got[0]!.detail['image-digest'], one.digest);

    // The receiver dies: pushes and deletes go on, answered at once.
    await rx.close();
    const started = Date.now();
    const two = await prepareImage(f.ecr, 'team/app', 'two');
    await f.ecr.send(new PutImageCommand({ repositoryName: 'team/app', imageManifest: two.manifest, imageTag: 'two' }));
    await f.ecr.send(new BatchDeleteImageCommand({ repositoryName: 'team/app', imageIds: [{ imageTag: 'one' }] }));
    t.true(Date.now() - started < 5000, 'a dead receiver does not hold up the registry');
    await new Promise((r) => setTimeout(r, 300)); // a few failed attempts
    expected = (await (await adminRequest(f.emu.endpoint, 'GET', '/eventbridge')).text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as EventBridgeEvent);
    t.is(expected.length, 3);
    // The emulator stops with two events undelivered; the cursor says where to go on.
    const cursor = JSON.parse(await readFile(webhookCursorPath(journal, url), 'utf8')) as { next: { seq: number } };
    t.true(cursor.next.seq <= Number.parseInt(expected[1]!.id.slice(-12), 16));
  }
  // The receiver comes back, then the emulator: the rest arrives.
  await rx.listen(port);
  {
    await using g = await startEcr({ journal, eventWebhook: url, fsync: 'always' });
    void g;
    await until(() => expected.every((e) => rx.got.some((x) => x.id === e.id)), 'every event after the restart');
  }
  const firstSeen = [...new Map(rx.got.map((e) => [e.id, e])).values()];
  t.deepEqual(firstSeen, expected, 'each event at least once, first arrivals in journal order');
  t.deepEqual(
    expected.map((e) => [e.detail['action-type'], e.detail['image-tag']]),
    [
      ['PUSH', 'one'],
      ['PUSH', 'two'],
      ['DELETE', 'one'],
    ],
  );
});

test('a receiver configured for the first time gets the events from then on', async (t) => {
  const journal = await mkdtemp(join(tmpdir(), 'ecr-rewind-webhook-'));
  t.teardown(() => rm(journal, { recursive: true, force: true }));
  {
    await using f = await startEcr({ journal });
    await f.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
    const old = await prepareImage(f.ecr, 'team/app', 'old');
    await f.ecr.send(new PutImageCommand({ repositoryName: 'team/app', imageManifest: old.manifest, imageTag: 'old' }));
  }
  const rx = receiver();
  t.teardown(() => rx.close());
  const port = await rx.listen();
  await using g = await startEcr({ journal, eventWebhook: `http://127.0.0.1:${port}/` });
  const fresh = await prepareImage(g.ecr, 'team/app', 'new');
  await g.ecr.send(new PutImageCommand({ repositoryName: 'team/app', imageManifest: fresh.manifest, imageTag: 'new' }));
  await until(() => rx.got.length >= 1, 'the new push');
  await new Promise((r) => setTimeout(r, 100));
  t.deepEqual(
    rx.got.map((e) => e.detail['image-tag']),
    ['new'],
  );
});
