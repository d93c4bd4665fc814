// Marks as the admin API and the test API take them (names that read as positions refused,
// an existing name refused with 409 unless moved), GET /_rewind/clock, and a read-only
// server (serve --at) answering ECR writes with a 4xx that the AWS SDK does not retry.
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import test from 'ava';
import { DomainFailure } from '../../src/domain/errors.ts';
import { startEmulator } from '../../src/index.ts';
import { scenarioDir, tempDir } from './rewind-support.ts';
import { adminRequest } from '../support/admin.ts';

const post = (endpoint: string, path: string, body: unknown) => adminRequest(endpoint, 'POST', path, body);

test('POST /_rewind/marks: a new name is 201, an existing one 409 unless "move": true', async (t) => {
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false });
  const first = await post(emu.endpoint, '/marks', { name: 'clean' });
  t.is(first.status, 201);
  t.deepEqual(await first.json(), { name: 'clean', seq: 0 });
  await emu.engine.execute({
    type: 'CreateRepository',
    scope: { account: '000000000000', region: 'us-east-1' },
    repository: 'app',
    settings: {},
  });
  const again = await post(emu.endpoint, '/marks', { name: 'clean' });
  t.is(again.status, 409);
  t.like(await again.json(), { error: 'MarkAlreadyExists' });
  t.is(emu.engine.marks.get('clean'), 0, 'the mark did not move');
  const moved = await post(emu.endpoint, '/marks', { name: 'clean', move: true });
  t.is(moved.status, 200);
  t.deepEqual(await moved.json(), { name: 'clean', seq: 2, movedFrom: 0 }, 'seq 1 made the repository, seq 2 the first mark');
  t.is((await post(emu.endpoint, '/marks', { name: 'clean', move: 'yes' })).status, 400);
});

test('a mark name that reads as a position is refused (admin API and emu.mark)', async (t) => {
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false });
  for (const name of ['end', 'now', 'latest', '0', '42', '2026-01-01', '2026-01-01T10:00:00Z', '', ' padded']) {
    const res = await post(emu.endpoint, '/marks', { name });
    t.is(res.status, 400, JSON.stringify(name));
    const body = (await res.json()) as { message: string };
    t.regex(body.message, /choose another mark name|send \{"name"/);
  }
  const err = await t.throwsAsync(emu.mark('12'));
  t.true(err instanceof DomainFailure);
  t.is(emu.engine.marks.size, 0);
  t.is(await emu.mark('release-12'), 0, 'digits inside a name are fine');
  await t.throwsAsync(emu.mark('release-12'), { message: /exists/ });
  t.is(await emu.mark('release-12', { move: true }), 1, 'moved to the end, after its own MarkSet');
});

test('GET /_rewind/clock shows the clock, journaled advances included, without moving it', async (t) => {
  // a recording clock: every reading by the domain moves it one second
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false, clock: '2030-01-01T00:00:00Z,1000' });
  const read = async () =>
    (await (await fetch(`${emu.endpoint}/_rewind/clock`)).json()) as { now: string; epochMs: number; offsetMs: number };
  const first = await read();
  t.regex(first.now, /^2030-01-01T00:00:\d{2}\.000Z$/);
  t.is(first.epochMs, Date.parse(first.now));
  t.is(first.offsetMs, 0);
  t.deepEqual(await read(), first, 'reading it does not move a stepping clock');
  await post(emu.endpoint, '/clock', { advanceMs: 90_000 });
  const later = await read();
  t.is(later.offsetMs, 90_000);
  t.true(later.epochMs >= first.epochMs + 90_000);
});

test('a read-only view answers ECR writes with AccessDeniedException (400), which the SDK does not retry', async (t) => {
  const dir = await tempDir(t);
  await cp(scenarioDir('rewound-history'), join(dir, 'j'), { recursive: true });
  await using emu = await startEmulator({ journal: join(dir, 'j'), at: 'v1', auth: 'none', logger: false });
  let requests = 0;
  const ecr = new ECRClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  ecr.middlewareStack.add(
    (next) => async (args) => {
      requests++;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low' },
  );
  t.teardown(() => ecr.destroy());
  const err = await t.throwsAsync(ecr.send(new CreateRepositoryCommand({ repositoryName: 'nope' })));
  t.is(err?.name, 'AccessDeniedException');
  const meta = (err as unknown as { $metadata: { httpStatusCode: number; attempts: number } }).$metadata;
  t.is(meta.httpStatusCode, 400);
  t.is(meta.attempts, 1);
  t.is(requests, 1, 'sent once: no retry');
  t.regex(err!.message, /read-only/);
});
