// The logs: one line per request (method, path or ECR operation, repository, status, error
// code, why a refused request was refused, duration, bytes), at info or, with logRequests
// 'debug', below the default level; a follower that closes its stream is not an error;
// readable lines in local time when pretty, JSON otherwise.
import { Writable } from 'node:stream';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import test from 'ava';
import { startEmulator } from '../../src/index.ts';
import { createLogger } from '../../src/support/logger.ts';

interface Line {
  level: number;
  msg: string;
  request?: {
    method: string;
    path: string;
    operation?: string;
    repository?: string;
    status: number;
    errorCode?: string;
    reason?: string;
    ms: number;
    bytesIn: number;
    bytesOut: number;
    aborted?: boolean;
  };
}

function capture(): { stream: Writable; text: () => string; lines: () => Line[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    stream,
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

test('each request is logged once, with its operation, repository, status, error code, reason, time and bytes', async (t) => {
  const out = capture();
  await using emu = await startEmulator({ fsync: 'never', logger: createLogger('info', { format: 'json', destination: out.stream }) });
  const ecr = new ECRClient({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  t.teardown(() => ecr.destroy());
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
  await t.throwsAsync(ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' })));
  const v2 = await fetch(`${emu.endpoint}/v2/team/app/tags/list`);
  t.is(v2.status, 401);
  await fetch(`${emu.endpoint}/_rewind/health`);
  await settle();

  const requests = out.lines().filter((l) => l.request);
  t.is(requests.length, 4, out.text());
  const [created, refused, unauthorized, health] = requests.map((l) => l.request!);
  t.like(created, { method: 'POST', path: '/', operation: 'CreateRepository', repository: 'team/app', status: 200 });
  t.true(created!.bytesIn > 0 && created!.bytesOut > 0);
  t.true(created!.ms >= 0);
  t.like(refused, { operation: 'CreateRepository', status: 400, errorCode: 'RepositoryAlreadyExistsException' });
  t.regex(refused!.reason!, /already exists/);
  t.like(unauthorized, { method: 'GET', path: '/v2/team/app/tags/list', repository: 'team/app', status: 401, errorCode: 'UNAUTHORIZED' });
  t.is(unauthorized!.reason, 'authentication required');
  t.like(health, { path: '/_rewind/health', status: 200 });
  t.true(
    requests.every((l) => l.level === 30),
    'at info',
  );
  t.regex(
    requests[1]!.msg,
    /^POST CreateRepository team\/app -> 400 RepositoryAlreadyExistsException: .*already exists.* \([\d.]+ ms, \d+ B in, \d+ B out\)$/,
  );
  const banner = out.lines().find((l) => l.msg.startsWith('ecr-rewind serving'));
  t.truthy(banner, 'the start-up line goes through the logger');
});

test('logRequests "debug" puts the request lines below the default level', async (t) => {
  const out = capture();
  await using emu = await startEmulator({
    fsync: 'never',
    logRequests: 'debug',
    logger: createLogger('info', { format: 'json', destination: out.stream }),
  });
  await fetch(`${emu.endpoint}/_rewind/health`);
  await settle();
  t.is(out.lines().filter((l) => l.request).length, 0);
});

test('a follower that closes /_rewind/events?follow=1 is logged as aborted, not as an error', async (t) => {
  const out = capture();
  await using emu = await startEmulator({
    fsync: 'never',
    auth: 'none',
    logger: createLogger('debug', { format: 'json', destination: out.stream }),
  });
  await emu.engine.execute({
    type: 'CreateRepository',
    scope: { account: '000000000000', region: 'us-east-1' },
    repository: 'app',
    settings: {},
  });
  const controller = new AbortController();
  const res = await fetch(`${emu.endpoint}/_rewind/events?follow=1`, { signal: controller.signal });
  const reader = res.body!.getReader();
  await reader.read();
  controller.abort();
  await reader.read().catch(() => undefined);
  // the server learns of the close, then keeps writing events to nobody
  await settle();
  await emu.engine.execute({
    type: 'CreateRepository',
    scope: { account: '000000000000', region: 'us-east-1' },
    repository: 'app2',
    settings: {},
  });
  await settle();
  const lines = out.lines();
  t.deepEqual(
    lines.filter((l) => l.level >= 50),
    [],
    'no error lines',
  );
  const follow = lines.find((l) => l.request?.path === '/_rewind/events');
  t.like(follow?.request, { status: 200, aborted: true });
  t.regex(follow!.msg, /\(the client went away\)/);
});

test('pretty lines show the local time and the readable message; JSON lines stay JSON', async (t) => {
  const out = capture();
  const log = createLogger('info', { format: 'pretty', destination: out.stream });
  log.info({ request: { method: 'GET', path: '/x', status: 200 } }, 'GET /x -> 200 (1 ms, 0 B in, 2 B out)');
  const d = new Date();
  const hh = String(d.getHours()).padStart(2, '0');
  t.regex(out.text(), new RegExp(`^\\[${hh}:\\d{2}:\\d{2}\\.\\d{3}\\] INFO: GET /x -> 200 \\(1 ms, 0 B in, 2 B out\\)\\n$`));
  const json = capture();
  createLogger('info', { format: 'json', destination: json.stream }).info('hello');
  t.like(JSON.parse(json.text()), { level: 30, msg: 'hello' });
});
