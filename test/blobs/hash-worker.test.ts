// The hashing worker (src/blobs/hash-worker.ts): batches in shared memory are hashed off the
// event loop, in order, each held (its lease) until the worker has read it; jobs run side by side.
import { createHash } from 'node:crypto';
import test from 'ava';
import { hashOffThread } from '../../src/blobs/hash-worker.ts';
import { CountedLease } from '../../src/blobs/lease.ts';
import { patterned } from './blob-helpers.ts';

const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

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

test('a job with no bytes has the digest of nothing', async (t) => {
  const h = hashOffThread();
  if (!h) return t.fail('no hashing worker here');
  t.is(await h.digest(), sha256(new Uint8Array(0)));
});
