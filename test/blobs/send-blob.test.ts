// sendBlob: the bytes start..end (inclusive) of a blob, read from its file at the location's
// offset (a blob inside a bigger file, as in a pack), in 256 KiB buffers; a file shorter than
// the range breaks the response instead of hanging it; a client that goes away ends the send;
// a blob of more chunks than there are buffers comes back whole, to a fast client and a slow one.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import type { BlobLocation } from '../../src/blobs/blob-store.ts';
import { sendBlob } from '../../src/blobs/send-blob.ts';
import { patterned, put, tempRoot } from './blob-helpers.ts';

const MiB = 1024 * 1024;

interface Served {
  url: string;
  /** The promise of each sendBlob call, in request order. */
  sends: Promise<void>[];
}

/** A server that answers GET /<start>-<end> with sendBlob(at, start, end). */
async function serve(t: { teardown(fn: () => void): void }, at: BlobLocation): Promise<Served> {
  const sends: Promise<void>[] = [];
  const server: Server = createServer((req, res) => {
    const [start = 0, end = 0] = (req.url ?? '/').slice(1).split('-').map(Number);
    res.writeHead(200, { 'Content-Length': String(end - start + 1) });
    sends.push(sendBlob(res, at, start, end));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sends };
}

test('a whole blob, a range inside one buffer and a range across buffers come back byte for byte', async (t) => {
  const bytes = patterned(9 * MiB + 123);
  const file = await put(join(await tempRoot(t), 'blob'), bytes);
  const { url, sends } = await serve(t, { file, offset: 0 });
  for (const [start, end] of [
    [0, bytes.length - 1],
    [10, 20],
    [4 * MiB - 7, 8 * MiB + 9],
    [bytes.length - 1, bytes.length - 1],
  ] as const) {
    const got = Buffer.from(await (await fetch(`${url}/${start}-${end}`)).arrayBuffer());
    t.true(got.equals(bytes.subarray(start, end + 1)), `bytes ${start}-${end}`);
  }
  await Promise.all(sends);
});

test('a blob of more chunks than the reads run ahead comes back whole, read by a client that takes its time', async (t) => {
  const bytes = patterned(23 * MiB + 5, 11);
  const file = await put(join(await tempRoot(t), 'long'), bytes);
  const { url, sends } = await serve(t, { file, offset: 0 });
  const got = Buffer.from(await (await fetch(`${url}/0-${bytes.length - 1}`)).arrayBuffer());
  t.true(got.equals(bytes), 'fetched at once');
  // a client that pauses between reads: the socket fills, writes wait for it, and the reads wait for the writes
  const slow = await new Promise<Buffer>((resolve, reject) => {
    const req = request(`${url}/3-${bytes.length - 2}`, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        parts.push(c);
        res.pause();
        setTimeout(() => res.resume(), parts.length % 64 === 0 ? 5 : 0);
      });
      res.once('end', () => resolve(Buffer.concat(parts)));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
  t.true(slow.equals(bytes.subarray(3, bytes.length - 1)), 'read slowly');
  await Promise.all(sends);
});

test("a blob inside a bigger file is read from the location's offset", async (t) => {
  const before = patterned(1000, 7);
  const blob = patterned(5 * MiB, 3);
  const file = await put(join(await tempRoot(t), 'pack'), Buffer.concat([before, blob, Buffer.from('trailer')]));
  const { url } = await serve(t, { file, offset: before.length });
  const whole = Buffer.from(await (await fetch(`${url}/0-${blob.length - 1}`)).arrayBuffer());
  t.true(whole.equals(blob));
  const range = Buffer.from(await (await fetch(`${url}/100-199`)).arrayBuffer());
  t.true(range.equals(blob.subarray(100, 200)));
});

test('a file shorter than the range breaks the response instead of sending less or hanging', async (t) => {
  const file = await put(join(await tempRoot(t), 'short'), patterned(100));
  const { url, sends } = await serve(t, { file, offset: 0 });
  await t.throwsAsync(async () => {
    const res = await fetch(`${url}/0-199`);
    await res.arrayBuffer();
  });
  await sends[0];
  t.pass('sendBlob resolved after destroying the response');
});

test('a client that goes away mid-blob ends the send (it resolves, nothing waits on the socket)', async (t) => {
  const file = await put(join(await tempRoot(t), 'big'), patterned(64 * MiB));
  const { url, sends } = await serve(t, { file, offset: 0 });
  await new Promise<void>((resolve, reject) => {
    const req = request(`${url}/0-${64 * MiB - 1}`, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    req.end();
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const ended = await Promise.race([sends[0]!.then(() => 'resolved'), new Promise((r) => setTimeout(() => r('still sending'), 5000))]);
  t.is(ended, 'resolved');
});
