// Issue 10, point 4: a journal append that fails (a full disk) leaves nothing visible that was
// not journaled, is reported by health, is answered with a clear, accurate error on both faces,
// and the registry takes writes again by itself once the journal can be written; it stops cleanly.
import fs, { existsSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { startEmulator } from '../../src/index.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { verifyJournal } from '../../src/replay/verify.ts';
import { jsonBytes, MEDIA, RegistryDriver, sha256 } from '../../src/testkit/registry-driver.ts';
import { tempDir } from '../rewind/rewind-support.ts';

type WriteFn = (...args: unknown[]) => Promise<{ bytesWritten: number }>;
type SyncWrite = (fd: number, buffer: Buffer, offset: number, length: number, position: number) => number;

/**
 * The journal writes a small commit with fs.writeSync and a large one with FileHandle.write:
 * `fault` decides for each positioned write of either kind whether it fails (throws), is cut
 * short (writes half) or goes through. Undone by the test's teardown.
 */
function injectWriteFaults(
  t: { teardown(fn: () => void): void },
  proto: { write: WriteFn },
  fault: () => 'fail' | 'half' | 'pass',
  error = { code: 'ENOSPC', message: 'ENOSPC: no space left on device, write' },
) {
  const write = proto.write;
  const writeSync = fs.writeSync as unknown as SyncWrite;
  const outcome = (buffer: unknown, position: unknown) => (typeof buffer === 'object' && typeof position === 'number' ? fault() : 'pass');
  proto.write = async function (this: unknown, ...args: unknown[]) {
    const [buffer, offset, length, position] = args as [Buffer, number, number, number];
    const o = outcome(buffer, position);
    if (o === 'half') return write.call(this, buffer, offset, Math.max(1, length >> 1), position);
    if (o === 'fail') throw Object.assign(new Error(error.message), { code: error.code });
    return write.apply(this, args);
  };
  (fs as { writeSync: unknown }).writeSync = (fd: number, buffer: Buffer, offset: number, length: number, position: number) => {
    const o = outcome(buffer, position);
    if (o === 'half') return writeSync(fd, buffer, offset, Math.max(1, length >> 1), position);
    if (o === 'fail') throw Object.assign(new Error(error.message), { code: error.code });
    return writeSync(fd, buffer, offset, length, position);
  };
  syncBuiltinESMExports();
  const undo = () => {
    proto.write = write;
    (fs as { writeSync: unknown }).writeSync = writeSync;
    syncBuiltinESMExports();
  };
  t.teardown(undo);
  return undo;
}

test.serial(
  'an append that fails on a full disk: rolled back, 503 / ServerException, degraded health, resumed once it can write',
  async (t) => {
    const dir = await tempDir(t);
    const journal = join(dir, 'j');
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write: WriteFn };
    await probe.close();
    const write = proto.write;
    t.teardown(() => {
      proto.write = write;
    });

    // what the engine's probe sees of the journal's file system: full while the writes fail
    const statfs = fs.statfsSync;
    let full = false;
    fs.statfsSync = ((path: string) => ({ ...statfs(path), bavail: full ? 0 : statfs(path).bavail })) as typeof fs.statfsSync;
    syncBuiltinESMExports();
    t.teardown(() => {
      fs.statfsSync = statfs;
      syncBuiltinESMExports();
    });

    const emu = await startEmulator({ journal, auth: 'none', fsync: 'always', logger: false });
    t.teardown(() => emu.stop());
    const r = new RegistryDriver(emu.endpoint);
    await r.createRepository('app');
    const kept = await r.pushImage('app', 'kept', 'kept');
    const config = jsonBytes({ architecture: 'amd64', os: 'linux' });
    await r.pushBlob('app', config);
    const manifest = jsonBytes({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: sha256(config), size: config.length },
      layers: [],
    });
    const lastSeq = emu.engine.lastSeq;

    // the disk fills while the journal writes: part of the frame is written, then ENOSPC
    let calls = 0;
    full = true;
    const heal = injectWriteFaults(t, proto, () => (calls++ === 0 ? 'half' : 'fail'));
    const put = await fetch(`${emu.endpoint}/v2/app/manifests/failed`, {
      method: 'PUT',
      body: manifest,
      headers: { 'Content-Type': MEDIA.ociManifest },
    });
    t.is(put.status, 503);
    const body = (await put.json()) as { errors: { code: string; message: string }[] };
    t.is(body.errors[0]?.code, 'UNAVAILABLE');
    t.regex(body.errors[0]!.message, /ENOSPC/);
    await emu.engine.settled();
    t.is((await fetch(`${emu.endpoint}/v2/app/manifests/failed`, { method: 'HEAD' })).status, 404, 'the failed manifest is not visible');
    t.is(emu.engine.lastSeq, lastSeq);

    const health = await fetch(`${emu.endpoint}/_rewind/health`);
    t.is(health.status, 503);
    const h = (await health.json()) as { status: string; problem: string };
    t.is(h.status, 'degraded');
    t.regex(h.problem, /ENOSPC/);

    // both faces refuse writes with an accurate error while the journal cannot be written
    const again = await fetch(`${emu.endpoint}/v2/app/manifests/failed`, {
      method: 'PUT',
      body: manifest,
      headers: { 'Content-Type': MEDIA.ociManifest },
    });
    t.is(again.status, 503);
    t.truthy(again.headers.get('retry-after'));
    const ecr = await r.ecr('CreateRepository', { repositoryName: 'other' }).catch((err: { status: number; body: string }) => err);
    t.is((ecr as { status: number }).status, 500);
    t.regex((ecr as { body: string }).body, /"__type":"ServerException".*could not be written/);
    t.deepEqual(await r.tags('app'), ['kept'], 'reads are served');

    // the disk has room again: the next write after the probe interval is accepted
    heal();
    full = false;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    t.is((await fetch(`${emu.endpoint}/_rewind/health`)).status, 200);
    t.is(await r.putManifest('app', 'after', manifest, MEDIA.ociManifest), sha256(manifest));
    t.deepEqual((await r.tags('app')).sort(), ['after', 'kept']);

    await emu.stop();
    t.false(existsSync(join(journal, 'LOCK')), 'the lock is released');
    const report = await verifyJournal(await openHistory(journal));
    t.deepEqual(report.faults, []);
    await using back = await startEmulator({ journal, auth: 'none', fsync: 'always', logger: false });
    const rb = new RegistryDriver(back.endpoint);
    t.deepEqual((await rb.tags('app')).sort(), ['after', 'kept']);
    t.is((await rb.getManifest('app', 'kept'))?.digest, kept.digest);
  },
);

test.serial('a journal that fails for good still stops cleanly: the lock is released', async (t) => {
  const dir = await tempDir(t);
  const journal = join(dir, 'j');
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { write: WriteFn; truncate: WriteFn };
  await probe.close();
  const { truncate } = proto;
  t.teardown(() => {
    proto.truncate = truncate;
  });
  const emu = await startEmulator({ journal, auth: 'none', fsync: 'always', logger: false });
  t.teardown(() => emu.stop());
  const r = new RegistryDriver(emu.endpoint);
  await r.createRepository('app');
  const eio = async () => {
    throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
  };
  const heal = injectWriteFaults(t, proto, () => 'fail', { code: 'EIO', message: 'EIO: i/o error' });
  proto.truncate = eio;
  await t.throwsAsync(r.createRepository('lost'));
  await emu.engine.settled();
  heal();
  proto.truncate = truncate;
  await emu.stop();
  t.false(existsSync(join(journal, 'LOCK')));
});
