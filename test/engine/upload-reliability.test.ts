// Issue 10, points 1, 2, 5, 6, 7 and upload expiry (9): uploads on a disk that fills, after a
// crash between storing a blob and recording it, internal errors answered as server faults,
// mounts only from what the caller can read, and uploads that expire on the registry's clock.
import { linkSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { BlobStore } from '../../src/blobs/blob-store.ts';
import { startEmulator } from '../../src/index.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { verifyJournal } from '../../src/replay/verify.ts';
import { RegistryDriver, sha256 } from '../../src/testkit/registry-driver.ts';
import { tempDir } from '../rewind/rewind-support.ts';

type FileHandleProto = {
  writev: (...a: unknown[]) => Promise<{ bytesWritten: number; buffers: unknown[] }>;
  datasync: () => Promise<void>;
};

/** The prototype every fs/promises FileHandle shares: the upload staging writes through it. */
async function fileHandleProto(dir: string): Promise<FileHandleProto> {
  const fh = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(fh) as FileHandleProto;
  await fh.close();
  return proto;
}

const enospc = (): Error => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });

async function errorBody(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { errors: { code: string; message: string }[] };
  return body.errors[0]!;
}

test.serial('a write cut short by a full disk is never acknowledged: 503 with an OCI error body, nothing recorded (point 1)', async (t) => {
  const dir = await tempDir(t);
  const proto = await fileHandleProto(dir);
  const writev = proto.writev;
  t.teardown(() => {
    proto.writev = writev;
  });
  await using emu = await startEmulator({ journal: join(dir, 'j'), auth: 'none', fsync: 'always', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  await r.createRepository('full');
  const blob = Buffer.alloc(300_000, 7);
  const digest = sha256(blob);
  // the disk fills during the write: the first writev stores part of the bytes, the next one fails
  let calls = 0;
  proto.writev = async function (this: unknown, ...args: unknown[]) {
    const [buffers, position] = args as [Uint8Array[], number];
    if (calls++ === 0) {
      const first = buffers[0]!;
      const part = first.subarray(0, Math.max(1, first.byteLength >> 1));
      return writev.call(this, [part], position);
    }
    throw enospc();
  };
  const seqBefore = emu.engine.lastSeq;
  const res = await fetch(`${emu.endpoint}/v2/full/blobs/uploads/?digest=${digest}`, { method: 'POST', body: blob });
  t.is(res.status, 503);
  t.truthy(res.headers.get('retry-after'));
  const e = await errorBody(res);
  t.is(e.code, 'UNAVAILABLE');
  t.regex(e.message, /disk is full/);
  t.is(emu.engine.lastSeq, seqBefore, 'nothing was recorded');
  t.is((await fetch(`${emu.endpoint}/v2/full/blobs/${digest}`, { method: 'HEAD' })).status, 404);

  // a chunked upload and an ECR layer part meet the same full disk
  calls = 1;
  const start = await fetch(`${emu.endpoint}/v2/full/blobs/uploads/`, { method: 'POST' });
  const location = start.headers.get('location')!;
  const patch = await fetch(`${emu.endpoint}${location}`, { method: 'PATCH', body: blob });
  t.is(patch.status, 503);
  const status = await fetch(`${emu.endpoint}${location}`);
  t.is(status.status, 204);
  t.is(status.headers.get('range'), '0-0', 'the upload is still empty');
  const { uploadId } = (await r.ecr('InitiateLayerUpload', { repositoryName: 'full' })) as { uploadId: string };
  const part = await r
    .ecr('UploadLayerPart', {
      repositoryName: 'full',
      uploadId,
      partFirstByte: 0,
      partLastByte: blob.length - 1,
      layerPartBlob: blob.toString('base64'),
    })
    .catch((err: { status: number; body: string }) => err);
  t.is((part as { status: number }).status, 500);
  t.regex((part as { body: string }).body, /"__type":"ServerException".*disk is full/);

  // a short write alone is continued: the blob is stored whole
  proto.writev = async function (this: unknown, ...args: unknown[]) {
    const [buffers, position] = args as [Uint8Array[], number];
    const first = buffers[0]!;
    return writev.call(this, [first.subarray(0, Math.max(1, first.byteLength >> 1))], position);
  };
  t.is(await r.pushBlob('full', blob), digest);
  proto.writev = writev;
  const back = Buffer.from(await (await fetch(`${emu.endpoint}/v2/full/blobs/${digest}`)).arrayBuffer());
  t.true(back.equals(blob));
  // and once there is space, the chunked upload goes on
  const done = await fetch(`${emu.endpoint}${location}?digest=${digest}`, { method: 'PUT', body: blob });
  t.is(done.status, 201);
});

test.serial('an internal error after the body was read is a 500 with a logged cause, not a client error (point 5)', async (t) => {
  const dir = await tempDir(t);
  const proto = await fileHandleProto(dir);
  const datasync = proto.datasync;
  t.teardown(() => {
    proto.datasync = datasync;
  });
  const logged: unknown[] = [];
  const logger = (await import('../../src/support/logger.ts')).createLogger('silent');
  const spy = Object.assign(Object.create(logger) as typeof logger, {
    error: (obj: unknown) => {
      logged.push(obj);
    },
  });
  await using emu = await startEmulator({ journal: join(dir, 'j'), auth: 'none', fsync: 'always', logger: spy });
  const r = new RegistryDriver(emu.endpoint);
  await r.createRepository('faulty');
  proto.datasync = async () => {
    throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
  };
  const blob = Buffer.from('bytes that reach the disk but not its platters');
  const res = await fetch(`${emu.endpoint}/v2/faulty/blobs/uploads/?digest=${sha256(blob)}`, { method: 'POST', body: blob });
  proto.datasync = datasync;
  t.is(res.status, 500);
  const e = await errorBody(res);
  t.is(e.code, 'UNKNOWN');
  t.true(logged.length > 0, 'the cause was logged');
});

test('a crash between storing a blob and recording it leaves an upload that completes, or a clean 404; never a 500 (point 2)', async (t) => {
  const dir = await tempDir(t);
  const journal = join(dir, 'j');
  const a = Buffer.alloc(70_000, 1);
  const b = Buffer.alloc(50_000, 2);
  let linked: string;
  let renamed: string;
  {
    await using emu = await startEmulator({ journal, auth: 'none', fsync: 'always', logger: false });
    const r = new RegistryDriver(emu.endpoint);
    await r.createRepository('crash');
    const open1 = await fetch(`${emu.endpoint}/v2/crash/blobs/uploads/`, { method: 'POST' });
    linked = open1.headers.get('location')!;
    t.is((await fetch(`${emu.endpoint}${linked}`, { method: 'PATCH', body: a })).status, 202);
    const open2 = await fetch(`${emu.endpoint}/v2/crash/blobs/uploads/`, { method: 'POST' });
    renamed = open2.headers.get('location')!;
    t.is((await fetch(`${emu.endpoint}${renamed}`, { method: 'PATCH', body: b })).status, 202);
  }
  // the state a crash leaves: the first upload's bytes linked into the store (this build),
  // the second's renamed into it (what earlier builds did), neither completion recorded; and a leftover
  const store = new BlobStore(journal, { durable: false });
  const id1 = linked.split('/').at(-1)!;
  const id2 = renamed.split('/').at(-1)!;
  mkdirSync(join(store.path(sha256(a)), '..'), { recursive: true });
  linkSync(store.stagingPath(id1), store.path(sha256(a)));
  mkdirSync(join(store.path(sha256(b)), '..'), { recursive: true });
  renameSync(store.stagingPath(id2), store.path(sha256(b)));
  writeFileSync(store.stagingPath('leftover-of-a-whole-blob-push'), 'x');

  await using emu = await startEmulator({ journal, auth: 'none', fsync: 'always', logger: false });
  // the linked upload still has its bytes: status answers, and it goes on without changing the stored blob
  const status = await fetch(`${emu.endpoint}${linked}`);
  t.is(status.status, 204);
  t.is(status.headers.get('range'), `0-${a.length - 1}`);
  const more = Buffer.alloc(10, 3);
  t.is((await fetch(`${emu.endpoint}${linked}`, { method: 'PATCH', body: more })).status, 202);
  const whole = Buffer.concat([a, more]);
  t.is((await fetch(`${emu.endpoint}${linked}?digest=${sha256(whole)}`, { method: 'PUT' })).status, 201);
  const r = new RegistryDriver(emu.endpoint);
  t.is(await r.pushBlob('crash', a), sha256(a));
  t.true(
    Buffer.from(await (await fetch(`${emu.endpoint}/v2/crash/blobs/${sha256(a)}`)).arrayBuffer()).equals(a),
    'the linked blob kept its bytes',
  );
  // the renamed upload lost its staged bytes: it was closed at start-up, and answers 404, not 500
  for (const res of [
    await fetch(`${emu.endpoint}${renamed}`),
    await fetch(`${emu.endpoint}${renamed}`, { method: 'PATCH', body: more }),
    await fetch(`${emu.endpoint}${renamed}?digest=${sha256(b)}`, { method: 'PUT' }),
  ]) {
    t.is(res.status, 404);
    t.is((await errorBody(res)).code, 'BLOB_UPLOAD_UNKNOWN');
  }
  t.is(await r.pushBlob('crash', b), sha256(b), 'the client pushes it again');
  t.false(readdirSync(join(journal, 'uploads')).includes('leftover-of-a-whole-blob-push'), 'leftovers are removed');
  const types = [...emu.events()].map((e) => e.type);
  t.true(types.includes('UploadExpired'));
  await emu.stop();
  t.true((await verifyJournal(await openHistory(journal))).ok);
});

test('verify accepts open uploads that have no bytes yet (point 6)', async (t) => {
  const dir = await tempDir(t);
  const journal = join(dir, 'j');
  {
    await using emu = await startEmulator({ journal, auth: 'none', fsync: 'never', logger: false });
    const r = new RegistryDriver(emu.endpoint);
    await r.createRepository('empty');
    await fetch(`${emu.endpoint}/v2/empty/blobs/uploads/`, { method: 'POST' });
    await r.ecr('InitiateLayerUpload', { repositoryName: 'empty' });
  }
  const report = await verifyJournal(await openHistory(journal));
  t.deepEqual(report.faults, []);
  t.true(report.ok);
});

test("a mount without `from` links only a blob of the caller's own registry (point 7)", async (t) => {
  await using emu = await startEmulator({ auth: 'token', fsync: 'never', logger: false });
  const alice = new RegistryDriver(emu.endpoint, { account: '111111111111' });
  const bob = new RegistryDriver(emu.endpoint, { account: '222222222222' });
  await alice.login();
  await bob.login();
  await alice.createRepository('alice/secret');
  await bob.createRepository('bob/app');
  const secret = Buffer.from('alice only');
  const digest = await alice.pushBlob('alice/secret', secret);
  const bobAuth = `Basic ${Buffer.from(`AWS:${await token(bob)}`).toString('base64')}`;
  for (const q of [`mount=${digest}`, `mount=${digest}&from=alice/secret`]) {
    const res = await fetch(`${emu.endpoint}/v2/bob/app/blobs/uploads/?${q}`, { method: 'POST', headers: { Authorization: bobAuth } });
    t.is(res.status, 202, `${q}: an upload instead of a mount`);
  }
  const head = await fetch(`${emu.endpoint}/v2/bob/app/blobs/${digest}`, { method: 'HEAD', headers: { Authorization: bobAuth } });
  t.is(head.status, 404);
  // within one registry, a mount without `from` still works
  await alice.createRepository('alice/other');
  const aliceAuth = `Basic ${Buffer.from(`AWS:${await token(alice)}`).toString('base64')}`;
  const own = await fetch(`${emu.endpoint}/v2/alice/other/blobs/uploads/?mount=${digest}`, {
    method: 'POST',
    headers: { Authorization: aliceAuth },
  });
  t.is(own.status, 201);
});

async function token(r: RegistryDriver): Promise<string> {
  const out = (await r.ecr('GetAuthorizationToken', {})) as { authorizationData: { authorizationToken: string }[] };
  return Buffer.from(out.authorizationData[0]!.authorizationToken, 'base64').toString('utf8').slice(4);
}

test('uploads expire 24 hours after they started on the registry clock, recorded as UploadExpired (point 9)', async (t) => {
  await using emu = await startEmulator({ auth: 'none', fsync: 'never', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  await r.createRepository('slow');
  const started = await fetch(`${emu.endpoint}/v2/slow/blobs/uploads/`, { method: 'POST' });
  const idle = started.headers.get('location')!;
  const touched = (await fetch(`${emu.endpoint}/v2/slow/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
  t.is((await fetch(`${emu.endpoint}${touched}`, { method: 'PATCH', body: 'abc' })).status, 202);
  const { uploadId } = (await r.ecr('InitiateLayerUpload', { repositoryName: 'slow' })) as { uploadId: string };
  await emu.clock.advance(23 * 3600 * 1000);
  t.is((await fetch(`${emu.endpoint}${touched}`, { method: 'PATCH', body: 'def' })).status, 202, 'still open after 23 hours');
  // the clock moves past 24 hours: advancing it through the admin API closes what is due
  const clock = await fetch(`${emu.endpoint}/_rewind/clock`, {
    method: 'POST',
    body: JSON.stringify({ advanceMs: 3600 * 1000 }),
    headers: { 'Content-Type': 'application/json' },
  });
  t.is(clock.status, 200);
  t.is(((await clock.json()) as { uploadsExpired: number }).uploadsExpired, 3);
  const expired = [...emu.events()].filter((e) => e.type === 'UploadExpired');
  t.is(expired.length, 3);
  t.true(expired.every((e) => e.type === 'UploadExpired' && e.data.reason === 'ttl'));
  for (const path of [idle, touched]) {
    const res = await fetch(`${emu.endpoint}${path}`, { method: 'PATCH', body: 'x' });
    t.is(res.status, 404);
    t.is((await errorBody(res)).code, 'BLOB_UPLOAD_UNKNOWN');
  }
  const part = await r
    .ecr('UploadLayerPart', { repositoryName: 'slow', uploadId, partFirstByte: 0, partLastByte: 0, layerPartBlob: 'eA==' })
    .catch((err: { body: string }) => err);
  t.regex((part as { body: string }).body, /UploadNotFoundException/);
  t.deepEqual(readdirSync(join(emu.config.journal, 'uploads')), []);
  // on access, without the sweep: a new upload past its time is closed when a chunk comes
  const later = (await fetch(`${emu.endpoint}/v2/slow/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
  emu.clock.advance(25 * 3600 * 1000);
  t.is((await fetch(`${emu.endpoint}${later}`, { method: 'PATCH', body: 'x' })).status, 404);
  t.is([...emu.events()].filter((e) => e.type === 'UploadExpired').length, 4);
});
