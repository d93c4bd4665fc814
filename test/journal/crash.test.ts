import test from 'ava';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Journal } from '../../src/journal/index.ts';
import { tempDir } from './helpers.ts';

const ROUNDS = 24;
const writer = new URL('./fixtures/crash-writer.ts', import.meta.url).pathname;

/** Runs the crash writer until SIGKILL after `ms` of appending; returns the acknowledged lines. */
async function runAndKill(dir: string, ms: number): Promise<Map<number, { p: number; n: number }>> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  // wait for the first acknowledgement, then kill at a random moment after it
  const acking = () => /\n\d+ \d+ \d+\n/.test(out);
  while (!acking() && Date.now() < deadline && child.exitCode === null) await sleep(5);
  if (!acking()) throw new Error(`crash writer did not start appending: ${err}`);
  await sleep(ms);
  child.kill('SIGKILL');
  await exited;
  const acked = new Map<number, { p: number; n: number }>();
  for (const line of out.split('\n')) {
    const m = /^(\d+) (\d+) (\d+)$/.exec(line);
    if (m) acked.set(Number(m[1]), { p: Number(m[2]), n: Number(m[3]) });
  }
  return acked;
}

test(`every acknowledged event survives SIGKILL (${ROUNDS} rounds, fsync always)`, async (t) => {
  t.timeout(90_000);
  const dir = await tempDir(t);
  const everAcked = new Map<number, { p: number; n: number }>();
  let lastSeq = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const acked = await runAndKill(dir, Math.floor(Math.random() * 250));
    t.true(acked.size > 0, `round ${round}: the writer acknowledged events`);
    for (const [seq, v] of acked) everAcked.set(seq, v);
    const j = await Journal.open(dir, { fsync: 'always', warn: () => {} });
    const events = [...j.read()];
    await j.close();
    // gap-free from 1, in order
    t.true(
      events.every((e, i) => e.seq === i + 1),
      `round ${round}: sequence is gap-free`,
    );
    t.true(events.length >= lastSeq, `round ${round}: nothing earlier was lost`);
    lastSeq = events.length;
    const bySeq = events;
    let missing = 0;
    for (const [seq, { p, n }] of everAcked) {
      const e = bySeq[seq - 1];
      const d = e?.data as { p: number; n: number } | undefined;
      if (!d || d.p !== p || d.n !== n) missing++;
    }
    t.is(missing, 0, `round ${round}: all ${everAcked.size} acknowledged events present with their data`);
  }
  t.log(`${ROUNDS} kills, ${lastSeq} events in the journal, ${everAcked.size} acknowledged`);
});
