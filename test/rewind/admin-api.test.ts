// The admin API's history endpoints: paged events, a live NDJSON stream, past states,
// snapshot downloads that restore elsewhere; and `at` (serve --at): a read-only past
// whose mutations both faces refuse.
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { startEmulator } from '../../src/index.ts';
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';
import { liveState, scenarioDir, scenarioFacts, tempDir } from './rewind-support.ts';

interface EventsPage {
  events: { seq: number; type: string; data: Record<string, unknown> }[];
  next: number | null;
  lastSeq: number;
}

test('GET /_rewind/events pages through the journal and filters by type and repository', async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('rewound-history'), auth: 'none', logger: false });
  const get = async (q: string) => (await (await fetch(`${emu.endpoint}/_rewind/events?${q}`)).json()) as EventsPage;
  const first = await get('limit=10');
  t.deepEqual(
    first.events.map((e) => e.seq),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  t.is(first.next, 11);
  const rest = await get(`from=${first.next}&limit=1000`);
  t.is(rest.next, null);
  t.is(rest.events.at(-1)?.seq, (await scenarioFacts('rewound-history')).lastSeq);
  const marks = await get('type=MarkSet,Rewound');
  t.deepEqual(
    marks.events.map((e) => e.type),
    ['MarkSet', 'MarkSet', 'Rewound'],
  );
  const scratch = await get('repository=scratch&type=RepositoryCreated,RepositoryDeleted');
  t.deepEqual(
    scratch.events.map((e) => e.type),
    ['RepositoryCreated', 'RepositoryDeleted'],
  );
  t.is((await fetch(`${emu.endpoint}/_rewind/events?from=x`)).status, 400);
});

test('GET /_rewind/events?follow=1 streams the backlog, then each new event as NDJSON', async (t) => {
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  await r.createRepository('first');
  const controller = new AbortController();
  const res = await fetch(`${emu.endpoint}/_rewind/events?follow=1`, { signal: controller.signal });
  t.is(res.headers.get('content-type'), 'application/x-ndjson');
  const reader = res.body!.getReader();
  const lines: { seq: number; type: string; data: { repository?: string; name?: string } }[] = [];
  let buffered = '';
  const until = async (n: number): Promise<void> => {
    while (lines.length < n) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffered += Buffer.from(value).toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const p of parts) lines.push(JSON.parse(p));
    }
  };
  await until(1);
  t.is(lines[0]?.data.repository, 'first');
  await r.createRepository('second');
  await emu.mark('live');
  await until(3);
  t.deepEqual(
    lines.map((l) => l.seq),
    [1, 2, 3],
  );
  t.is(lines[1]?.data.repository, 'second');
  t.is(lines[2]?.type, 'MarkSet');
  controller.abort();
});

test('GET /_rewind/state shows now, or any past position by seq, mark or time', async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('rewound-history'), auth: 'none', logger: false });
  const state = async (q: string) =>
    (await (await fetch(`${emu.endpoint}/_rewind/state${q}`)).json()) as {
      seq: number;
      hash: string;
      repositories: { name: string; images: { tags: string[] }[] }[];
    };
  const tagsIn = (s: Awaited<ReturnType<typeof state>>) => s.repositories.flatMap((r) => r.images.flatMap((i) => i.tags)).sort();
  t.deepEqual(tagsIn(await state('?at=v2')), ['latest', 'v2']);
  t.deepEqual(tagsIn(await state('?at=v1')), ['latest', 'v1']);
  t.deepEqual(tagsIn(await state('?at=10')), ['latest', 'v1']);
  t.is((await state('?at=2026-01-01T00:00:04.500Z')).seq, 10);
  const now = await state('');
  t.deepEqual(tagsIn(now), ['latest', 'v1', 'v3']);
  const facts = await scenarioFacts('rewound-history');
  t.is(now.hash, facts.stateHash, 'the state now is the one the scenario recorded');
  t.is(now.seq, facts.lastSeq);
  t.is((await fetch(`${emu.endpoint}/_rewind/state?at=nowhere`)).status, 404);
});

test('GET /_rewind/snapshot downloads a file another emulator starts from with the same state', async (t) => {
  const dir = await tempDir(t);
  let hash: string;
  {
    await using emu = await startEmulator({ fork: scenarioDir('signed-image'), auth: 'none', logger: false });
    const res = await fetch(`${emu.endpoint}/_rewind/snapshot`);
    t.is(res.status, 200);
    hash = (await liveState(emu.endpoint)).hash;
    t.is(res.headers.get('x-ecr-rewind-state-hash'), hash);
    const bytes = Buffer.from(await res.arrayBuffer());
    t.is(Number(res.headers.get('content-length')), bytes.length);
    await writeFile(join(dir, 'dl.snapshot'), bytes);
  }
  await using copy = await startEmulator({ fromSnapshot: join(dir, 'dl.snapshot'), auth: 'none', logger: false });
  t.is((await liveState(copy.endpoint)).hash, hash);
  const image = await new RegistryDriver(copy.endpoint).getManifest('signed', 'v1');
  t.truthy(image);
});

test('at: a read-only view of the past serves it and refuses mutations on /v2, ECR and admin', async (t) => {
  const dir = await tempDir(t);
  await cp(scenarioDir('rewound-history'), join(dir, 'j'), { recursive: true });
  await using emu = await startEmulator({ journal: join(dir, 'j'), at: 'v2', auth: 'none', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  t.deepEqual((await r.tags('app')).sort(), ['latest', 'v2']);
  const health = (await r.admin('GET', '/health')) as { status: string };
  t.is(health.status, 'read-only');

  const push = await t.throwsAsync(r.pushImage('app', 'new', 'nope\n'));
  t.regex(push!.message, /HTTP 405/);
  t.regex(push!.message, /read-only/);
  const ecr = await t.throwsAsync(r.createRepository('another'));
  t.regex(ecr!.message, /read-only/);
  const mark = await fetch(`${emu.endpoint}/_rewind/marks`, {
    method: 'POST',
    body: JSON.stringify({ name: 'x' }),
    headers: { 'Content-Type': 'application/json' },
  });
  t.is(mark.status, 409);
  const journaled = ((await r.admin('GET', '/health')) as { journal: { lastSeq: number } }).journal.lastSeq;
  t.is(journaled, (await scenarioFacts('rewound-history')).lastSeq, 'nothing was journaled');
});

test('at: a read-only view runs beside the server writing the same journal, which keeps pushing', async (t) => {
  const dir = await tempDir(t);
  const journal = join(dir, 'j');
  await cp(scenarioDir('rewound-history'), journal, { recursive: true });
  await using live = await startEmulator({ journal, auth: 'none', logger: false });
  const writer = new RegistryDriver(live.endpoint);
  await writer.pushImage('app', 'after-view', 'pushed while a view of v2 runs\n');
  // no lock taken: the view opens while the writer holds the journal
  await using view = await startEmulator({ journal, at: 'v2', auth: 'none', logger: false });
  const past = new RegistryDriver(view.endpoint);
  t.deepEqual((await past.tags('app')).sort(), ['latest', 'v2']);
  await writer.pushImage('app', 'later', 'pushed after the view started\n');
  t.true((await writer.tags('app')).includes('later'));
  t.deepEqual((await past.tags('app')).sort(), ['latest', 'v2'], 'the view stays at v2');
  // the view reads the writer's history as it grows
  const lastSeq = ((await writer.admin('GET', '/health')) as { journal: { lastSeq: number } }).journal.lastSeq;
  const events = (await past.admin('GET', `/events?from=${lastSeq}`)) as { events: { seq: number }[] };
  t.deepEqual(
    events.events.map((e) => e.seq),
    [lastSeq],
  );
  const push = await t.throwsAsync(past.pushImage('app', 'nope', 'refused\n'));
  t.regex(push!.message, /read-only/);
});

test('at: a view of a folder that is not a journal is refused', async (t) => {
  const dir = await tempDir(t);
  await t.throwsAsync(startEmulator({ journal: join(dir, 'missing'), at: 'end', auth: 'none', logger: false }), {
    message: /no journal at/,
  });
});
