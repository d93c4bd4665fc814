// Property: for random sequences of registry, ECR and admin operations sent through the
// HTTP faces, the state replayed from the journal to any sequence number N equals the
// state the clients saw live when the journal stood at N.
import test from 'ava';
import fc from 'fast-check';
import { startEmulator } from '../../src/index.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { stateAtSeq } from '../../src/replay/time-travel.ts';
import { MEDIA, RegistryDriver } from '../../src/testkit/registry-driver.ts';
import { tempDir } from './rewind-support.ts';

const repo = fc.constantFrom('alpha', 'beta');
const tag = fc.constantFrom('v1', 'v2', 'latest');
const markName = fc.constantFrom('m1', 'm2');

type Op =
  | { op: 'create'; repo: string; immutable: boolean }
  | { op: 'push'; repo: string; tag: string; content: number }
  | { op: 'retag'; repo: string; from: string; to: string }
  | { op: 'delete'; repo: string; tag: string }
  | { op: 'untag'; repo: string; tag: string }
  | { op: 'mutability'; repo: string; immutable: boolean }
  | { op: 'deleteRepo'; repo: string }
  | { op: 'mark'; name: string }
  | { op: 'reset'; name: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), repo, immutable: fc.boolean() }),
  { arbitrary: fc.record({ op: fc.constant('push' as const), repo, tag, content: fc.integer({ min: 0, max: 3 }) }), weight: 3 },
  fc.record({ op: fc.constant('retag' as const), repo, from: tag, to: tag }),
  fc.record({ op: fc.constant('delete' as const), repo, tag }),
  fc.record({ op: fc.constant('untag' as const), repo, tag }),
  fc.record({ op: fc.constant('mutability' as const), repo, immutable: fc.boolean() }),
  fc.record({ op: fc.constant('deleteRepo' as const), repo }),
  fc.record({ op: fc.constant('mark' as const), name: markName }),
  fc.record({ op: fc.constant('reset' as const), name: markName }),
);

async function apply(r: RegistryDriver, o: Op): Promise<void> {
  switch (o.op) {
    case 'create':
      await r.createRepository(o.repo, o.immutable ? { imageTagMutability: 'IMMUTABLE' } : {});
      return;
    case 'push':
      await r.pushImage(o.repo, o.tag, `content ${o.content}\n`);
      return;
    case 'retag': {
      const m = await r.getManifest(o.repo, o.from);
      if (m) await r.putManifest(o.repo, o.to, m.bytes, MEDIA.ociManifest);
      return;
    }
    case 'delete': {
      const m = await r.getManifest(o.repo, o.tag);
      if (m) await r.deleteManifest(o.repo, m.digest);
      return;
    }
    case 'untag':
      await r.ecr('BatchDeleteImage', { repositoryName: o.repo, imageIds: [{ imageTag: o.tag }] });
      return;
    case 'mutability':
      await r.ecr('PutImageTagMutability', { repositoryName: o.repo, imageTagMutability: o.immutable ? 'IMMUTABLE' : 'MUTABLE' });
      return;
    case 'deleteRepo':
      await r.ecr('DeleteRepository', { repositoryName: o.repo, force: true });
      return;
    case 'mark':
      await r.admin('POST', '/marks', { name: o.name });
      return;
    case 'reset':
      await r.admin('POST', '/reset', { to: o.name });
      return;
  }
}

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
        for (const name of ['alpha', 'beta']) await r.createRepository(name);
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
