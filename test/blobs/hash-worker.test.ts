// The hashing worker (src/blobs/hash-worker.ts): batches in shared memory are hashed off the
// event loop, in order, each held (its lease) until the worker has read it; jobs run side by side.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, copyFile, open, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { followFile, handOverable, hashOffThread } from '../../src/blobs/hash-worker.ts';
import { CountedLease } from '../../src/blobs/lease.ts';
import { patterned, sha256, tempRoot } from './blob-helpers.ts';

const shared = (bytes: Uint8Array): Buffer => {
  const b = Buffer.from(new SharedArrayBuffer(bytes.byteLength));
  b.set(bytes);
  return b;
};

test('batches are hashed in order on the worker, each lease let go once read; two jobs do not mix', async (t) => {
  const one = patterned(3 * 1024 * 1024 + 17);
  const two = patterned(1024 * 1024 + 5).reverse();
  const a = hashOffThread();
  const b = hashOffThread();
  if (!a || !b) return t.fail('no hashing worker here');
  const freed: number[] = [];
  const piece = 256 * 1024;
  for (let at = 0, i = 0; at < Math.max(one.length, two.length); at += piece, i++) {
    if (at < one.length) {
      const lease = new CountedLease(() => freed.push(i));
      a.update(shared(one.subarray(at, at + piece)), lease);
      lease.release(); // the worker holds it now
    }
    if (at < two.length) b.update(shared(two.subarray(at, at + piece)), new CountedLease(() => undefined));
  }
  t.is(await b.digest(), sha256(two));
  t.is(await a.digest(), sha256(one));
  t.deepEqual(
    freed.sort((x, y) => x - y),
    Array.from({ length: Math.ceil(one.length / piece) }, (_, i) => i),
    'every batch given back once read',
  );
});

test('batches the worker writes too land at their positions once each write resolves; their hash is the whole', async (t) => {
  const dir = await tempRoot(t);
  const file = join(dir, 'staged');
  const blob = patterned(2 * 1024 * 1024 + 4321);
  const h = hashOffThread();
  if (!h) return t.fail('no hashing worker here');
  const fh = await open(file, 'w+');
  t.teardown(() => fh.close().catch(() => undefined));
  const piece = 512 * 1024 + 3;
  const freed: number[] = [];
  const writes: Promise<void>[] = [];
  for (let at = 0, i = 0; at < blob.length; at += piece, i++) {
    const lease = new CountedLease(() => freed.push(i));
    writes.push(h.write(shared(blob.subarray(at, at + piece)), lease, fh.fd, at));
    lease.release();
  }
  await Promise.all(writes);
  t.is(freed.length, writes.length, 'every batch given back once read and written');
  t.is(await h.digest(), sha256(blob));
  const back = Buffer.alloc(blob.length + 1);
  const { bytesRead } = await fh.read(back, 0, back.length, 0);
  t.is(bytesRead, blob.length);
  t.true(back.subarray(0, bytesRead).equals(blob));
});

test("a batch whose write fails rejects with the write's code, is given back all the same, and the job goes on", async (t) => {
  const dir = await tempRoot(t);
  const file = join(dir, 'read-only');
  await writeFile(file, '');
  const h = hashOffThread();
  if (!h) return t.fail('no hashing worker here');
  const ro = await open(file, 'r');
  t.teardown(() => ro.close().catch(() => undefined));
  let freed = 0;
  const lease = new CountedLease(() => freed++);
  const bytes = shared(patterned(1000));
  const failed = h.write(bytes, lease, ro.fd, 0);
  lease.release();
  const err = await t.throwsAsync(failed);
  t.is((err as NodeJS.ErrnoException).code, 'EBADF');
  t.is(freed, 1);
  const rest = shared(patterned(777, 3));
  h.update(rest, new CountedLease(() => undefined));
  t.is(await h.digest(), sha256(Buffer.concat([bytes, rest])), 'the bytes were hashed whether or not written');
});

test('a job with no bytes has the digest of nothing', async (t) => {
  const h = hashOffThread();
  if (!h) return t.fail('no hashing worker here');
  t.is(await h.digest(), sha256(new Uint8Array(0)));
});

// Files followed as they are written (a large push): told only lengths, the worker reads them back.

test('a followed file is hashed up to each length told; a seal answers the digest so far and the hash goes on in the next append, which reopens the file', async (t) => {
  const dir = await tempRoot(t);
  const file = join(dir, 'staged');
  const first = patterned(2 * 1024 * 1024 + 333);
  const second = patterned(700_001, 7);
  const h = followFile();
  if (!h) return t.fail('no hashing worker here');
  const fh = await open(file, 'w');
  h.open(file);
  // written in pieces, each told once written (as BatchWriter's writes land)
  for (let at = 0; at < first.length; at += 1024 * 1024) {
    const piece = first.subarray(at, at + 1024 * 1024);
    await fh.write(piece, 0, piece.length, at);
    h.upTo(at + piece.length);
  }
  await fh.close();
  t.is(await h.seal(), sha256(first));
  // the next append: the file replaced by a copy of its own (as #ownInode does), then written on
  await copyFile(file, `${file}.copy`);
  await rename(`${file}.copy`, file);
  await appendFile(file, second);
  h.open(file);
  h.upTo(first.length + second.length);
  t.is(await h.seal(), sha256(Buffer.concat([first, second])));
  h.drop();
  h.drop(); // twice is fine
  await t.throwsAsync(h.seal(), { message: /failed/ });
});

test('a followed file shorter than its writes said fails the seal (and every later one); other jobs go on', async (t) => {
  const dir = await tempRoot(t);
  const bytes = patterned(300_000);
  await writeFile(join(dir, 'a'), bytes);
  await writeFile(join(dir, 'b'), bytes);
  const a = followFile();
  const b = followFile();
  if (!a || !b) return t.fail('no hashing worker here');
  a.open(join(dir, 'a'));
  b.open(join(dir, 'b'));
  await truncate(join(dir, 'a'), 1000);
  a.upTo(bytes.length);
  b.upTo(bytes.length);
  await t.throwsAsync(a.seal(), { message: /shorter \(1000 bytes\) than its writes said \(300000\)/ });
  a.open(join(dir, 'a'));
  await t.throwsAsync(a.seal(), { message: /shorter/ }, 'a failed job stays failed');
  a.drop();
  t.is(await b.seal(), sha256(bytes));
  const gone = followFile()!;
  gone.open(join(dir, 'missing'));
  await t.throwsAsync(gone.seal(), { message: /ENOENT/ });
  gone.drop();
  b.drop();
});

// Bytes handed over (a request body's own chunks, once written): hashed as they are, not read back.

/** A copy of `bytes` in an ArrayBuffer of its own (as node:http gives each body fragment). */
const own = (bytes: Uint8Array): Buffer => {
  const b = Buffer.from(new ArrayBuffer(bytes.byteLength));
  b.set(bytes);
  return b;
};

test('chunks handed over are moved to the worker and hashed there, not read from the file; told lengths and handed chunks mix in one hash, across appends', async (t) => {
  const dir = await tempRoot(t);
  const file = join(dir, 'staged');
  const first = patterned(2 * 1024 * 1024 + 333);
  const second = patterned(700_001, 7);
  // the file holds other bytes of the same length: what the worker hashes shows where it read
  await writeFile(file, Buffer.alloc(first.length + second.length, 0xee));
  const h = followFile();
  if (!h) return t.fail('no hashing worker here');
  h.open(file);
  const chunks = [own(first.subarray(0, 65_536)), own(first.subarray(65_536, 1024 * 1024))];
  h.handOver(1024 * 1024, chunks);
  t.true(
    chunks.every((c) => c.byteLength === 0),
    'the chunks are detached here (moved, not copied)',
  );
  h.handOver(first.length, [own(first.subarray(1024 * 1024))]);
  t.is(await h.seal(), sha256(first));
  // the next append is told a length: that part is read from the file
  h.open(file);
  h.upTo(first.length + second.length);
  t.is(await h.seal(), sha256(Buffer.concat([first, Buffer.alloc(second.length, 0xee)])));
  h.drop();
});

test('chunks handed over that do not end where their writes do fail the seal (and every later one)', async (t) => {
  const dir = await tempRoot(t);
  const file = join(dir, 'staged');
  await writeFile(file, '');
  const h = followFile();
  if (!h) return t.fail('no hashing worker here');
  h.open(file);
  h.handOver(10, [own(patterned(9))]);
  await t.throwsAsync(h.seal(), { message: /handed over end at 9, their writes at 10/ });
  h.open(file);
  h.handOver(20, [own(patterned(10))]);
  await t.throwsAsync(h.seal(), { message: /handed over end at 9/ }, 'a failed job stays failed');
  h.drop();
});

test('only chunks that are each the whole of an ArrayBuffer of their own can be handed over', (t) => {
  const whole = own(patterned(100));
  t.true(handOverable([whole, own(patterned(10))]));
  t.false(handOverable([]), 'nothing to hand');
  t.false(handOverable([whole.subarray(1)]), 'a view into a larger buffer');
  t.false(handOverable([Buffer.from('pooled')]), "a slice of Buffer's pool");
  t.false(handOverable([shared(patterned(10))]), 'shared memory');
  t.false(handOverable([whole, new Uint8Array(whole.buffer)]), 'one buffer twice');
});

test('the worker keeps no process alive once its file jobs are sealed or dropped (a job kept between appends holds nothing)', async (t) => {
  const dir = await tempRoot(t);
  const file = join(dir, 'f');
  await writeFile(file, 'abc');
  const script = `
    const { followFile } = await import(${JSON.stringify(new URL('../../src/blobs/hash-worker.ts', import.meta.url).href)});
    const kept = followFile();
    kept.open(${JSON.stringify(file)});
    kept.upTo(3);
    console.log(await kept.seal());
    const dropped = followFile();
    dropped.open(${JSON.stringify(file)});
    dropped.drop();
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const timer = setTimeout(() => child.kill(), 20_000);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  t.is(code, 0, 'the child exited by itself');
  t.is(out.trim(), sha256('abc'));
});
