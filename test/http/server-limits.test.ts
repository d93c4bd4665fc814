// Issue 10, points 9 and 12: timeouts for headers, idle connections and bodies, a connection cap,
// ECR request sizes as AWS bounds them, 431 for a huge path, each with a clear error; and a stop
// that lets the requests in flight finish (bounded) before it closes the journal.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { startEmulator, type EmulatorOptions } from '../../src/emulator.ts';
import { applyServerLimits, DEFAULT_LIMITS, serverOptions } from '../../src/http/server-limits.ts';
import { createLogger } from '../../src/support/logger.ts';
import { RegistryDriver, sha256 } from '../../src/testkit/registry-driver.ts';
import { tempDir } from '../rewind/rewind-support.ts';
import { serveBin } from '../support/bin.ts';

/** A syntactically valid SigV4 header: the ECR face reads the scope from it. */
const SIGV4 =
  'Authorization: AWS4-HMAC-SHA256 Credential=000000000000/20260101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=0';

const quick = (limits: EmulatorOptions['limits'], extra: EmulatorOptions = {}) =>
  startEmulator({ auth: 'none', fsync: 'never', logger: false, limits, ...extra });

/** A raw connection: what it receives, and when it closes. */
function socketTo(port: number): { socket: Socket; received: () => string; closed: Promise<number> } {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  const started = Date.now();
  socket.setEncoding('utf8').on('data', (d: string) => (data += d));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
  return { socket, received: () => data, closed };
}

test('a connection that sends nothing, or trickles its headers, is answered 408 and closed', async (t) => {
  await using emu = await quick({ headersTimeoutMs: 400 });
  const silent = socketTo(emu.port);
  const trickle = socketTo(emu.port);
  trickle.socket.write('GET /v2/ HTTP/1.1\r\n');
  const timer = setInterval(() => trickle.socket.writable && trickle.socket.write('X-Slow: 1\r\n'), 100);
  await Promise.all([silent.closed, trickle.closed]);
  clearInterval(timer);
  for (const c of [silent, trickle]) {
    t.regex(c.received(), /^HTTP\/1\.1 408 Request Timeout/);
    t.regex(c.received(), /did not arrive in time/);
  }
});

test('a request whose body stops arriving is answered 408 after the idle timeout', async (t) => {
  await using emu = await quick({ idleTimeoutMs: 400 });
  await new RegistryDriver(emu.endpoint).createRepository('idle');
  const c = socketTo(emu.port);
  c.socket.write(
    `POST /v2/idle/blobs/uploads/?digest=${sha256('x'.repeat(1000))} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n${'x'.repeat(10)}`,
  );
  await c.closed;
  t.regex(c.received(), /^HTTP\/1\.1 408/);
  t.regex(c.received(), /nothing arrived for 0.4 s/);
  t.is(emu.engine.state.repos.size, 1);
  t.is(emu.engine.state.blobs.size, 0);
});

test('a request that has arrived is answered however long the server works on it: the idle timeout is for clients', async (t) => {
  const limits = { ...DEFAULT_LIMITS, idleTimeoutMs: 300 };
  const server = createServer(serverOptions(limits), (req, res) => {
    // the body is read at once, the answer comes after three idle timeouts (a slow first request, a long commit)
    req.resume();
    req.on('end', () => setTimeout(() => res.end('done'), 1000));
  });
  applyServerLimits(server, limits, createLogger('silent'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  const c = socketTo(port);
  c.socket.write('POST /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
  await c.closed;
  t.regex(c.received(), /^HTTP\/1\.1 200 OK/);
  t.regex(c.received(), /done$/);
});

test('a JSON body (ECR, admin) must arrive within the body deadline', async (t) => {
  await using emu = await quick({ bodyTimeoutMs: 400, idleTimeoutMs: 10_000 });
  for (const [path, headers] of [
    ['/_rewind/marks', 'Content-Type: application/json'],
    ['/', `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.CreateRepository\r\nContent-Type: application/x-amz-json-1.1\r\n${SIGV4}`],
  ] as const) {
    const c = socketTo(emu.port);
    c.socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\nContent-Length: 100\r\n\r\n{`);
    let sent = 1;
    const timer = setInterval(() => sent++ < 50 && c.socket.writable && c.socket.write(' '), 100);
    await c.closed;
    clearInterval(timer);
    t.regex(c.received(), /^HTTP\/1\.1 408/, path);
    t.regex(c.received(), /did not arrive within 0.4 s/, path);
  }
});

test('past the connection cap a new connection is answered 503 and closed', async (t) => {
  await using emu = await quick({ maxConnections: 4, headersTimeoutMs: 20_000 });
  const held = Array.from({ length: 4 }, () => socketTo(emu.port));
  await sleep(100);
  const extra = socketTo(emu.port);
  extra.socket.write('GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await extra.closed;
  t.regex(extra.received(), /^HTTP\/1\.1 503 Service Unavailable/);
  t.regex(extra.received(), /too many connections \(at most 4 at once\)/);
  for (const h of held) h.socket.destroy();
  await Promise.all(held.map((h) => h.closed));
  await sleep(50);
  t.is((await fetch(`${emu.endpoint}/v2/`)).status, 200, 'room again once they are gone');
});

test('a 100,000-character path is answered 431 (not a reset)', async (t) => {
  await using emu = await quick({});
  const c = socketTo(emu.port);
  c.socket.write(`GET /v2/${'a'.repeat(100_000)}/tags/list HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  await c.closed;
  t.regex(c.received(), /^HTTP\/1\.1 431 Request Header Fields Too Large/);
  t.regex(c.received(), /exceed 16384 bytes/);
});

test('ECR request bodies are bounded as AWS bounds them, and large ones share a memory budget', async (t) => {
  await using emu = await quick({ ecrBodyBudgetBytes: 20 * 1024 * 1024, ecrBodyWaitMs: 300 });
  const r = new RegistryDriver(emu.endpoint);
  await r.createRepository('limits');
  const { uploadId } = (await r.ecr('InitiateLayerUpload', { repositoryName: 'limits' })) as { uploadId: string };
  const part = (bytes: number) => ({
    repositoryName: 'limits',
    uploadId,
    partFirstByte: 0,
    partLastByte: bytes - 1,
    layerPartBlob: Buffer.alloc(bytes, 1).toString('base64'),
  });
  const tooBig = await r.ecr('UploadLayerPart', part(20_971_521)).catch((e: { status: number; body: string }) => e);
  t.is((tooBig as { status: number }).status, 400);
  t.regex((tooBig as { body: string }).body, /InvalidParameterException.*less than or equal to 20971520/);
  const huge = await r
    .ecr('CreateRepository', { repositoryName: 'x'.repeat(3), padding: 'p'.repeat(2 * 1024 * 1024) })
    .catch((e: { status: number; body: string }) => e);
  t.regex((huge as { body: string }).body, /InvalidParameterException.*larger than ECR accepts/);
  // a large part holds the budget while its body is still coming: of two, the one that came second is throttled
  const declared = 26 * 1024 * 1024;
  const raws = [socketTo(emu.port), socketTo(emu.port)];
  for (const c of raws)
    c.socket.write(
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AmazonEC2ContainerRegistry_V20150921.UploadLayerPart\r\nContent-Type: application/x-amz-json-1.1\r\n${SIGV4}\r\nContent-Length: ${declared}\r\n\r\n{`,
    );
  const deadline = Date.now() + 60_000;
  while (!raws.some((c) => c.received() !== '') && Date.now() < deadline) await sleep(50);
  const answered = raws.filter((c) => c.received() !== '');
  t.is(answered.length, 1);
  t.regex(answered[0]!.received(), /^HTTP\/1\.1 400[\s\S]*ThrottlingException[\s\S]*Rate exceeded/);
  for (const c of raws) c.socket.destroy();
  await Promise.all(raws.map((c) => c.closed));
  await sleep(50);
  t.deepEqual(await r.ecr('UploadLayerPart', part(1_000_000)), {
    registryId: '000000000000',
    repositoryName: 'limits',
    uploadId,
    lastByteReceived: 999_999,
  });
});

test('stop() lets a request in flight finish, then closes; it waits no longer than the drain bound', async (t) => {
  const emu = await quick({}, { drainMs: 5000 });
  await new RegistryDriver(emu.endpoint).createRepository('drain');
  const body = Buffer.alloc(4000, 5);
  const c = socketTo(emu.port);
  c.socket.write(
    `POST /v2/drain/blobs/uploads/?digest=${sha256(body)} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  c.socket.write(body.subarray(0, 1000));
  await sleep(100);
  const stopping = emu.stop();
  await sleep(300);
  c.socket.write(body.subarray(1000));
  await stopping;
  t.regex(c.received(), /^HTTP\/1\.1 201 Created/);
  t.true(existsSync(emu.config.journal) === false || !existsSync(join(emu.config.journal, 'LOCK')));

  const slow = await quick({}, { drainMs: 300 });
  await new RegistryDriver(slow.endpoint).createRepository('drain');
  const stuck = socketTo(slow.port);
  stuck.socket.write(`POST /v2/drain/blobs/uploads/?digest=${sha256(body)} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4000\r\n\r\nabc`);
  await sleep(100);
  const started = Date.now();
  await slow.stop();
  t.true(Date.now() - started < 3000, 'bounded');
  await stuck.closed;
});

test('an event stream ends when the emulator stops, without holding the stop up', async (t) => {
  const emu = await quick({}, { drainMs: 20_000 });
  const res = await fetch(`${emu.endpoint}/_rewind/events?follow=1`);
  const reader = res.body!.getReader();
  const started = Date.now();
  await emu.stop();
  t.true(Date.now() - started < 5000);
  for (;;) if ((await reader.read()).done) break;
  t.pass();
});

test('serve: SIGTERM lets an upload in flight finish, then exits 0 and releases the journal', async (t) => {
  t.timeout(60_000);
  const dir = await tempDir(t);
  const journal = join(dir, 'j');
  const served = await serveBin(['--journal', journal, '--auth', 'none', '--log-requests', 'debug']);
  const { child } = served;
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = Number(new URL(served.endpoint).port);
  await new RegistryDriver(`http://127.0.0.1:${port}`).createRepository('term');
  const body = Buffer.alloc(3000, 9);
  const c = socketTo(port);
  c.socket.write(`POST /v2/term/blobs/uploads/?digest=${sha256(body)} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3000\r\n\r\n`);
  c.socket.write(body.subarray(0, 100));
  await sleep(200);
  child.kill('SIGTERM');
  await sleep(300);
  c.socket.write(body.subarray(100));
  t.is(await exited, 0, served.stderr());
  t.regex(c.received(), /^HTTP\/1\.1 201 Created/);
  t.false(existsSync(join(journal, 'LOCK')));
  t.regex(served.stderr(), /finishing the requests in flight/);
});
