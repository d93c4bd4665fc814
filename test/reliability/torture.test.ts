// Issue 10: the torture test, bounded for CI. A real `ecr-rewind serve` child process (fsync
// always) is killed with SIGKILL 10 times under mixed traffic from 16 clients on both faces;
// after each kill the journal verifies, after each restart every acknowledged item reads back
// byte-identical, no upload is stuck, and the served state equals a fresh replay; the last run
// ends with SIGTERM (exit 0). `npm run torture -- --kills 100` runs the same thing longer.
import { join } from 'node:path';
import test from 'ava';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { replayTo } from '../../src/replay/time-travel.ts';
import { verifyJournal } from '../../src/replay/verify.ts';
import { runTorture } from '../../src/testkit/torture/index.ts';
import { tempDir } from '../rewind/rewind-support.ts';

test('torture: 10 SIGKILLs of a serving emulator under 16 clients lose nothing acknowledged and leave nothing stuck', async (t) => {
  t.timeout(300_000);
  const dir = await tempDir(t);
  const seed = Math.floor(Math.random() * 2 ** 31);
  const report = await runTorture({
    dir: join(dir, 'journal'),
    kills: 10,
    clients: 16,
    runMs: [200, 1000],
    seed,
    fullCheckEvery: 1,
    verify: async (folder) => {
      const r = await verifyJournal(await openHistory(folder));
      return { ok: r.ok, faults: r.faults.map((f) => `${f.kind}: ${f.message}`) };
    },
    replayHash: async (folder, seq) => stateHash((await replayTo(await openHistory(folder), seq, { ignoreCheckpoints: true })).state),
  });
  const a = report.acknowledged;
  t.log(
    `seed ${seed}: ${report.kills} kills, ${a.total} acknowledged (${a.blobs} blobs, ${a.manifests} manifests, ${a.deletes} deletes), ` +
      `${report.checked} read back, ${report.lost.length} lost, ${report.stuck.length} stuck, ${report.verifyFailures.length} verify failures, ` +
      `${report.stateMismatches.length} state mismatches, ${report.errors.length} unexpected answers, SIGTERM exit ${report.sigtermExit}, ${Math.round(report.durationMs / 1000)} s`,
  );
  t.is(report.kills, 10);
  t.true(a.blobs > 0 && a.manifests > 0 && a.deletes > 0, 'the traffic acknowledged blobs, manifests and deletes');
  t.deepEqual(report.lost, []);
  t.deepEqual(report.stuck, []);
  t.deepEqual(report.verifyFailures, []);
  t.deepEqual(report.stateMismatches, []);
  t.deepEqual(report.errors, []);
  t.is(report.sigtermExit, 0);
});
