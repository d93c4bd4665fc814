// A blob still arriving: readers that keep up are sent the staged chunks from memory (a bounded
// window of the latest ones); a reader behind the window reads the staged file; every reader gets
// exactly the bytes of its range, in order, whichever way they came.
import { appendFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { CountedLease } from '../../src/blobs/lease.ts';
import { type GrowingFile, sendGrowingBlob, StagedWindow } from '../../src/blobs/send-growing-blob.ts';
import { patterned, tempRoot } from './blob-helpers.ts';
import { sameBytes } from '../support/bytes.ts';

test('the window answers the held bytes of a range, across chunks, and nothing before its first byte', (t) => {
  const w = new StagedWindow(10);
  const bytes = patterned(16);
  w.add(0, [bytes.subarray(0, 4), bytes.subarray(4, 8)]);
  sameBytes(t, Buffer.concat(w.slice(2, 7)!), bytes.subarray(2, 7));
  sameBytes(t, Buffer.concat(w.slice(0, 100)!), bytes.subarray(0, 8));
  w.add(8, [bytes.subarray(8, 12), bytes.subarray(12, 16)]);
  // over its limit: the oldest chunks went
  t.is(w.slice(3, 16), undefined);
  sameBytes(t, Buffer.concat(w.slice(8, 16)!), bytes.subarray(8, 16));
  sameBytes(t, Buffer.concat(w.slice(13, 15)!), bytes.subarray(13, 15));
  t.is(w.slice(16, 20), undefined, 'nothing past what was added');
  w.clear();
  t.is(w.slice(8, 16), undefined);
});

test('the window holds the lease of the chunks it keeps, and a lent slice holds them until released', (t) => {
  const freed: string[] = [];
  const lease = (name: string) => new CountedLease(() => freed.push(name));
  const w = new StagedWindow(8);
  const bytes = patterned(16);
  const a = lease('a');
  const b = lease('b');
  w.add(0, [bytes.subarray(0, 4), bytes.subarray(4, 8)], a);
  a.release(); // the writer lets go: the window still holds both chunks
  const lent = w.lend(2, 8)!;
  sameBytes(t, Buffer.concat(lent.chunks), bytes.subarray(2, 8));
  w.add(8, [bytes.subarray(8, 16)], b);
  b.release();
  t.deepEqual(freed, [], 'a dropped chunk lent to a reader is not freed');
  lent.release();
  lent.release(); // twice is once
  t.deepEqual(freed, ['a'], 'freed once the reader let go too');
  w.clear();
  t.deepEqual(freed, ['a', 'b'], 'clear lets go of what the window held');
  t.is(w.lend(8, 16), undefined);
});

test('the window keeps chunks not written to the file yet past its limit, and drops them once written', (t) => {
  const w = new StagedWindow(8);
  const bytes = patterned(24);
  w.filed(0);
  w.add(0, [bytes.subarray(0, 8)]);
  w.add(8, [bytes.subarray(8, 16)]);
  w.add(16, [bytes.subarray(16, 24)]);
  sameBytes(t, Buffer.concat(w.slice(0, 24)!), bytes, 'nothing written yet: every chunk stays');
  w.filed(8);
  t.is(w.slice(0, 24), undefined, 'the first chunk went once written');
  sameBytes(t, Buffer.concat(w.slice(8, 24)!), bytes.subarray(8, 24), 'the next one is not written yet');
  w.filed(24);
  t.is(w.slice(8, 24), undefined);
  sameBytes(t, Buffer.concat(w.slice(16, 24)!), bytes.subarray(16, 24), 'the last chunk always stays');
});

test('readers of a growing blob get its bytes, from the window when they keep up and from the file when behind it', async (t) => {
  const path = join(await tempRoot(t), 'staged');
  const blob = patterned(3 * 1024 * 1024 + 777);
  const piece = 256 * 1024;
  const window = new StagedWindow(512 * 1024);
  let staged = 0;
  let wake: (() => void)[] = [];
  let windowed = 0;
  const growing: GrowingFile = {
    path,
    staged: () => staged,
    more: () => new Promise<void>((resolve) => wake.push(resolve)),
    recent: (pos, until) => {
      const held = window.lend(pos, until);
      if (held) windowed++;
      return held;
    },
  };
  await writeFile(path, '');
  const writer = async (): Promise<void> => {
    for (let at = 0; at < blob.length; at += piece) {
      const chunk = blob.subarray(at, Math.min(blob.length, at + piece));
      await appendFile(path, chunk);
      window.add(staged, [chunk]);
      staged += chunk.length;
      const waiting = wake;
      wake = [];
      for (const w of waiting) w();
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const server = createServer((req, res) => {
    const [start, end] = (req.url ?? '/0/0').slice(1).split('-').map(Number) as [number, number];
    res.writeHead(200, { 'Content-Length': String(end - start + 1) });
    void sendGrowingBlob(res, growing, start, end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (start: number, end: number): Promise<Buffer> =>
    Buffer.from(await (await fetch(`${base}/${start}-${end}`)).arrayBuffer());
  const keepingUp = get(0, blob.length - 1);
  const ranged = get(1000, 2_000_000);
  const writing = writer();
  // a reader that starts once 2 MiB are staged, at the first byte: behind the window
  while (staged < 2 * 1024 * 1024) await new Promise((r) => setTimeout(r, 1));
  const late = get(0, blob.length - 1);
  await writing;
  t.true((await keepingUp).equals(blob));
  t.true((await ranged).equals(blob.subarray(1000, 2_000_001)));
  t.true((await late).equals(blob));
  t.true(windowed > 0, 'the window served some of them');
});

test('a reader behind the window reads the file only as far as it is written, and the rest from the window', async (t) => {
  const path = join(await tempRoot(t), 'staged');
  const piece = 64 * 1024;
  const blob = patterned(8 * piece);
  const filedUpTo = 3 * piece;
  // the file holds its first three pieces, then zeros (a later write landed first: a hole); the window the last five
  await writeFile(path, Buffer.concat([blob.subarray(0, filedUpTo), Buffer.alloc(blob.length - filedUpTo)]));
  const window = new StagedWindow(2 * piece);
  window.filed(0);
  for (let at = 0; at < blob.length; at += piece) window.add(at, [blob.subarray(at, at + piece)]);
  window.filed(filedUpTo);
  t.is(window.slice(0, blob.length), undefined, 'the written pieces went from the window');
  const growing: GrowingFile = {
    path,
    staged: () => blob.length,
    filed: () => filedUpTo,
    more: () => Promise.reject(new Error('every byte is staged')),
    recent: (pos, until) => window.lend(pos, until),
  };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Length': String(blob.length) });
    void sendGrowingBlob(res, growing, 0, blob.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const got = Buffer.from(await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).arrayBuffer());
  t.true(got.equals(blob), 'no byte read past what the file holds');
});

test('a reader whose client goes away while a chunk is being written ends, and reads no more', async (t) => {
  const path = join(await tempRoot(t), 'staged');
  await writeFile(path, '');
  // more than the two sockets' buffers hold: its write is still under way when the client leaves
  const big = patterned(64 * 1024 * 1024);
  const window = new StagedWindow(128 * 1024 * 1024);
  let freed = 0;
  const lease = new CountedLease(() => freed++);
  window.add(0, [big], lease);
  lease.release(); // the window holds it now
  let lent = 0;
  const growing: GrowingFile = {
    path,
    staged: () => big.length,
    filed: () => 0,
    more: () => new Promise<void>((resolve) => setTimeout(resolve, 20)),
    recent: (pos, until) => {
      lent++;
      return window.lend(pos, until);
    },
  };
  let sent: Promise<boolean> | undefined;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Length': String(big.length + 10) });
    sent = sendGrowingBlob(res, growing, 0, big.length + 9);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  // a client that asks and reads nothing: the 64 MiB write cannot end; then it goes away
  const client = connect(port, '127.0.0.1');
  client.pause();
  client.on('error', () => undefined);
  client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  while (sent === undefined) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50));
  client.destroy();
  t.true(await sent, 'the reader ended');
  t.is(lent, 1, 'it asked for nothing more');
  window.clear();
  // the socket let go of the chunk when its write ended (the client's departure ends it): it was given back or left to the collector
  t.true(freed <= 1);
});
