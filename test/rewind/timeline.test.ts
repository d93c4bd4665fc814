// The inspector's timeline (src/replay/timeline.ts): the state ladder gives the same state
// as a replay from scratch at every seq, whatever order positions are asked in, and the
// index classifies, filters and searches events as the timeline shows them.
import { createHash } from 'node:crypto';
import test from 'ava';
import fc from 'fast-check';
import type { RecordedEvent } from '../../src/domain/events.ts';
import { parseManifest } from '../../src/domain/manifest.ts';
import { emptyState } from '../../src/domain/state.ts';
import { Engine } from '../../src/engine/engine.ts';
import { Journal } from '../../src/journal/index.ts';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { eventRow } from '../../src/replay/event-summary.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { stateAtSeq } from '../../src/replay/time-travel.ts';
import { StateLadder } from '../../src/replay/state-ladder.ts';
import { Timeline } from '../../src/replay/timeline.ts';
import { steppingClock } from '../../src/support/clock.ts';
import { SCENARIO_NAMES, scenarioDir, tempDir } from './rewind-support.ts';

const scope = { account: '000000000000', region: 'us-east-1' };
const sha = (b: Uint8Array | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const OCI = 'application/vnd.oci.image.manifest.v1+json';

type Op =
  | { op: 'push'; repo: string; tag: string; content: number }
  | { op: 'untag'; repo: string; tag: string }
  | { op: 'delete'; repo: string; content: number }
  | { op: 'pull'; repo: string; content: number }
  | { op: 'deleteRepo'; repo: string }
  | { op: 'create'; repo: string }
  | { op: 'mark'; name: string }
  | { op: 'reset'; name: string };

const repo = fc.constantFrom('alpha', 'beta');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('push' as const),
      repo,
      tag: fc.constantFrom('v1', 'v2', 'latest'),
      content: fc.integer({ min: 0, max: 3 }),
    }),
    weight: 4,
  },
  fc.record({ op: fc.constant('untag' as const), repo, tag: fc.constantFrom('v1', 'v2', 'latest') }),
  fc.record({ op: fc.constant('delete' as const), repo, content: fc.integer({ min: 0, max: 3 }) }),
  { arbitrary: fc.record({ op: fc.constant('pull' as const), repo, content: fc.integer({ min: 0, max: 3 }) }), weight: 2 },
  fc.record({ op: fc.constant('deleteRepo' as const), repo }),
  fc.record({ op: fc.constant('create' as const), repo }),
  fc.record({ op: fc.constant('mark' as const), name: fc.constantFrom('m1', 'm2') }),
  { arbitrary: fc.record({ op: fc.constant('reset' as const), name: fc.constantFrom('m1', 'm2') }), weight: 2 },
);

function manifestOf(content: number): { config: Buffer; manifest: Buffer } {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', content }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [],
    }),
  );
  return { config, manifest };
}

async function apply(engine: Engine, o: Op, uploads: { n: number }): Promise<void> {
  const at = { scope, repository: 'repo' in o ? o.repo : '' };
  switch (o.op) {
    case 'create':
      await engine.execute({ type: 'CreateRepository', ...at, settings: {} });
      return;
    case 'push': {
      const { config, manifest } = manifestOf(o.content);
      await engine.execute({ type: 'PushBlob', ...at, uploadId: `u${uploads.n++}`, digest: sha(config), size: config.length });
      const parsed = parseManifest(manifest, OCI);
      if (!parsed.ok) throw new Error(parsed.message);
      await engine.execute({
        type: 'PutManifest',
        ...at,
        digest: sha(manifest),
        bytes: manifest,
        manifest: parsed.manifest,
        tag: o.tag,
        via: 'oci',
      });
      return;
    }
    case 'untag':
      await engine.execute({ type: 'DeleteTag', ...at, tag: o.tag, deleteImageIfUntagged: false });
      return;
    case 'delete':
      await engine.execute({ type: 'DeleteImage', ...at, digest: sha(manifestOf(o.content).manifest) });
      return;
    case 'pull':
      await engine.execute({ type: 'RecordPull', ...at, digest: sha(manifestOf(o.content).manifest) });
      return;
    case 'deleteRepo':
      await engine.execute({ type: 'DeleteRepository', ...at, force: true });
      return;
    case 'mark':
      await engine.mark(o.name);
      return;
    case 'reset': {
      const seq = engine.marks.get(o.name);
      if (seq !== undefined) await engine.rewind(seq, o.name);
      return;
    }
  }
}

async function record(dir: string, ops: Op[]): Promise<void> {
  const journal = await Journal.open(dir, { fsync: 'never' });
  const engine = new Engine(journal, steppingClock(Date.parse('2026-01-01T00:00:00Z'), 1000), {
    state: emptyState(),
    marks: new Map(),
    atMarks: new Map(),
  });
  const uploads = { n: 0 };
  for (const name of ['alpha', 'beta']) await apply(engine, { op: 'create', repo: name }, uploads);
  for (const o of ops) await apply(engine, o, uploads).catch(() => undefined); // refused operations change nothing
  await journal.close();
}

async function timelineOf(
  dir: string,
  rungEvery: number,
): Promise<{ timeline: Timeline; lastSeq: number; history: Awaited<ReturnType<typeof openHistory>> }> {
  const history = await openHistory(dir);
  const timeline = new Timeline(
    { firstSeq: history.firstSeq, origin: () => history.origin, lastSeq: () => history.lastSeq, read: (a, b) => history.read(a, b) },
    { rungEvery },
  );
  await timeline.ready();
  return { timeline, lastSeq: history.lastSeq, history };
}

test('the state ladder equals a replay from scratch at every seq, asked in any order', async (t) => {
  const root = await tempDir(t);
  let run = 0;
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 1, max: 7 }),
      fc.integer(),
      async (ops, rungEvery, seed) => {
        const dir = `${root}/run-${run++}`;
        await record(dir, ops);
        const { timeline, lastSeq, history } = await timelineOf(dir, rungEvery);
        const expected: string[] = [];
        for (let s = 0; s <= lastSeq; s++) expected.push(stateHash(await stateAtSeq(history, s, { ignoreCheckpoints: true })));
        // ascending, then a shuffled order (exercises the cursor and the rungs)
        const order = [...expected.keys()];
        let x = seed >>> 0;
        const shuffled = [...order].sort(() => ((x = (x * 1103515245 + 12345) >>> 0) & 1 ? 1 : -1));
        const copies = new Map<number, string>();
        for (const s of [...order, ...shuffled]) {
          const got = stateHash(timeline.stateAt(s));
          if (got !== expected[s]) throw new Error(`state at seq ${s} differs from a replay (rungs every ${rungEvery})`);
          if (s % 3 === 0) copies.set(s, stateHash(timeline.copyAt(s)));
          checked++;
        }
        // the copies were not changed by what came after them
        for (const [s, hash] of copies) if (hash !== expected[s]) throw new Error(`copy at seq ${s} changed`);
        timeline.close();
      },
    ),
    { numRuns: 25 },
  );
  // not vacuous: 25 runs of 1-30 operations check ~520-800 positions (each asked twice)
  t.true(checked > 250, `only ${checked} positions checked`);
});

test('the states rewinds went back to, folded while idle (warm), change no answer of the ladder', async (t) => {
  const root = await tempDir(t);
  let run = 0;
  let warmed = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 1, max: 7 }),
      fc.integer({ min: 1, max: 5 }),
      async (ops, rungEvery, slice) => {
        const dir = `${root}/run-${run++}`;
        // every run goes back at least once: a mark before its operations, and a reset to it after them
        await record(dir, [{ op: 'mark', name: 'm1' }, ...ops, { op: 'reset', name: 'm1' }]);
        const history = await openHistory(dir);
        const ladder = new StateLadder((a, b) => history.read(a, b), emptyState(), { rungEvery });
        for (const e of history.read()) ladder.add(e as RecordedEvent);
        const expected: string[] = [];
        for (let s = 0; s <= history.lastSeq; s++) expected.push(stateHash(await stateAtSeq(history, s, { ignoreCheckpoints: true })));
        // a few events of warming between any two answers, from the end backwards (the cursor moves about)
        for (let s = history.lastSeq; s >= 0; s--) {
          if (ladder.warm(slice)) warmed++;
          if (stateHash(ladder.stateAt(s)) !== expected[s]) throw new Error(`state at seq ${s} differs from a replay while warming`);
        }
        while (ladder.warm(slice)) warmed++;
        for (let s = 0; s <= history.lastSeq; s++)
          if (stateHash(ladder.copyAt(s)) !== expected[s]) throw new Error(`state at seq ${s} differs from a replay once warm`);
      },
    ),
    { numRuns: 25 },
  );
  t.true(warmed > 0, 'no run had a rewind to warm');
});

test('the timeline index: faces, jumps, marks, filters and search over a recorded scenario', async (t) => {
  const { timeline } = await timelineOf(scenarioDir('rewound-history'), 5);
  const index = timeline.index;
  t.is(index.count, 42);
  const rows = Array.from({ length: index.count }, (_, i) => index.row(i));
  t.is(rows[0]?.type, 'RepositoryCreated');
  t.is(rows[0]?.face, 'ecr');
  // upload follow-ups take the repository and face of their UploadStarted
  const chunk = rows.find((r) => r.type === 'ChunkAppended')!;
  t.is(chunk.repository, 'app');
  t.is(chunk.face, 'oci');
  t.is(rows.find((r) => r.type === 'ManifestPut')?.face, 'either');
  const rewound = rows.find((r) => r.type === 'Rewound')!;
  t.is(rewound.face, 'admin');
  t.is(rewound.jumpTo, 10);
  t.deepEqual(
    [...index.marks],
    [
      ['v1', 10],
      ['v2', 22],
    ],
  );

  const seqs = (f: Parameters<typeof index.select>[0]) => (index.select(f) ?? []).map((p) => index.row(p).seq);
  t.deepEqual(
    seqs({ faces: ['admin'] }).map((s) => rows[s - 1]!.type),
    ['MarkSet', 'MarkSet', 'Rewound'],
  );
  t.deepEqual(
    seqs({ repository: 'scratch', types: ['RepositoryCreated', 'RepositoryDeleted'] }).map((s) => rows[s - 1]!.type),
    ['RepositoryCreated', 'RepositoryDeleted'],
  );
  t.true(seqs({ repository: 'scratch' }).every((s) => rows[s - 1]!.repository === 'scratch'));
  t.deepEqual(
    seqs({ types: ['TagPut'], search: 'latest' }).map((s) => rows[s - 1]!.tag),
    ['latest', 'latest'],
  );
  const digest = rows.find((r) => r.type === 'ManifestPut')!.digest;
  const byPrefix = seqs({ search: digest.slice(7, 19) });
  t.true(byPrefix.length >= 3);
  t.true(byPrefix.every((s) => [rows[s - 1]!.digest, rows[s - 1]!.other].includes(digest)));
  t.deepEqual(seqs({ search: 'scra' }), seqs({ repository: 'scratch' }));
  t.is(index.select({}), undefined);
  t.is(timeline.resolve('v2').seq, 22);
  t.is(timeline.resolve('2026-01-01T00:00:04.500Z').seq, 10);
  t.throws(() => timeline.resolve('nowhere'), { message: /neither/ });
  timeline.close();
});

test('timeline rows say what `log` says: repository and summary of every event of every scenario', async (t) => {
  for (const name of SCENARIO_NAMES) {
    const { timeline, history } = await timelineOf(scenarioDir(name), 4);
    const uploads = new Map<string, string>();
    for (const e of history.read(1)) {
      const row = timeline.index.row(e.seq - timeline.index.firstSeq);
      const log = eventRow(e, uploads);
      t.deepEqual(
        [row.seq, row.type, row.repository, row.summary],
        [log.seq, log.type, log.repository, log.summary],
        `${name} seq ${e.seq}`,
      );
    }
    timeline.close();
  }
});

test('the timeline follows a journal that grows', async (t) => {
  const dir = await tempDir(t);
  const journal = await Journal.open(dir, { fsync: 'never' });
  const engine = new Engine(journal, steppingClock(0, 1), { state: emptyState(), marks: new Map(), atMarks: new Map() });
  const timeline = new Timeline({
    firstSeq: 1,
    origin: () => undefined,
    lastSeq: () => journal.lastSeq,
    read: (a, b) => journal.read(a, b) as Iterable<RecordedEvent>,
  });
  await apply(engine, { op: 'create', repo: 'alpha' }, { n: 0 });
  await timeline.ready();
  t.is(timeline.index.count, 1);
  await apply(engine, { op: 'push', repo: 'alpha', tag: 'v1', content: 1 }, { n: 0 });
  await timeline.ready();
  t.is(timeline.index.count, journal.lastSeq);
  t.deepEqual(
    [...timeline.stateAt(journal.lastSeq).repos.values()].map((r) => [...r.tags.keys()]),
    [['v1']],
  );
  timeline.close();
  await journal.close();
});
