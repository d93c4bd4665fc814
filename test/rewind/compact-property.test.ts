// Property: for random histories sent through the HTTP faces (pushes, deletes, lone blobs,
// open uploads, ECR settings, marks and resets), `compact` writes a journal whose replay is
// the final state of the original with only the blobs a repository links (the same
// canonical state hash), and the compacted folder passes verify.
import test from 'ava';
import fc from 'fast-check';
import { startEmulator } from '../../src/index.ts';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { compactJournal, referencedOnly } from '../../src/replay/compact.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { verifyJournal } from '../../src/replay/verify.ts';
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';
import { apply, opArb, REPOSITORIES } from './registry-operations.ts';
import { replayed, tempDir } from './rewind-support.ts';

test('a compacted journal replays to the final state (referenced blobs only) and passes verify', async (t) => {
  const root = await tempDir(t);
  let run = 0;
  const methods = { rebuilt: 0, 'effective-history': 0 };
  let before = 0;
  let after = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 15 }), async (ops) => {
      const journal = `${root}/run-${run}`;
      const compacted = `${root}/compact-${run++}`;
      let live: string;
      {
        await using emu = await startEmulator({ journal, auth: 'none', fsync: 'never', logger: false });
        const r = new RegistryDriver(emu.endpoint);
        for (const name of REPOSITORIES) await r.createRepository(name);
        for (const o of ops) await apply(r, o).catch(() => undefined); // refused operations change nothing
        live = ((await r.admin('GET', '/state')) as { hash: string }).hash;
      }
      const final = await replayed(journal);
      if (stateHash(final) !== live) throw new Error('the original journal does not replay to the live state');
      const wanted = stateHash(referencedOnly(final));

      const report = await compactJournal(await openHistory(journal), compacted);
      methods[report.method]++;
      before += report.eventsBefore;
      after += report.eventsAfter;
      const replayedHash = stateHash(await replayed(compacted));
      if (replayedHash !== wanted)
        throw new Error(`compacted (${report.method}) replays to ${replayedHash.slice(0, 12)}, the final state is ${wanted.slice(0, 12)}`);
      if (report.stateHash !== wanted) throw new Error('the report names another state than the one written');
      const { faults } = await verifyJournal(await openHistory(compacted));
      if (faults.length > 0)
        throw new Error(`verify of the compacted journal: ${faults.map((f) => `${f.kind} ${f.where}: ${f.message}`).join('; ')}`);
    }),
    { numRuns: 20 },
  );
  t.is(run, 20);
  t.true(after < before, `compaction wrote ${after} events for ${before}`);
  t.log(`${before} events compacted to ${after}; methods: ${JSON.stringify(methods)}`);
});
