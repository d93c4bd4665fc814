// Property: for random sequences of registry, ECR and admin operations sent through the
// HTTP faces, the state replayed from the journal to any sequence number N equals the
// state the clients saw live when the journal stood at N.
import test from 'ava';
import fc from 'fast-check';
import { startEmulator } from '../../src/index.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { stateAtSeq } from '../../src/replay/time-travel.ts';
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';
import { apply, opArb, REPOSITORIES } from './registry-operations.ts';
import { tempDir } from './rewind-support.ts';

test('replayed state at every sequence number equals the state seen live there', async (t) => {
  const root = await tempDir(t);
  let run = 0;
  let events = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 15 }), async (ops) => {
      const journal = `${root}/run-${run++}`;
      const seen = new Map<number, string>();
      {
        await using emu = await startEmulator({ journal, auth: 'none', fsync: 'never', logger: false });
        const r = new RegistryDriver(emu.endpoint);
        // both repositories exist at first, so most operations land (deleteRepo and create still vary it)
        for (const name of REPOSITORIES) await r.createRepository(name);
        for (const o of ops) {
          await apply(r, o).catch(() => undefined); // refused operations change nothing
          const live = (await r.admin('GET', '/state')) as { seq: number; hash: string };
          seen.set(live.seq, live.hash);
        }
      }
      const history = await openHistory(journal);
      events += history.lastSeq;
      for (const [seq, hash] of seen) {
        const replayed = stateHash(await stateAtSeq(history, seq, { ignoreCheckpoints: true }));
        if (replayed !== hash) throw new Error(`state at seq ${seq} differs: live ${hash.slice(0, 12)}, replayed ${replayed.slice(0, 12)}`);
      }
    }),
    { numRuns: 20 },
  );
  t.is(run, 20);
  t.true(events > 150, `only ${events} events were recorded: the operations are mostly refused`);
  t.log(`${events} events in 20 runs`);
});
