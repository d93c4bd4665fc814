// Issue 10, point 3 and point 10: what the writer may cut (only an incomplete final frame, or
// zeros a crash left), what it must refuse (a whole frame whose checksum fails, anything a
// checkpoint covers, an event type it does not know) and the explicit `repair` that cuts it.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import test from 'ava';
import { startEmulator } from '../../src/index.ts';
import {
  Journal,
  JournalCorruptError,
  encodePayload,
  listSegments,
  segmentFileName,
  walkFrames,
  type Envelope,
} from '../../src/journal/index.ts';
import { saveCheckpoint } from '../../src/projections/checkpoint.ts';
import { compactJournal } from '../../src/replay/compact.ts';
import { forkJournal } from '../../src/replay/fork.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { verifyJournal } from '../../src/replay/verify.ts';
import { restoreSnapshotFile } from '../../src/snapshot-file/restore.ts';
import { emptyState } from '../../src/domain/state.ts';
import { RegistryDriver, sha256 } from '../../src/testkit/registry-driver.ts';
import { tempDir, thing, warnings } from './helpers.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A journal of `n` one-event frames; returns the segment path and where each frame starts. */
async function journalOf(dir: string, n: number): Promise<{ segment: string; starts: number[]; size: number }> {
  const j = await Journal.open(dir, { fsync: 'never' });
  for (let i = 1; i <= n; i++) await j.append([thing(i)]);
  await j.close();
  const segment = join(dir, 'segments', segmentFileName(1));
  const starts: number[] = [];
  for (const step of walkFrames({ firstSeq: 1, path: segment }, {})) if (step.kind === 'event') starts.push(step.offset);
  return { segment, starts, size: readFileSync(segment).length };
}

const flip = (path: string, at: number): void => {
  const bytes = readFileSync(path);
  bytes[at]! ^= 0x10;
  writeFileSync(path, bytes);
};

const sideFiles = (dir: string): string[] => readdirSync(join(dir, 'segments')).filter((n) => !n.endsWith('.seg'));

test('a whole last frame whose checksum fails is corruption: refused with segment, offset and the repair command, nothing cut', async (t) => {
  const dir = await tempDir(t);
  const { segment, starts, size } = await journalOf(dir, 5);
  flip(segment, starts[4]! + 12); // a payload byte of the last frame
  const w = warnings();
  const err = await t.throwsAsync(Journal.open(dir, { fsync: 'never', warn: w.warn }), { instanceOf: JournalCorruptError });
  t.is(err?.offset, starts[4]!);
  t.is(err?.seq, 5);
  t.regex(err!.message, /checksum mismatch/);
  t.regex(err!.message, new RegExp(`ecr-rewind repair ${dir}`));
  t.is(readFileSync(segment).length, size, 'nothing was cut');
  t.deepEqual(sideFiles(dir), []);
  t.deepEqual(w.messages, []);
});

test('an incomplete last frame, or zeros a crash left after the last frame, is a torn tail and is cut', async (t) => {
  const dir = await tempDir(t);
  const { segment, starts, size } = await journalOf(dir, 4);
  writeFileSync(segment, Buffer.concat([readFileSync(segment), Buffer.alloc(4096)]));
  let j = await Journal.open(dir, { fsync: 'never', warn: () => {} });
  t.is(j.lastSeq, 4);
  await j.close();
  t.is(readFileSync(segment).length, size);
  writeFileSync(segment, readFileSync(segment).subarray(0, starts[3]! + 11));
  j = await Journal.open(dir, { fsync: 'never', warn: () => {} });
  t.is(j.lastSeq, 3);
  await j.close();
});

test('the journal never starts below a checkpoint: a cut the checkpoint covers is refused, not made', async (t) => {
  const dir = await tempDir(t);
  const { segment, starts } = await journalOf(dir, 5);
  await saveCheckpoint(dir, { state: { ...emptyState(), seq: 5 }, marks: new Map() });
  const whole = readFileSync(segment);
  writeFileSync(segment, whole.subarray(0, starts[4]! + 10)); // seq 5, acknowledged and checkpointed, now incomplete
  const err = await t.throwsAsync(Journal.open(dir, { fsync: 'never', warn: () => {} }), { instanceOf: JournalCorruptError });
  t.regex(err!.message, /checkpoint at seq 5 covers/);
  t.is(readFileSync(segment).length, starts[4]! + 10, 'nothing was cut');
  // a whole segment gone below a checkpoint: refused too
  writeFileSync(segment, whole.subarray(0, starts[3]!));
  const behind = await t.throwsAsync(Journal.open(dir, { fsync: 'never', warn: () => {} }), { instanceOf: JournalCorruptError });
  t.regex(behind!.message, /checkpoint/);
});

test('repair cuts at the damaged frame, keeps the bytes aside, says how many events it drops; the journal then continues', async (t) => {
  const dir = await tempDir(t);
  const { segment, starts, size } = await journalOf(dir, 10);
  await saveCheckpoint(dir, { state: { ...emptyState(), seq: 10 }, marks: new Map() });
  flip(segment, starts[6]! + 12); // seq 7
  const dry = await run('repair', dir, '--dry-run');
  t.is(dry.code, 0, dry.stderr);
  t.regex(dry.stdout, /would cut the journal at byte \d+/);
  t.regex(dry.stdout, /drops the events from seq 7 on: 3 readable event\(s\) up to seq 10 and the damaged frame/);
  t.is(readFileSync(segment).length, size, 'a dry run changes nothing');

  const cut = await run('repair', dir);
  t.is(cut.code, 0, cut.stderr);
  t.regex(cut.stdout, new RegExp(`cut the journal at byte ${starts[6]} of ${segment}`));
  t.regex(cut.stdout, /keeps seq 6 and before/);
  t.regex(cut.stdout, /set aside checkpoints beyond the end: seq 10/);
  t.is(readFileSync(segment).length, starts[6]!);
  t.deepEqual(sideFiles(dir), [`${segmentFileName(1)}.cut-${starts[6]}`]);
  t.is(readFileSync(join(dir, 'segments', `${segmentFileName(1)}.cut-${starts[6]}`)).length, size - starts[6]!);
  t.false(existsSync(join(dir, 'snapshots', `${String(10).padStart(20, '0')}.snap`)));

  const j = await Journal.open(dir, { fsync: 'never' });
  t.is(j.lastSeq, 6);
  const [next] = await j.append([thing(7, ' again')]);
  t.is(next?.seq, 7);
  await j.close();
  t.regex((await run('repair', dir)).stdout, /nothing to repair/);
});

/** Payload sizes and event counts of every frame of a journal folder. */
function frames(dir: string): { bytes: number; events: number }[] {
  const out: { bytes: number; events: number }[] = [];
  for (const seg of listSegments(dir)) {
    const buf = readFileSync(seg.path);
    for (let off = 24; off + 8 <= buf.length; ) {
      const len = buf.readUInt32LE(off);
      out.push({ bytes: len, events: buf[off + 8] === 0xdd ? buf.readUInt32BE(off + 9) : 1 });
      off += 8 + len;
    }
  }
  return out;
}

test('fork and compact write a history in frames of bounded size (1000 events, 1 MiB); restore and a start from a snapshot file write none', async (t) => {
  t.timeout(120_000);
  const dir = await tempDir(t);
  const source = join(dir, 'source');
  {
    await using emu = await startEmulator({ journal: source, auth: 'none', fsync: 'never', logger: false });
    const r = new RegistryDriver(emu.endpoint);
    await r.createRepository('big');
    const config = Buffer.from('{}');
    await r.pushBlob('big', config);
    const pad = 'x'.repeat(200_000);
    for (let i = 0; i < 12; i++) {
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: 2 },
          layers: [],
          annotations: { pad: `${i}${pad}` },
        }),
      );
      await r.putManifest('big', `v${i}`, manifest, 'application/vnd.oci.image.manifest.v1+json');
    }
    await Promise.all(Array.from({ length: 1100 }, (_, i) => emu.mark(`m${i}`)));
    await emu.snapshot(join(dir, 'all.snapshot'));
  }
  // restore and a start from a snapshot file write the checkpoint and an empty segment: no frame at all
  await restoreSnapshotFile(join(dir, 'all.snapshot'), join(dir, 'restored'));
  await (
    await startEmulator({ fromSnapshot: join(dir, 'all.snapshot'), journal: join(dir, 'adopted'), auth: 'none', logger: false })
  ).stop();
  t.deepEqual(frames(join(dir, 'restored')), []);
  t.deepEqual(frames(join(dir, 'adopted')), []);
  const history = await openHistory(source);
  await forkJournal(history, history.lastSeq, join(dir, 'fork'));
  await compactJournal(await openHistory(source), join(dir, 'compact'));
  for (const name of ['fork', 'compact']) {
    const f = frames(join(dir, name));
    t.true(f.length > 1, `${name}: more than one frame`);
    t.true(
      f.every((x) => x.events <= 1000 && (x.bytes <= 1024 * 1024 + 5 || x.events === 1)),
      `${name}: frames of at most 1000 events and 1 MiB (${JSON.stringify(f.slice(0, 5))})`,
    );
  }
  t.true((await verifyJournal(await openHistory(join(dir, 'fork')))).ok);
});

/** Rewrites the frame at `offset` of `segment` with `change` applied to its envelopes (same length required), checksum recomputed. */
function rewriteFrame(segment: string, offset: number, change: (e: Envelope) => Envelope): void {
  const buf = readFileSync(segment);
  const len = buf.readUInt32LE(offset);
  const steps = [...walkFrames({ firstSeq: listSegments(join(segment, '..', '..'))[0]!.firstSeq, path: segment }, {})];
  const envs = steps.filter((s) => s.kind === 'event' && s.offset === offset).map((s) => (s as { event: Envelope }).event);
  const items = envs.map((e) => encodePayload(change(e)));
  const head = Buffer.alloc(5);
  head[0] = 0xdd;
  head.writeUInt32BE(items.length, 1);
  const payload = Buffer.concat([head, ...items]);
  if (payload.length !== len) throw new Error(`the rewritten frame is ${payload.length} bytes, not ${len}`);
  payload.copy(buf, offset + 8);
  buf.writeUInt32LE(crc32(payload), offset + 4);
  writeFileSync(segment, buf);
}

test('an unknown event type with a valid checksum is refused naming its segment and offset (start, log, verify)', async (t) => {
  const dir = await tempDir(t);
  const journal = join(dir, 'j');
  {
    await using emu = await startEmulator({ journal, auth: 'none', fsync: 'never', logger: false });
    await new RegistryDriver(emu.endpoint).createRepository('first');
    await new RegistryDriver(emu.endpoint).createRepository('second');
  }
  const segment = listSegments(journal)[0]!.path;
  const second = [...walkFrames({ firstSeq: 1, path: segment }, {})].filter((s) => s.kind === 'event')[1]!;
  // same length as 'RepositoryCreated'
  rewriteFrame(segment, second.offset, (e) => ({ ...e, type: 'RepositoryCrafted' }));
  const where = new RegExp(`${segment} at byte offset ${second.offset}`);
  const start = await t.throwsAsync(startEmulator({ journal, auth: 'none', fsync: 'never', logger: false }));
  t.regex(start!.message, where);
  t.regex(start!.message, /RepositoryCrafted/);
  const log = await run('log', journal);
  t.is(log.code, 4);
  t.regex(log.stderr, where);
  const verify = await run('verify', journal);
  t.is(verify.code, 4);
  t.regex(verify.stdout, new RegExp(`FAULT event: .*RepositoryCrafted.*byte ${second.offset} of ${segment}`));
});

test('verify checks that every ManifestPut names the digest of its bytes', async (t) => {
  const dir = await tempDir(t);
  const journal = join(dir, 'j');
  {
    await using emu = await startEmulator({ journal, auth: 'none', fsync: 'never', logger: false });
    const r = new RegistryDriver(emu.endpoint);
    await r.createRepository('app');
    await r.pushImage('app', 'v1', 'hello');
  }
  t.is((await run('verify', journal)).code, 0);
  const segment = listSegments(journal)[0]!.path;
  const put = [...walkFrames({ firstSeq: 1, path: segment }, {})].find((s) => s.kind === 'event' && s.event.type === 'ManifestPut');
  if (put?.kind !== 'event') throw new Error('no ManifestPut');
  rewriteFrame(segment, put.offset, (e) => {
    if (e.type !== 'ManifestPut') return e;
    const data = e.data as { digest: string };
    const last = data.digest.at(-1) === '0' ? '1' : '0';
    return { ...e, data: { ...data, digest: `${data.digest.slice(0, -1)}${last}` } };
  });
  const verify = await run('verify', journal);
  t.is(verify.code, 4);
  t.regex(verify.stdout, /FAULT event: event \d+ \(ManifestPut\) names digest sha256:\w+, its manifest bytes hash to sha256:\w+/);
});
