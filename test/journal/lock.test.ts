import test from 'ava';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, JournalLockedError, JournalReader } from '../../src/journal/index.ts';
import { tempDir, thing } from './helpers.ts';

function run(args: string[]): Promise<{ code: number | null; out: string; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out, pid: child.pid! }));
  });
}

test('a second writer in the same process is refused, naming the directory and the pid', async (t) => {
  const dir = await tempDir(t);
  const j = await Journal.open(dir, { fsync: 'never' });
  const err = await t.throwsAsync(Journal.open(dir, { fsync: 'never' }), { instanceOf: JournalLockedError });
  t.true(err!.message.includes(dir));
  t.true(err!.message.includes(String(process.pid)));
  await j.close();
  const again = await Journal.open(dir, { fsync: 'never' });
  await again.close();
  t.pass();
});

test('a second writer in another process is refused, naming the directory and the holder pid', async (t) => {
  const dir = await tempDir(t);
  const j = await Journal.open(dir, { fsync: 'never' });
  const script = `import('${new URL('../../src/journal/index.ts', import.meta.url).href}').then(({ Journal }) => Journal.open(${JSON.stringify(dir)}, { fsync: 'never' })).then(() => console.log('opened'), (e) => { console.log(e.message); process.exit(3); })`;
  const { code, out } = await run(['--import', 'tsx', '-e', script]);
  await j.close();
  t.is(code, 3);
  t.true(out.includes(dir), out);
  t.true(out.includes(`pid ${process.pid}`), out);
});

test('a stale lock left by a dead process is taken over', async (t) => {
  const dir = await tempDir(t);
  const dead = await run(['-e', '']);
  const j0 = await Journal.open(dir, { fsync: 'never' });
  await j0.close();
  writeFileSync(join(dir, 'LOCK'), `${dead.pid}\n`);
  const j = await Journal.open(dir, { fsync: 'never' });
  await j.append([thing(1)]);
  t.is(j.lastSeq, 1);
  await j.close();
});

test('a reader alongside a writer sees events as they are appended', async (t) => {
  const dir = await tempDir(t);
  const j = await Journal.open(dir, { fsync: 'interval', intervalMs: 10, segmentBytes: 2048 });
  const r = JournalReader.open(dir);
  t.is(r.lastSeq, 0);
  t.deepEqual([...r.read()], []);
  for (let round = 1; round <= 5; round++) {
    const envs = await j.append(Array.from({ length: 7 }, (_, i) => thing(round * 100 + i)));
    t.is(r.lastSeq, envs.at(-1)!.seq);
    const seen = [...r.read()];
    t.deepEqual(
      seen.map((e) => e.seq),
      Array.from({ length: round * 7 }, (_, i) => i + 1),
    );
    t.deepEqual(seen.slice(-7), envs);
  }
  t.deepEqual(
    [...r.read(10, 12)].map((e) => e.seq),
    [10, 11, 12],
  );
  r.close();
  await j.close();
});

test('a reader stops quietly at a frame still being written and never changes the file', async (t) => {
  const dir = await tempDir(t);
  const j = await Journal.open(dir, { fsync: 'always' });
  await j.append([thing(1), thing(2)]);
  await j.close();
  const { appendFileSync, readFileSync } = await import('node:fs');
  const { listSegments } = await import('../../src/journal/index.ts');
  const seg = listSegments(dir)[0]!.path;
  appendFileSync(seg, Buffer.from([200, 0, 0, 0, 1, 2, 3])); // a frame header promising 200 bytes, then 3
  const before = readFileSync(seg);
  const r = JournalReader.open(dir);
  t.deepEqual(
    [...r.read()].map((e) => e.seq),
    [1, 2],
  );
  t.is(r.lastSeq, 2);
  t.deepEqual(readFileSync(seg), before);
});
