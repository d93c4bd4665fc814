// Request bodies (node:http's IncomingMessage, read from their events: write-body.ts) staged by
// UploadStaging: the PATCHes of one upload go on with its hash, a body that runs over its limit or
// is cut off by its client is refused and cut back, and a body of another kind after them goes on
// with the right hash.
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { BlobStore } from '../../src/blobs/blob-store.ts';
import { UploadStaging } from '../../src/blobs/upload-staging.ts';
import { patterned, sha256, tempRoot } from './blob-helpers.ts';

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
  t.deepEqual(await readFile(store.path(sha256(whole))), whole);
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
  t.deepEqual(await readFile(store.path(sha256(whole))), whole);
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
