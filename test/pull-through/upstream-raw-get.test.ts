// The plain-http blob GET that reads into reused buffers: a body framed by Content-Length comes
// through whole and in order however slowly it is read (the socket pauses while every buffer holds
// bytes not yet taken), each chunk valid until the next is asked for; a short body fails the read;
// a chunked answer is left to node:http; the status and headers of a 401 or a redirect are read.
// A reader that asks for it (FILLS) has the body read straight into its own buffers: each yielded
// full but the last, every buffer taken either yielded or given back, however the body ends.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { rawGet } from '../../src/pull-through/upstream-raw-get.ts';
import { FILLS, isLent, type LentChunks } from '../../src/support/lent-chunks.ts';

const MiB = 1024 * 1024;

function patterned(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i + 4 <= n; i += 4) b.writeUInt32LE((i * 2654435761) >>> 0, i);
  return b;
}

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

test('a Content-Length body comes through whole and in order, read slowly; chunks are lent and copied by the reader', async (t) => {
  const blob = patterned(8 * MiB + 13);
  const { url, server } = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': blob.length, 'docker-content-digest': 'sha256:x' });
    res.end(blob);
  });
  t.teardown(() => server.close());
  const answer = await rawGet(new URL('/v2/a/blobs/x', url), 'Bearer t');
  if (answer === 'unsupported') return t.fail('answer not read');
  t.is(answer.status, 200);
  t.is(answer.header('docker-content-digest'), 'sha256:x');
  t.true(isLent(answer.body));
  const copies: Buffer[] = [];
  let n = 0;
  for await (const chunk of answer.body) {
    // a slow reader now and then: the socket must wait, not read over the chunk lent or those queued
    if (n++ % 7 === 0) await new Promise((r) => setTimeout(r, 2));
    copies.push(Buffer.from(chunk));
  }
  const got = Buffer.concat(copies);
  t.is(got.length, blob.length);
  t.is(sha(got), sha(blob));
});

test('the request carries the path, query, host and authorization; a 401 answers its challenge header', async (t) => {
  let seen: { url?: string; host?: string; authorization?: string } = {};
  const { url, server } = await serve((req, res) => {
    seen = { url: req.url, host: req.headers.host, authorization: req.headers.authorization };
    res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://x/token",service="s"', 'content-length': 2 });
    res.end('no');
  });
  t.teardown(() => server.close());
  const answer = await rawGet(new URL('/v2/a/blobs/sha256:1?x=1', url), 'Basic abc');
  if (answer === 'unsupported') return t.fail('answer not read');
  t.is(answer.status, 401);
  t.is(answer.header('www-authenticate'), 'Bearer realm="http://x/token",service="s"');
  answer.discard();
  t.deepEqual(seen, { url: '/v2/a/blobs/sha256:1?x=1', host: new URL(url).host, authorization: 'Basic abc' });
});

test('a body cut short fails its read', async (t) => {
  const { url, server } = await serve((req, res) => {
    res.writeHead(200, { 'content-length': 4 * MiB });
    res.write(patterned(MiB), () => req.socket.destroy());
  });
  t.teardown(() => server.close());
  const answer = await rawGet(new URL('/b', url), undefined);
  if (answer === 'unsupported') return t.fail('answer not read');
  await t.throwsAsync(async () => {
    for await (const _ of answer.body);
  });
});

test('a chunked answer is unsupported (the caller asks node:http); an unreachable upstream rejects', async (t) => {
  const { url, server } = await serve((_req, res) => {
    res.writeHead(200);
    res.write('abc');
    res.end('def');
  });
  t.teardown(() => server.close());
  t.is(await rawGet(new URL('/c', url), undefined), 'unsupported');
  const closed = await serve(() => undefined);
  const port = new URL(closed.url).port;
  await new Promise((r) => closed.server.close(r));
  await t.throwsAsync(rawGet(new URL(`http://127.0.0.1:${port}/d`), undefined));
});

test('an empty body ends at once', async (t) => {
  const { url, server } = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': 0 });
    res.end();
  });
  t.teardown(() => server.close());
  const answer = await rawGet(new URL('/e', url), undefined);
  if (answer === 'unsupported') return t.fail('answer not read');
  const chunks: Uint8Array[] = [];
  for await (const c of answer.body) chunks.push(c);
  t.deepEqual(chunks, []);
});

/** Fills buffers of `size` from `body` (FILLS), reading slowly now and then; answers what was yielded and the pool's balance. */
async function fillAll(body: LentChunks, size: number, stopAfter = Infinity) {
  const fill = body[FILLS];
  if (!fill) throw new Error('the body offers no fill');
  const out = { yielded: [] as Uint8Array[], taken: 0, given: 0, owned: new Set<ArrayBufferLike>() };
  const it = fill(
    () => {
      out.taken++;
      const b = Buffer.alloc(size);
      out.owned.add(b.buffer);
      return b;
    },
    (b) => {
      if (!out.owned.delete(b.buffer)) throw new Error('a buffer given back twice, or never taken');
      out.given++;
    },
  );
  try {
    for (let next = await it.next(); !next.done; next = await it.next()) {
      if (!out.owned.delete(next.value.buffer)) throw new Error('a buffer yielded that was not taken (or yielded twice)');
      if (next.value.byteOffset !== 0) throw new Error('a buffer yielded from past its first byte');
      out.yielded.push(next.value);
      if (out.yielded.length >= stopAfter) break;
      if (out.yielded.length % 3 === 0) await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    if (out.yielded.length >= stopAfter) await it.return?.();
  }
  return out;
}

test('a reader that has its buffers filled gets the body whole and in order, every buffer full but the last', async (t) => {
  const blob = patterned(5 * MiB + 77);
  const { url, server } = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': blob.length });
    res.end(blob);
  });
  t.teardown(() => server.close());
  const answer = await rawGet(new URL('/f', url), undefined);
  if (answer === 'unsupported') return t.fail('answer not read');
  // the socket reads on (into its own buffers) before the reader comes: those bytes are copied into the first ones filled
  await new Promise((r) => setTimeout(r, 20));
  const size = 1024 * 1024;
  const out = await fillAll(answer.body, size);
  t.is(Buffer.concat(out.yielded).length, blob.length);
  t.is(sha(Buffer.concat(out.yielded)), sha(blob));
  t.true(out.yielded.slice(0, -1).every((b) => b.byteLength === size));
  t.is(out.taken, out.yielded.length + out.given);
  t.is(out.owned.size, 0);
});

test('a filled body that fails, or that its reader leaves, gives back every buffer it did not yield', async (t) => {
  const { url, server } = await serve((req, res) => {
    res.writeHead(200, { 'content-length': 8 * MiB });
    if (req.url === '/cut') res.write(patterned(3 * MiB + 5), () => req.socket.destroy());
    else res.end(patterned(8 * MiB));
  });
  t.teardown(() => server.close());
  const cut = await rawGet(new URL('/cut', url), undefined);
  if (cut === 'unsupported') return t.fail('answer not read');
  const fill = cut.body[FILLS]!;
  const taken = new Set<ArrayBufferLike>();
  const it = fill(
    () => {
      const b = Buffer.alloc(MiB);
      taken.add(b.buffer);
      return b;
    },
    (b) => t.true(taken.delete(b.buffer)),
  );
  await t.throwsAsync(async () => {
    for (let next = await it.next(); !next.done; next = await it.next()) t.true(taken.delete(next.value.buffer));
  });
  t.is(taken.size, 0);
  const left = await rawGet(new URL('/whole', url), undefined);
  if (left === 'unsupported') return t.fail('answer not read');
  const state = await fillAll(left.body, MiB, 2);
  t.is(state.yielded.length, 2);
  t.is(state.owned.size, 0);
  t.is(state.taken, 2 + state.given);
});

test('a small body that came whole with the headers is filled into one buffer', async (t) => {
  const { url, server } = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': 5 });
    res.end('hello');
  });
  t.teardown(() => server.close());
  const answer = await rawGet(new URL('/s', url), undefined);
  if (answer === 'unsupported') return t.fail('answer not read');
  await new Promise((r) => setTimeout(r, 20));
  const out = await fillAll(answer.body, MiB);
  t.deepEqual(
    out.yielded.map((b) => Buffer.from(b).toString()),
    ['hello'],
  );
  t.is(out.owned.size, 0);
});
