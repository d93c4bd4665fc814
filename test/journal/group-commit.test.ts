// Group commit in `always` mode: appends that arrive while a flush's fdatasync runs are written and
// synced at once (a second fdatasync in flight), and every flush is acknowledged only after its own
// fdatasync, begun after its frames were written, returned, and after every earlier flush.
// FileHandle's datasync is held here so the tests decide when each sync ends (and whether it fails).
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { Journal, listSegments } from '../../src/journal/index.ts';
import { tempDir, thing } from './helpers.ts';

interface HeldSync {
  /** the segment's size when the sync was asked for (what it makes durable) */
  sizeAtCall: number;
  end(err?: Error): void;
}

/** Holds every fdatasync of the test's journal until the test ends it; undone at teardown. */
async function holdSyncs(
  t: ExecutionContext,
  dir: string,
): Promise<{ syncs: HeldSync[]; called(n: number): Promise<void>; release(): void }> {
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { datasync(this: { fd: number }): Promise<void> };
  await probe.close();
  const datasync = proto.datasync;
  t.teardown(() => {
    proto.datasync = datasync;
  });
  const syncs: HeldSync[] = [];
  let held = true;
  proto.datasync = async function (this: { fd: number }) {
    if (!held) return datasync.call(this);
    const segment = (await listSegments(join(dir, 'j'))).at(-1);
    const sizeAtCall = segment ? (await stat(segment.path)).size : 0;
    const real = () => datasync.call(this);
    await new Promise<void>((resolve, reject) => {
      syncs.push({ sizeAtCall, end: (err) => (err ? reject(err) : resolve()) });
    });
    await real();
  };
  const called = async (n: number): Promise<void> => {
    for (let i = 0; i < 1000 && syncs.length < n; i++) await new Promise((r) => setTimeout(r, 2));
    if (syncs.length < n) throw new Error(`${syncs.length} fdatasyncs asked for, expected ${n}`);
  };
  /** Ends the syncs held and lets the next ones through. */
  const release = (): void => {
    held = false;
    for (const s of syncs) s.end();
  };
  return { syncs, called, release };
}

const settledYet = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setTimeout(r, 20));
  return done;
};

test.serial(
  'always: an append that arrives while a flush syncs is written and synced at once, and acknowledged after the earlier flush',
  async (t) => {
    const dir = await tempDir(t);
    const j = await Journal.open(join(dir, 'j'), { fsync: 'always' });
    await j.append([thing(0)]);
    const { syncs, called, release } = await holdSyncs(t, dir);
    const order: number[] = [];
    j.on('appended', (envs) => order.push(...envs.map((e) => e.seq)));
    const first = j.append([thing(1)]);
    await called(1);
    const second = j.append([thing(2)]);
    await called(2);
    t.true(syncs[1]!.sizeAtCall > syncs[0]!.sizeAtCall, "the second flush's frames were written before its fdatasync was asked for");
    t.deepEqual(
      [...j.read()].map((e) => e.seq),
      [1, 2, 3],
      'reads see both flushes in flight',
    );
    // at most two syncs at once: a third append waits for one of them to end
    const third = j.append([thing(3)]);
    await new Promise((r) => setTimeout(r, 20));
    t.is(syncs.length, 2);
    // the second sync ends first: nothing is acknowledged before the first flush is durable
    syncs[1]!.end();
    t.false(await settledYet(second), 'the second flush waits for the first');
    t.is(syncs.length, 2);
    syncs[0]!.end();
    t.deepEqual(
      (await first).map((e) => e.seq),
      [2],
    );
    t.deepEqual(
      (await second).map((e) => e.seq),
      [3],
    );
    t.deepEqual(order, [2, 3], "'appended' in journal order");
    await called(3);
    t.false(await settledYet(third));
    syncs[2]!.end();
    t.deepEqual(
      (await third).map((e) => e.seq),
      [4],
    );
    release();
    await j.close();
    const again = await Journal.open(join(dir, 'j'), { fsync: 'always' });
    t.is(again.lastSeq, 4);
    await again.close();
  },
);

test.serial(
  'always: a failed fdatasync refuses its appends and every later flush in flight, even one whose own sync returned',
  async (t) => {
    const dir = await tempDir(t);
    const j = await Journal.open(join(dir, 'j'), { fsync: 'always' });
    await j.append([thing(0)]);
    const { syncs, called, release } = await holdSyncs(t, dir);
    const first = j.append([thing(1)]);
    await called(1);
    const second = j.append([thing(2)]);
    await called(2);
    syncs[1]!.end();
    t.false(await settledYet(second));
    syncs[0]!.end(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await t.throwsAsync(first, { message: /EIO/ });
    await t.throwsAsync(second, { message: /failed and accepts no more appends: EIO/ });
    await t.throwsAsync(j.append([thing(3)]), { message: /failed and accepts no more appends/ });
    // revived: cut back to the frames acknowledged before the failure, and taking appends again
    release();
    await j.revive();
    t.is(j.lastSeq, 1);
    t.deepEqual(
      (await j.append([thing(4)])).map((e) => e.seq),
      [2],
    );
    await j.close();
    const again = await Journal.open(join(dir, 'j'), { fsync: 'always' });
    t.deepEqual(
      [...again.read()].map((e) => (e.data as { n: number }).n),
      [0, 4],
    );
    await again.close();
  },
);
