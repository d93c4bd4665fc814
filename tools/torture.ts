/**
 * `npm run torture -- --kills 100 [--clients 16] [--seed N] [--run-ms 300,1500] [--full-every 10] [--dir DIR]`:
 * the torture run of test/reliability/torture.test.ts, longer. Prints the figures (kills,
 * acknowledged, lost, stuck, verify) and exits 1 when anything was lost, stuck or unsound.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stateHash } from '../src/projections/canonical-state.ts';
import { openHistory } from '../src/replay/journal-history.ts';
import { replayTo } from '../src/replay/time-travel.ts';
import { verifyJournal } from '../src/replay/verify.ts';
import { runTorture } from '../src/testkit/torture/index.ts';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '100' },
    clients: { type: 'string', default: '16' },
    seed: { type: 'string' },
    'run-ms': { type: 'string', default: '300,1500' },
    'full-every': { type: 'string', default: '10' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const [minMs = 300, maxMs = 1500] = (values['run-ms'] ?? '').split(',').map(Number);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const base = values.dir ?? (await mkdtemp(join(tmpdir(), 'ecr-rewind-torture-')));
const dir = join(base, 'journal');
console.log(`torture: ${values.kills} kills, ${values.clients} clients, seed ${seed}, journal ${dir}`);
const report = await runTorture({
  dir,
  kills: Number(values.kills),
  clients: Number(values.clients),
  runMs: [minMs, maxMs],
  seed,
  fullCheckEvery: Number(values['full-every']),
  verify: async (folder) => {
    const r = await verifyJournal(await openHistory(folder));
    return { ok: r.ok, faults: r.faults.map((f) => `${f.kind}: ${f.message}`) };
  },
  replayHash: async (folder, seq) => stateHash((await replayTo(await openHistory(folder), seq, { ignoreCheckpoints: true })).state),
  log: (line) => console.log(line),
});
const a = report.acknowledged;
console.log(`
kills            ${report.kills}
acknowledged     ${a.total} (${a.blobs} blobs, ${a.manifests} manifests, ${a.deletes} deletes); ${report.checked} read back after restarts
lost             ${report.lost.length}
stuck            ${report.stuck.length}
verify           ${report.verifyFailures.length === 0 ? `ok after every kill and at the end (${report.kills + 1} runs)` : `${report.verifyFailures.length} failed`}
state = replay   ${report.stateMismatches.length === 0 ? 'after every restart' : `${report.stateMismatches.length} mismatches`}
unexpected       ${report.errors.length}
SIGTERM exit     ${report.sigtermExit}
time             ${Math.round(report.durationMs / 1000)} s`);
for (const line of [...report.lost, ...report.stuck, ...report.verifyFailures, ...report.stateMismatches, ...report.errors].slice(0, 50))
  console.log(`  ${line}`);
const failed =
  report.lost.length + report.stuck.length + report.verifyFailures.length + report.stateMismatches.length + report.errors.length > 0 ||
  report.sigtermExit !== 0;
if (!values.keep && values.dir === undefined && !failed) await rm(base, { recursive: true, force: true });
else console.log(`journal kept in ${dir}`);
process.exitCode = failed ? 1 : 0;
