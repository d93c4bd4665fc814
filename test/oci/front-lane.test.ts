// The /v2 front lane (src/http/oci/front-lane.ts) answers GET and HEAD of a stored manifest, and PUT of
// a manifest, before Koa builds a context. Its answers are compared byte for byte (apart from Date) with the router's (the
// same request with a trailing slash, which only the router takes) and with Koa's hot lane (the same
// request with a query string); every request it leaves to Koa is seen by Koa; its request log line
// is the one Koa's requests get.
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import test from 'ava';
import Koa from 'koa';
import { createLogger } from '../../src/support/logger.ts';
import { DOCKER_MANIFEST, OCI_MANIFEST, startRegistry } from './registry-fixture.ts';

/** Counts the requests Koa handles (the ones the front lane leaves to it); undone at teardown. */
function countKoa(t: { teardown(fn: () => void): void }): () => number {
  const proto = Koa.prototype as unknown as { handleRequest: (...args: unknown[]) => unknown };
  const handle = proto.handleRequest;
  let n = 0;
  proto.handleRequest = function (this: unknown, ...args: unknown[]) {
    n++;
    return handle.apply(this, args);
  };
  t.teardown(() => {
    proto.handleRequest = handle;
  });
  return () => n;
}

/** One request on a fresh connection; the answer's bytes with the Date header taken out. */
function raw(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    if (body !== undefined) head += `Content-Length: ${body.length}\r\n`;
    socket.write(`${head}\r\n`);
    if (body !== undefined) socket.write(body);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    // a refused body (413) may be cut short by the server once it has answered (EPIPE here)
    let failed: Error | undefined;
    socket.on('error', (err) => {
      failed = err;
    });
    socket.on('close', () => {
      if (chunks.length === 0 && failed) reject(failed);
      else
        resolve(
          Buffer.concat(chunks)
            .toString('latin1')
            .replace(/\r\nDate: [^\r]*/, ''),
        );
    });
  });
}

const BASIC = `Basic ${Buffer.from('AWS:token').toString('base64')}`;

test.serial(
  'a manifest pull the front lane answers is the router’s answer byte for byte (apart from Date), and Koa never sees it',
  async (t) => {
    await using reg = await startRegistry({ auth: 'any' });
    const { digest } = await reg.pushImage('test/app', 'v1');
    // the first answer with a media type is Koa's: the front lane writes only Content-Types Koa wrote
    await raw(reg.url, 'HEAD', '/v2/test/app/manifests/v1', { authorization: BASIC });
    const koa = countKoa(t);
    const accepts: Record<string, string>[] = [
      { accept: OCI_MANIFEST },
      {},
      { accept: '*/*' },
      { accept: `${DOCKER_MANIFEST}, ${OCI_MANIFEST};q=0.5` },
    ];
    let answered = 0;
    for (const method of ['GET', 'HEAD'])
      for (const reference of ['v1', digest])
        for (const accept of accepts) {
          const headers = { authorization: BASIC, ...accept };
          const path = `/v2/test/app/manifests/${reference}`;
          const before = koa();
          const front = await raw(reg.url, method, path, headers);
          const tookIt = koa() === before;
          const router = await raw(reg.url, method, `${path}/`, headers);
          const hot = await raw(reg.url, method, `${path}?via=koa`, headers);
          t.is(koa(), before + 2, `${method} ${path} ${JSON.stringify(accept)}: the router and the hot lane are Koa's`);
          t.is(front, router, `${method} ${path} ${JSON.stringify(accept)}`);
          t.is(front, hot, `${method} ${path} ${JSON.stringify(accept)}`);
          if (tookIt) answered++;
          if (front.startsWith('HTTP/1.1 200')) t.true(tookIt, `${method} ${path} ${JSON.stringify(accept)}: a 200 of a stored manifest`);
        }
    t.true(answered >= 8, `the front lane answered ${answered} requests`);
  },
);

test.serial(
  'a manifest PUT the front lane answers is the router’s answer byte for byte (apart from Date), refusals included',
  async (t) => {
    await using reg = await startRegistry({ auth: 'any' });
    const { bytes, digest } = await reg.pushImage('test/app', 'v1');
    const doc = JSON.parse(bytes.toString()) as Record<string, unknown>;
    const withSubject = Buffer.from(
      JSON.stringify({ ...doc, annotations: { n: 'referrer' }, subject: { mediaType: OCI_MANIFEST, digest, size: bytes.length } }),
    );
    const unknownBlob = Buffer.from(
      JSON.stringify({
        ...doc,
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${'0'.repeat(64)}`, size: 1 }],
      }),
    );
    const koa = countKoa(t);
    const headers = { authorization: BASIC, 'content-type': OCI_MANIFEST };
    const cases: [string, Buffer, string][] = [
      ['v2', bytes, '201'],
      [digest, bytes, '201'],
      [`sha256:${'1'.repeat(64)}`, bytes, '400'],
      ['referrer', withSubject, '201'],
      ['broken', Buffer.from('{"schemaVersion": 2,'), '400'],
      ['unknown-blob', unknownBlob, '400'],
      ['too-large', Buffer.alloc(4 * 1024 * 1024 + 1, 32), '413'],
    ];
    for (const [reference, body, status] of cases) {
      const path = `/v2/test/app/manifests/${reference}`;
      const before = koa();
      const front = await raw(reg.url, 'PUT', path, headers, body);
      t.is(koa(), before, `PUT ${path}: the front lane answered`);
      const router = await raw(reg.url, 'PUT', `${path}/`, headers, body);
      const hot = await raw(reg.url, 'PUT', `${path}?via=koa`, headers, body);
      t.is(koa(), before + 2);
      t.true(front.startsWith(`HTTP/1.1 ${status}`), `PUT ${path}: ${front.split('\r\n')[0]}`);
      t.is(front, router, `PUT ${path}`);
      t.is(front, hot, `PUT ${path}`);
    }
    const subject = await raw(reg.url, 'PUT', '/v2/test/app/manifests/referrer', headers, withSubject);
    t.regex(subject, new RegExp(`\r\nOCI-Subject: ${digest}\r\n`));
  },
);

test.serial('requests the front lane cannot answer whole go to Koa, which answers them as before', async (t) => {
  await using reg = await startRegistry({ auth: 'any' });
  const { digest } = await reg.pushImage('test/app', 'v1');
  await (await reg.fetch(`/v2/test/app/manifests/${digest}`)).arrayBuffer();
  const koa = countKoa(t);
  const cases: [string, string, Record<string, string>, string][] = [
    ['GET', '/v2/test/app/manifests/v1', {}, '401'],
    ['GET', '/v2/test/app/manifests/nope', { authorization: BASIC }, '404'],
    ['GET', '/v2/test/app/manifests/bad!tag', { authorization: BASIC }, '404'],
    ['GET', '/v2/Test/App/manifests/v1', { authorization: BASIC }, '400'],
    ['GET', '/v2/no/such/manifests/v1', { authorization: BASIC }, '404'],
    ['GET', '/v2/test/app/manifests/sha256:abc', { authorization: BASIC }, '400'],
    ['GET', '/v2/test/app/manifests/v1?x=1', { authorization: BASIC }, '200'],
    ['GET', '/v2/test/app/manifests/v%31', { authorization: BASIC }, '200'],
    ['GET', '/v2/test/app/manifests/v1', { authorization: BASIC, accept: 'application/vnd.docker.distribution.manifest.v1+json' }, '200'],
    ['DELETE', '/v2/test/app/manifests/nope', { authorization: BASIC }, '404'],
    ['PUT', '/v2/test/app/manifests/v1', {}, '401'],
    ['PUT', '/v2/test/app/manifests/bad!tag', { authorization: BASIC }, '400'],
    ['PUT', `/v2/test/app/manifests/${digest}?tag=v9`, { authorization: BASIC }, '400'],
    ['GET', `/v2/test/app/blobs/${digest}`, { authorization: BASIC }, '200'],
  ];
  for (const [method, path, headers, status] of cases) {
    const before = koa();
    const answer = await raw(reg.url, method, path, headers);
    t.is(koa(), before + 1, `${method} ${path}: Koa answered`);
    t.true(answer.startsWith(`HTTP/1.1 ${status}`), `${method} ${path}: ${JSON.stringify(answer.slice(0, 200))}`);
    t.regex(answer, /\r\nDocker-Distribution-Api-Version: registry\/2\.0\r\n/, `${method} ${path}`);
  }
});

test.serial('a request the front lane answers is logged once, as Koa logs the same request', async (t) => {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  await using reg = await startRegistry({ logger: createLogger('info', { format: 'json', destination: stream }) });
  const { digest, bytes } = await reg.pushImage('test/app', 'v1');
  await raw(reg.url, 'HEAD', '/v2/test/app/manifests/v1/');
  const koa = countKoa(t);
  text = '';
  for (const [method, path] of [
    ['GET', `/v2/test/app/manifests/${digest}`],
    ['GET', `/v2/test/app/manifests/${digest}/`],
    ['HEAD', '/v2/test/app/manifests/v1'],
    ['HEAD', '/v2/test/app/manifests/v1/'],
    ['PUT', '/v2/test/app/manifests/v3'],
    ['PUT', '/v2/test/app/manifests/v3/'],
    ['PUT', `/v2/test/app/manifests/sha256:${'1'.repeat(64)}`],
    ['PUT', `/v2/test/app/manifests/sha256:${'1'.repeat(64)}/`],
  ] as const)
    await raw(reg.url, method, path, { accept: OCI_MANIFEST, 'content-type': OCI_MANIFEST }, method === 'PUT' ? bytes : undefined);
  await new Promise((r) => setTimeout(r, 50));
  t.is(koa(), 4, 'the paths with a trailing slash went to Koa');
  const lines = text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg: string; request?: Record<string, unknown> })
    .filter((l) => l.request !== undefined);
  t.is(lines.length, 8, 'one line per request');
  const shape = (l: (typeof lines)[number]) => {
    const { ms: _ms, path, ...rest } = l.request!;
    return { ...rest, path: String(path).replace(/\/$/, ''), msg: l.msg.replace(/\/ ->/, ' ->').replace(/\(\d+(\.\d+)? ms/, '(ms') };
  };
  t.deepEqual(shape(lines[0]!), shape(lines[1]!));
  t.deepEqual(shape(lines[2]!), shape(lines[3]!));
  t.deepEqual(shape(lines[4]!), shape(lines[5]!));
  t.deepEqual(shape(lines[6]!), shape(lines[7]!));
  t.like(lines[6]!.request, { method: 'PUT', status: 400, errorCode: 'DIGEST_INVALID' });
  t.like(lines[0]!.request, { method: 'GET', repository: 'test/app', status: 200, bytesOut: bytes.length });
  t.like(lines[2]!.request, { method: 'HEAD', repository: 'test/app', status: 200, bytesOut: bytes.length });
});
