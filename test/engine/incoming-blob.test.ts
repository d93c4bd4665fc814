// A blob arriving from an upstream (engine/incoming-blob.ts): a reader that asks before its first
// bytes are staged is sent them as they come, not once the whole blob is stored; bytes that do
// not match the digest cut every reader short and nothing enters the store. Lent chunks (a source
// reading into reused buffers) come through the same way.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { BlobStore } from '../../src/blobs/blob-store.ts';
import { UploadStaging } from '../../src/blobs/upload-staging.ts';
import { receiveBlob } from '../../src/engine/incoming-blob.ts';
import { LENT, type LentChunks } from '../../src/support/lent-chunks.ts';
import { patterned, sha256, tempRoot } from '../blobs/blob-helpers.ts';

const MiB = 1024 * 1024;

/** A server whose every request is answered by `handler`; answers GET of a range `start-end`. */
async function serve(t: ExecutionContext, handler: (res: ServerResponse, start: number, end: number) => void) {
  const server = createServer((req, res) => {
    const [start, end] = (req.url ?? '/0-0').slice(1).split('-').map(Number) as [number, number];
    res.writeHead(200, { 'Content-Length': String(end - start + 1) });
    handler(res, start, end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async (start: number, end: number): Promise<Buffer> => Buffer.from(await (await fetch(`${base}/${start}-${end}`)).arrayBuffer());
}

/** `bytes` in pieces of `size`, lent from one reused buffer; waits for `gate` before the last piece. */
function lentSource(bytes: Buffer, size: number, gate: Promise<void>): LentChunks {
  const buf = Buffer.alloc(size);
  return {
    [LENT]: true,
    async *[Symbol.asyncIterator]() {
      for (let at = 0; at < bytes.length; at += size) {
        if (at + size >= bytes.length) await gate;
        const n = Math.min(size, bytes.length - at);
        buf.set(bytes.subarray(at, at + n));
        yield buf.subarray(0, n);
        buf.fill(0);
      }
    },
  };
}

test('a reader that comes before the first bytes is sent them as they are staged, before the blob is complete', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: true });
  t.teardown(() => store.close());
  const blob = patterned(2 * MiB + 100);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let asked!: () => void;
  const askedFirst = new Promise<void>((resolve) => {
    asked = resolve;
  });
  const incoming = receiveBlob(
    new UploadStaging(store),
    store,
    {
      digest: sha256(blob),
      uploadId: 'u1',
      size: blob.length,
      // the upstream answers once the first reader asked: the staged file does not exist yet then
      open: async () => {
        await askedFirst;
        return lentSource(blob, 64 * 1024 + 3, gate);
      },
    },
    () => undefined,
  );
  const get = await serve(t, (res, start, end) => {
    void incoming.send(res, start, end);
    asked();
  });
  const first = await get(0, MiB - 1);
  t.true(first.equals(blob.subarray(0, MiB)), 'the first MiB came while the last bytes had not');
  t.is(await store.locate(sha256(blob)), undefined, 'nothing is stored yet');
  const whole = get(0, blob.length - 1);
  open();
  t.deepEqual(await incoming.done, { size: blob.length });
  t.true((await whole).equals(blob));
  t.truthy(await store.locate(sha256(blob)));
});

test('bytes that do not match the digest cut the reader short; nothing is stored', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: false });
  t.teardown(() => store.close());
  const blob = patterned(3 * MiB + 5);
  const claimed = sha256(patterned(3 * MiB + 5, 1));
  const incoming = receiveBlob(
    new UploadStaging(store),
    store,
    { digest: claimed, uploadId: 'u2', open: async () => lentSource(blob, 100_000, Promise.resolve()) },
    () => undefined,
  );
  const get = await serve(t, (res, start, end) => void incoming.send(res, start, end));
  await t.throwsAsync(get(0, blob.length - 1), undefined, 'the answer is not complete');
  await t.throwsAsync(incoming.done, { message: /digest/ });
  t.is(await store.locate(claimed), undefined);
  t.is(await store.locate(sha256(blob)), undefined);
});

test('a blob smaller than one write batch (hashed on the event loop) that does not match its digest is refused the same way', async (t) => {
  const store = new BlobStore(await tempRoot(t), { durable: false });
  t.teardown(() => store.close());
  const blob = patterned(50_001);
  const claimed = sha256(patterned(50_001, 1));
  const incoming = receiveBlob(
    new UploadStaging(store),
    store,
    { digest: claimed, uploadId: 'u3', open: async () => lentSource(blob, 16_384, Promise.resolve()), size: blob.length },
    () => undefined,
  );
  const get = await serve(t, (res, start, end) => void incoming.send(res, start, end));
  await t.throwsAsync(get(0, blob.length - 1), undefined, 'the answer is not complete');
  await t.throwsAsync(incoming.done, { message: /digest/ });
  t.is(await store.locate(claimed), undefined);
  t.is(await store.locate(sha256(blob)), undefined);
  // the same bytes under their own digest are stored
  const right = receiveBlob(
    new UploadStaging(store),
    store,
    { digest: sha256(blob), uploadId: 'u4', open: async () => lentSource(blob, 16_384, Promise.resolve()), size: blob.length },
    () => undefined,
  );
  t.deepEqual(await right.done, { size: blob.length });
  t.truthy(await store.locate(sha256(blob)));
});
