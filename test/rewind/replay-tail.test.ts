// A replay from a checkpoint whose tail goes back again and again to a position before the
// checkpoint (resets to a mark set before it, as a test suite makes) rebuilds that state once.
import test from 'ava';
import { coreEvents as ev, type DomainEvent, type RecordedEvent } from '../../src/domain/events.ts';
import { EVENT_VERSIONS } from '../../src/domain/versions.ts';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { replay } from '../../src/replay/replay.ts';
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
