// The plain-http blob GET that reads into reused buffers: a body framed by Content-Length comes
// through whole and in order however slowly it is read (the socket pauses while every buffer holds
// bytes not yet taken), each chunk valid until the next is asked for; a short body fails the read;
// a chunked answer is left to node:http; the status and headers of a 401 or a redirect are read.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { rawGet } from '../../src/pull-through/upstream-raw-get.ts';
import { isLent } from '../../src/support/lent-chunks.ts';

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
