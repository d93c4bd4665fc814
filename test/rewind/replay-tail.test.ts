// A replay from a checkpoint whose tail goes back again and again to a position before the
// checkpoint (resets to a mark set before it, as a test suite makes) rebuilds that state once; and a
// stop whose tail holds such a reset checkpoints, so that the next start does not rebuild it again.
import test from 'ava';
import { coreEvents as ev, type DomainEvent, type RecordedEvent } from '../../src/domain/events.ts';
import { EVENT_VERSIONS } from '../../src/domain/versions.ts';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { startEmulator } from '../../src/index.ts';
import { listCheckpoints } from '../../src/journal/index.ts';
import { saveCheckpoint } from '../../src/projections/checkpoint.ts';
import { openHistory, type JournalHistory } from '../../src/replay/journal-history.ts';
import { replay } from '../../src/replay/replay.ts';
import { registryStateAt } from '../../src/replay/time-travel.ts';
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';
import { replayed, tempDir } from './rewind-support.ts';
import { created } from '../domain/specs/decider-fixtures.ts';

test('resets in a tail to one position before the checkpoint rebuild its state once, and replay still equals the full replay', (t) => {
  const events: RecordedEvent[] = [];
  const push = (e: DomainEvent): void => {
    events.push({ ...e, seq: events.length + 1, v: EVENT_VERSIONS[e.type], time: 1_767_225_600_000 + events.length } as RecordedEvent);
  };
  push(created('a'));
  push(created('b')); // the checkpoint is taken here
  for (let k = 0; k < 5; k++) {
    push(ev.Rewound({ to: 1, mark: 'm' }));
    push(created(`c${k}`));
  }
  let rebuilds = 0;
  const source = (from: number, to: number): RecordedEvent[] => {
    if (from === 1) rebuilds++;
    return events.filter((e) => e.seq >= from && e.seq <= to);
  };
  const base = replay(source, 2);
  rebuilds = 0;
  const views = replay(source, Number.MAX_SAFE_INTEGER, { base });
  t.is(rebuilds, 1);
  t.deepEqual(
    [...views.state.repos.values()].map((r) => r.name),
    ['a', 'c4'],
  );
  t.is(stateHash(views.state), stateHash(replay(source).state));
});

test('a stop whose tail holds a reset to before the newest checkpoint writes a checkpoint, so the next start rebuilds nothing; one without resets writes none', async (t) => {
  const dir = await tempDir(t);
  const start = () => startEmulator({ journal: dir, auth: 'none', fsync: 'never', logger: false });
  let emu = await start();
  let r = new RegistryDriver(emu.endpoint);
  await r.createRepository('aa');
  await emu.mark('m');
  await r.createRepository('bb');
  await emu.stop();
  t.deepEqual(listCheckpoints(dir), [], 'a short journal gets no checkpoint on stop');
  // a checkpoint after the mark (as a long run's stop writes)
  const history = await openHistory(dir);
  await saveCheckpoint(dir, replay(history.source));
  const at = history.lastSeq;
  emu = await start();
  r = new RegistryDriver(emu.endpoint);
  await r.createRepository('cc');
  await emu.stop();
  t.deepEqual(listCheckpoints(dir), [at], 'no reset in the tail: no checkpoint');
  emu = await start();
  r = new RegistryDriver(emu.endpoint);
  await r.admin('POST', '/reset', { to: 'm' });
  await r.createRepository('dd');
  const live = stateHash(emu.engine.state);
  const last = emu.engine.lastSeq;
  await emu.stop();
  t.deepEqual(listCheckpoints(dir), [at, last], 'a reset to before the checkpoint: a checkpoint at the end');
  t.is(stateHash(await replayed(dir)), live);
});

test('the state of a mark is read from a checkpoint a few events later when only marks lie between (a setup that marks, then stops); else replayed', async (t) => {
  const dir = await tempDir(t);
  const emu = await startEmulator({ journal: dir, auth: 'none', fsync: 'never', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  await r.createRepository('aa');
  await r.createRepository('bb');
  const marked = await emu.mark('m');
  await emu.mark('n');
  await emu.stop();
  const history = await openHistory(dir);
  await saveCheckpoint(dir, replay(history.source));
  let fromStart = 0;
  const counted: JournalHistory = {
    ...history,
    origin: undefined,
    source: (from, to) => {
      if (from === 1) fromStart++;
      return history.source(from, to);
    },
  };
  const expected = stateHash(replay(history.source, marked).state);
  const state = registryStateAt(counted, marked);
  t.is(state.seq, marked);
  t.is(stateHash(state), expected);
  t.is(fromStart, 0, 'no replay from the start');
  // one event before the mark: a repository was created between it and the checkpoint
  t.is(stateHash(registryStateAt(counted, marked - 1)), stateHash(replay(history.source, marked - 1).state));
  t.is(fromStart, 1, 'replayed');
});

test('a start whose tail resets to a mark a checkpoint holds (marks only between) reaches the live state; the stop after such resets writes no checkpoint', async (t) => {
  const dir = await tempDir(t);
  const start = () => startEmulator({ journal: dir, auth: 'none', fsync: 'never', logger: false });
  let emu = await start();
  let r = new RegistryDriver(emu.endpoint);
  await r.createRepository('aa');
  await emu.mark('built');
  await emu.stop();
  const history = await openHistory(dir);
  await saveCheckpoint(dir, replay(history.source));
  emu = await start();
  r = new RegistryDriver(emu.endpoint);
  await r.createRepository('bb');
  await r.admin('POST', '/reset', { to: 'built' });
  await r.createRepository('cc');
  const live = stateHash(emu.engine.state);
  await emu.stop();
  t.deepEqual(listCheckpoints(dir), [history.lastSeq], 'the reset target is in a checkpoint: none written');
  // the next start replays the tail, whose reset takes the mark's state from that checkpoint
  emu = await start();
  t.is(stateHash(emu.engine.state), live);
  await emu.stop();
  t.is(stateHash(await replayed(dir)), live);
});
