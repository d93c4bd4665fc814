// Request bodies (node:http's IncomingMessage, read from their events: write-body.ts) staged by
// UploadStaging: the PATCHes of one upload go on with its hash, a body that runs over its limit or
// is cut off by its client is refused and cut back, and a body of another kind after them goes on
// with the right hash. A body larger than one write batch is hashed by the hashing worker, handed
// its chunks once written (or, when someone watches the writes, reading the staged file back:
// hash-worker.ts); the upload's hash goes on there between PATCHes.
import { once } from 'node:events';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { WRITE_BATCH } from '../../src/blobs/batch-writers.ts';
import { BlobStore } from '../../src/blobs/blob-store.ts';
import { UploadStaging } from '../../src/blobs/upload-staging.ts';
import { writeBody } from '../../src/blobs/write-body.ts';
import { LENT, type LentChunks } from '../../src/support/lent-chunks.ts';
import { exists, patterned, sha256, tempRoot } from './blob-helpers.ts';
import { sameBytes } from '../support/bytes.ts';

interface Received {
  req: IncomingMessage;
  res: ServerResponse;
}

/**
 * A local server whose requests the test takes as bodies: `send(bytes)` sends a PATCH with
 * `bytes` (or only its first `cut` bytes, then destroys the request) and answers the server's
 * side of it.
 */
async function bodies(t: ExecutionContext): Promise<(bytes: Buffer, cut?: number) => Promise<Received>> {
  const waiting: ((r: Received) => void)[] = [];
  const server = createServer((req, res) => waiting.shift()?.(Object.assign({ req, res })));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  return (bytes, cut) => {
    const received = new Promise<Received>((resolve) => waiting.push(resolve));
    const req = request({ port, host: '127.0.0.1', method: 'PATCH', headers: { 'content-length': bytes.length } }, (res) => res.resume());
    req.on('error', () => undefined);
    if (cut === undefined) req.end(bytes);
    else {
      req.write(bytes.subarray(0, cut));
      setTimeout(() => req.destroy(), 50);
    }
    return received;
  };
}

const stagedSize = async (store: BlobStore, id: string): Promise<number> => (await stat(store.stagingPath(id))).size;

test('request bodies are staged whole; the PATCHes of one upload go on with its hash', async (t) => {
  const send = await bodies(t);
  const store = new BlobStore(await tempRoot(t), { durable: true });
  const staging = new UploadStaging(store);
  const parts = [patterned(3.5 * 1024 * 1024 + 123), patterned(70_000, 9), patterned(1024 * 1024, 5)];
  let offset = 0;
  for (const [i, part] of parts.entries()) {
    const { req, res } = await send(part);
    let ended = '';
    t.is(await staging.append('u', offset, req, Infinity, { ended: (d) => (ended = d) }), part.length);
    res.end();
    offset += part.length;
    t.is(ended, sha256(Buffer.concat(parts.slice(0, i + 1))), 'the digest of every byte staged so far');
  }
  const whole = Buffer.concat(parts);
  t.true((await readFile(store.stagingPath('u'))).equals(whole));
  t.like(await staging.commit('u', whole.length, sha256(whole)), { ok: true, size: whole.length });
  sameBytes(t, await readFile(store.path(sha256(whole))), whole);
  await store.close();
});

test('a request body over its limit or cut off by its client is refused and cut back; the next one goes on with the right hash', async (t) => {
  const send = await bodies(t);
  const store = new BlobStore(await tempRoot(t), { durable: true });
  const staging = new UploadStaging(store);
  const first = patterned(2 * 1024 * 1024 + 5);
  const good = await send(first);
  t.is(await staging.append('u', 0, good.req), first.length);
  good.res.end();
  const long = await send(patterned(3 * 1024 * 1024, 1));
  await t.throwsAsync(staging.append('u', first.length, long.req, 1024 * 1024), { instanceOf: RangeError });
  t.true(long.req.destroyed, 'the rest of a refused body is not read');
  t.is(await stagedSize(store, 'u'), first.length, 'a body over its limit keeps nothing');
  // more than one batch is written before the client goes away
  const cut = await send(patterned(6 * 1024 * 1024, 2), 3 * 1024 * 1024);
  await t.throwsAsync(staging.append('u', first.length, cut.req));
  t.is(await stagedSize(store, 'u'), first.length, 'the bytes of the failed append are gone');
  const last = patterned(1500, 3);
  const next = await send(last);
  t.is(await staging.append('u', first.length, next.req), last.length);
  next.res.end();
  const whole = Buffer.concat([first, last]);
  t.like(await staging.commit('u', whole.length, sha256(whole)), { ok: true });
  sameBytes(t, await readFile(store.path(sha256(whole))), whole);
  await store.close();
});

test('after request bodies, a body of another kind goes on with the right hash', async (t) => {
  const send = await bodies(t);
  const store = new BlobStore(await tempRoot(t), { durable: false });
  const staging = new UploadStaging(store);
  const first = patterned(1024 * 1024 + 7);
  const { req, res } = await send(first);
  await staging.append('u', 0, req);
  res.end();
  const more = Buffer.from('and then some bytes from elsewhere');
  async function* elsewhere(): AsyncIterable<Uint8Array> {
    yield more;
  }
  let ended = '';
  t.is(await staging.append('u', first.length, elsewhere(), Infinity, { ended: (d) => (ended = d) }), more.length);
  const whole = Buffer.concat([first, more]);
  t.is(ended, sha256(whole));
  t.like(await staging.commit('u', whole.length, sha256(whole)), { ok: true });
  // and a request body after that one
  const tail = patterned(2 * 1024 * 1024, 4);
  const again = await send(tail);
  await staging.append('u', whole.length, again.req);
  again.res.end();
  const all = Buffer.concat([whole, tail]);
  t.like(await staging.commit('u', all.length, sha256(all)), { ok: true });
  await store.close();
});

test('a request body larger than one write batch is hashed by the worker; a smaller one on the event loop', async (t) => {
  const send = await bodies(t);
  const dir = await tempRoot(t);
  for (const [size, where] of [
    [WRITE_BATCH + 1, 'follow'],
    [5 * WRITE_BATCH + 17, 'follow'],
    [WRITE_BATCH - 1, 'hash'],
    [4096, 'hash'],
  ] as const) {
    const bytes = patterned(size, size & 0xff);
    const path = join(dir, `body-${size}`);
    const fh = await open(path, 'w');
    const { req, res } = await send(bytes);
    const got = await writeBody(fh, req, 0, Infinity, { path });
    res.end();
    await fh.close();
    t.is(got.written, size);
    t.truthy(got[where], `${size} bytes: hashed by ${where === 'follow' ? 'the worker' : 'the event loop'}`);
    const digest = got.follow ? await got.follow.seal() : `sha256:${got.hash!.digest('hex')}`;
    got.follow?.drop();
    t.is(digest, sha256(bytes));
  }
});

test("a large request body's chunks are handed to the worker once written (it does not read the file back), unless someone watches the writes", async (t) => {
  const send = await bodies(t);
  const dir = await tempRoot(t);
  const bytes = patterned(3 * WRITE_BATCH + 4321, 3);
  // the worker is pointed at a decoy of the same length: its digest shows which bytes it hashed
  const decoy = join(dir, 'decoy');
  await writeFile(decoy, Buffer.alloc(bytes.length, 0xee));
  for (const watched of [false, true]) {
    const path = join(dir, `body-${watched}`);
    const fh = await open(path, 'w');
    const { req, res } = await send(bytes);
    let heard = 0;
    const watch = watched ? { written: (length: number) => void (heard = length) } : {};
    const got = await writeBody(fh, req, 0, Infinity, { path: decoy }, watch);
    res.end();
    await fh.close();
    t.is(got.written, bytes.length);
    sameBytes(t, await readFile(path), bytes, 'the staged file holds the body');
    const digest = await got.follow!.seal();
    got.follow!.drop();
    if (watched) {
      t.is(heard, bytes.length);
      t.is(digest, sha256(Buffer.alloc(bytes.length, 0xee)), 'watched: its chunks are kept, the file is read back');
    } else t.is(digest, sha256(bytes), 'the chunks themselves were hashed');
  }
});

test("an upload's hash goes on in the worker across large and small PATCHes and a lent body; from the first byte again it starts anew; a wrong digest is refused with the actual one", async (t) => {
  const send = await bodies(t);
  const store = new BlobStore(await tempRoot(t), { durable: true });
  const staging = new UploadStaging(store);
  const stage = async (offset: number, bytes: Buffer): Promise<string> => {
    const { req, res } = await send(bytes);
    let ended = '';
    t.is(await staging.append('u', offset, req, Infinity, { ended: (d) => (ended = d) }), bytes.length);
    res.end();
    return ended;
  };
  // a large one first (on the worker), then one sent again from the first byte: its hash starts anew
  await stage(0, patterned(3 * 1024 * 1024, 1));
  const first = patterned(2 * 1024 * 1024 + 11, 2);
  t.is(await stage(0, first), sha256(first));
  const small = patterned(5000, 3);
  t.is(await stage(first.length, small), sha256(Buffer.concat([first, small])));
  // a lent body (an upstream's bytes) goes on from a hash on the event loop: rebuilt from the file
  const lentPart = patterned(1024 * 1024 + 3, 4);
  const buf = Buffer.alloc(70_000);
  const lentBody: LentChunks = {
    [LENT]: true,
    async *[Symbol.asyncIterator]() {
      for (let at = 0; at < lentPart.length; at += buf.length) {
        const n = lentPart.copy(buf, 0, at, Math.min(lentPart.length, at + buf.length));
        yield buf.subarray(0, n);
      }
    },
  };
  let ended = '';
  const sofar = first.length + small.length;
  await staging.append('u', sofar, lentBody, Infinity, { ended: (d) => (ended = d) });
  t.is(ended, sha256(Buffer.concat([first, small, lentPart])));
  const large = patterned(4 * 1024 * 1024 + 1, 5);
  const whole = Buffer.concat([first, small, lentPart, large]);
  t.is(await stage(sofar + lentPart.length, large), sha256(whole));
  const wrong = sha256('something else');
  t.deepEqual(await staging.commit('u', whole.length, wrong), { ok: false, actual: sha256(whole), size: whole.length });
  t.false(await exists(store.path(wrong)));
  t.like(await staging.commit('u', whole.length, sha256(whole)), { ok: true, size: whole.length });
  sameBytes(t, await readFile(store.path(sha256(whole))), whole);
  await store.close();
});
