import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '../../src/domain/events.ts';
import { DomainFailure } from '../../src/domain/errors.ts';
import { emptyState } from '../../src/domain/state.ts';
import { Engine } from '../../src/engine/engine.ts';
import { Journal, type JournalHandle } from '../../src/journal/index.ts';
import { encodeRegistryState } from '../../src/projections/registry-projection.ts';
import { replay } from '../../src/replay/replay.ts';
import { steppingClock } from '../../src/support/clock.ts';

const scope = { account: '000000000000', region: 'us-east-1' };

async function withEngine(fn: (engine: Engine, journal: Journal) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-rewind-engine-'));
  const journal = await Journal.open(dir, { fsync: 'never' });
  try {
    const engine = new Engine(journal, steppingClock(Date.parse('2026-01-01T00:00:00Z')), {
      state: emptyState(),
      marks: new Map(),
      atMarks: new Map(),
    });
    await fn(engine, journal);
  } finally {
    await journal.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const names = (engine: Engine): string[] => [...engine.state.repos.values()].map((r) => r.name).sort();
const source = (journal: Journal) => (from: number, to: number) => journal.read(from, to) as Iterable<RecordedEvent>;

test('commands are journaled in order with the clock time, and a refused command journals nothing', async (t) => {
  await withEngine(async (engine, journal) => {
    await engine.execute({ type: 'CreateRepository', scope, repository: 'a1', settings: {} });
    await t.throwsAsync(engine.execute({ type: 'CreateRepository', scope, repository: 'a1', settings: {} }), {
      instanceOf: DomainFailure,
    });
    t.is(journal.lastSeq, 1);
    const [e] = [...journal.read(1)];
    t.is(e?.type, 'RepositoryCreated');
    t.is(e?.time, Date.parse('2026-01-01T00:00:00Z'));
  });
});

test('rewind to a mark restores the marked state, keeps history, and replay reproduces it', async (t) => {
  await withEngine(async (engine, journal) => {
    await engine.execute({ type: 'CreateRepository', scope, repository: 'a1', settings: {} });
    await engine.mark('one');
    await engine.execute({ type: 'CreateRepository', scope, repository: 'b2', settings: {} });
    await engine.execute({ type: 'DeleteRepository', scope, repository: 'a1', force: false });
    t.deepEqual(names(engine), ['b2']);
    await engine.rewind(engine.marks.get('one')!, 'one');
    t.deepEqual(names(engine), ['a1']);
    t.is([...journal.read(1)].at(-1)?.type, 'Rewound');
    await engine.execute({ type: 'CreateRepository', scope, repository: 'c3', settings: {} });
    // a rewind to a plain sequence number (no mark): state right after event 3
    await engine.rewind(3);
    t.deepEqual(names(engine), ['a1', 'b2']);
    const replayed = replay(source(journal)).state;
    t.deepEqual(encodeRegistryState(replayed), encodeRegistryState(engine.state));
  });
});

test('rewind to a sequence beyond the journal is PositionNotFound', async (t) => {
  await withEngine(async (engine) => {
    const err = await t.throwsAsync(engine.rewind(5), { instanceOf: DomainFailure });
    t.is((err as DomainFailure).error.code, 'PositionNotFound');
  });
});

test('a read-only engine refuses mutations', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-rewind-engine-'));
  const journal = await Journal.open(dir, { fsync: 'never' });
  try {
    const engine = new Engine(
      journal,
      steppingClock(0),
      { state: emptyState(), marks: new Map(), atMarks: new Map() },
      {
        readOnly: 'viewing the state at seq 0',
      },
    );
    const err = await t.throwsAsync(engine.execute({ type: 'CreateRepository', scope, repository: 'a1', settings: {} }));
    t.is((err as DomainFailure).error.code, 'ReadOnly');
    t.is(journal.lastSeq, 0);
  } finally {
    await journal.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a failed append: the command is not acknowledged, later writes are refused with a clear error, and the state is what the journal holds', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-rewind-engine-'));
  const journal = await Journal.open(dir, { fsync: 'never' });
  let appends = 0;
  // the real journal, whose second append fails as a full disk would fail it
  const failing: JournalHandle = {
    dir: journal.dir,
    get lastSeq() {
      return journal.lastSeq;
    },
    read: (from, to) => journal.read(from, to),
    append: (records) => (++appends === 2 ? Promise.reject(new Error('ENOSPC: no space left on device')) : journal.append(records)),
    flush: () => journal.flush(),
    close: () => journal.close(),
  };
  const fatal: unknown[] = [];
  try {
    const engine = new Engine(
      failing,
      steppingClock(0),
      { state: emptyState(), marks: new Map(), atMarks: new Map() },
      {
        onFatal: (err) => fatal.push(err),
        recover: () => replay(source(journal)),
      },
    );
    await engine.execute({ type: 'CreateRepository', scope, repository: 'kept', settings: {} });
    await t.throwsAsync(engine.execute({ type: 'CreateRepository', scope, repository: 'lost', settings: {} }), { message: /ENOSPC/ });
    await engine.settled();
    t.deepEqual(names(engine), ['kept'], 'the repository whose event was not journaled is not served');
    t.is(fatal.length, 1);
    const refused = await t.throwsAsync(engine.execute({ type: 'CreateRepository', scope, repository: 'later', settings: {} }), {
      instanceOf: DomainFailure,
    });
    t.is((refused as DomainFailure).error.code, 'Unavailable');
    t.regex(refused!.message, /could not be written \(ENOSPC/);
    t.deepEqual(
      [...journal.read(1)].map((e) => (e.data as { repository: string }).repository),
      ['kept'],
    );
  } finally {
    await journal.close();
    await rm(dir, { recursive: true, force: true });
  }
});
