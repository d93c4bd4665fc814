// Kept states share with the live one (projections/shared-state.ts): for every recorded scenario,
// a state kept after any event is never changed by the events folded after it, whether the working
// state goes on from it or was forked from an earlier kept state; and every kept state equals the
// state a plain replay (no sharing) reaches at its seq.
import test from 'ava';
import type { RecordedEvent } from '../../src/domain/events.ts';
import { evolve } from '../../src/domain/evolve.ts';
import { imagesWithExtra } from '../../src/domain/deferred-images.ts';
import { emptyState, type RegistryState } from '../../src/domain/state.ts';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { foldShared, fork, keep, type Working } from '../../src/projections/shared-state.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { SCENARIO_NAMES, scenarioDir } from './rewind-support.ts';

async function eventsOf(name: string): Promise<RecordedEvent[]> {
  const history = await openHistory(scenarioDir(name));
  return [...history.read()].filter((e) => e.type !== 'Rewound');
}

/** The hash of the state a plain fold (no sharing) reaches after each event. */
function plainHashes(events: RecordedEvent[]): string[] {
  const s = emptyState();
  return events.map((e) => stateHash(evolve(s, e)));
}

for (const name of SCENARIO_NAMES) {
  test(`${name}: a state kept after any event stays as it was, and is the state a plain replay reaches there`, async (t) => {
    const events = await eventsOf(name);
    const expected = plainHashes(events);
    const w: Working = { state: emptyState() };
    const kept: { at: number; state: RegistryState }[] = [];
    events.forEach((e, i) => {
      foldShared(w, e);
      kept.push({ at: i, state: keep(w) });
    });
    t.is(stateHash(w.state), expected.at(-1)!);
    for (const k of kept) t.is(stateHash(k.state), expected[k.at]!, `kept after event ${k.at + 1}`);
  });

  test(`${name}: working states forked from kept ones change none of them`, async (t) => {
    const events = await eventsOf(name);
    const expected = plainHashes(events);
    const base: Working = { state: emptyState() };
    const kept: { at: number; state: RegistryState }[] = [];
    events.forEach((e, i) => {
      foldShared(base, e);
      if (i % 3 === 0) kept.push({ at: i, state: keep(base) });
    });
    // from each kept state, fold the rest of the journal again (a reset, then the same history)
    for (const k of kept) {
      const w = fork(k.state);
      for (const e of events.slice(k.at + 1)) foldShared(w, e);
      t.is(stateHash(w.state), expected.at(-1)!);
    }
    for (const k of kept) t.is(stateHash(k.state), expected[k.at]!, `kept after event ${k.at + 1}`);
  });

  test(`${name}: the images with extra of kept and working repositories (remembered once kept) are the ones a walk finds`, async (t) => {
    const events = await eventsOf(name);
    const walk = (s: RegistryState): [string, string[]][] =>
      [...s.repos].map(([k, r]) => [k, [...r.images.values()].filter((i) => i.extra !== undefined).map((i) => i.digest)]);
    const asked = (s: RegistryState): [string, string[]][] =>
      [...s.repos].map(([k, r]) => [k, [...imagesWithExtra(r)].map((i) => i.digest)]);
    const w: Working = { state: emptyState() };
    const kept: { state: RegistryState; expected: [string, string[]][] }[] = [];
    events.forEach((e, i) => {
      foldShared(w, e);
      t.deepEqual(asked(w.state), walk(w.state), `working state after event ${i + 1}`);
      if (i % 2 === 0) {
        const k = keep(w);
        kept.push({ state: k, expected: walk(k) });
        asked(k);
      }
    });
    // from each kept state, the rest of the journal again (a reset, then the same history)
    for (const k of kept.slice(0, 8)) {
      const f = fork(k.state);
      for (const e of events.slice(1)) {
        foldShared(f, e);
        t.deepEqual(asked(f.state), walk(f.state));
      }
    }
    for (const k of kept) t.deepEqual(asked(k.state), k.expected);
  });
}
