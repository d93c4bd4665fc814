// Starting from a snapshot file serves at once: the file is checked (header, checkpoint),
// copied into the journal folder as a pack, and its blobs are verified and extracted in the
// background (or on first read). Every image pulls back immediately with identical digests;
// the pack is deleted once all is extracted and the folder then passes verify; a blob whose
// bytes in the pack are corrupt is never served nor written to the blob store; a start that
// stopped mid-extraction resumes at the next start.
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { crc32 } from 'node:zlib';
import test from 'ava';
import { pino } from 'pino';
import { BlobStore } from '../../src/blobs/blob-store.ts';
import { checkpointPath, readCheckpoint } from '../../src/journal/checkpoints.ts';
import type { RegistryState } from '../../src/domain/state.ts';
import { startEmulator } from '../../src/index.ts';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { adoptSnapshotFile } from '../../src/snapshot-file/adopt.ts';
import { indexPack, packsDir } from '../../src/snapshot-file/packs.ts';
import { encodeSnapshotPrefix, readSnapshotHeader, type SnapshotHeader } from '../../src/snapshot-file/format.ts';
import { restoreSnapshotFile } from '../../src/snapshot-file/restore.ts';
import { verifyJournal } from '../../src/replay/verify.ts';
import { testRequiring } from '../support/clients/client-test.ts';
import { createSkopeo } from '../support/clients/skopeo.ts';
import { liveState, replayed, scenarioDir, tempDir } from './rewind-support.ts';

const clientTest = testRequiring(['skopeo']);
const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

/**
 * A snapshot file of a recorded scenario, the hash of the state the source served (GET
 * /_rewind/state), and that state as a replay of the scenario's journal gives it (what to pull).
 */
async function scenarioSnapshot(dir: string, name: string): Promise<{ file: string; hash: string; state: RegistryState }> {
  const file = join(dir, `${name}.snapshot`);
  await using source = await startEmulator({ fork: scenarioDir(name), auth: 'none', logger: false });
  await source.snapshot(file);
  const { hash } = await liveState(source.endpoint);
  const state = await replayed(scenarioDir(name));
  if (stateHash(state) !== hash) throw new Error(`the source serves ${hash}, its journal replays to ${stateHash(state)}`);
  return { file, hash, state };
}

/** GETs every tag's manifest and every blob over /v2; returns the digests that did not come back right. */
async function pullEverything(endpoint: string, state: RegistryState): Promise<{ pulled: number; wrong: string[] }> {
  const wrong: string[] = [];
  let pulled = 0;
  for (const repo of state.repos.values()) {
    for (const [tag, digest] of repo.tags) {
      const res = await fetch(`${endpoint}/v2/${repo.name}/manifests/${tag}`, { headers: { accept: ACCEPT } });
      if (res.status !== 200 || sha(new Uint8Array(await res.arrayBuffer())) !== digest) wrong.push(`${repo.name}:${tag}`);
      pulled++;
    }
    for (const digest of repo.blobs.keys()) {
      const res = await fetch(`${endpoint}/v2/${repo.name}/blobs/${digest}`);
      if (res.status !== 200 || sha(new Uint8Array(await res.arrayBuffer())) !== digest) wrong.push(`${repo.name}@${digest}`);
      pulled++;
    }
  }
  return { pulled, wrong };
}

test('a start from a snapshot serves every manifest and blob at once; the pack is deleted after extraction and verify passes', async (t) => {
  const dir = await tempDir(t);
  const { file, hash, state } = await scenarioSnapshot(dir, 'multi-arch');
  const journal = join(dir, 'started');
  {
    await using emu = await startEmulator({ fromSnapshot: file, journal, auth: 'none', logger: false });
    t.is((await liveState(emu.endpoint)).hash, hash);
    // pulled at once, while the background extraction runs
    const { pulled, wrong } = await pullEverything(emu.endpoint, state);
    t.true(pulled > 3);
    t.deepEqual(wrong, []);
    await emu.blobsSettled();
    t.deepEqual(await readdir(packsDir(journal)), [], 'the pack is deleted once every blob is extracted');
    const store = new BlobStore(journal, { durable: false });
    for (const digest of state.blobs.keys()) t.true(await exists(store.path(digest)), digest);
  }
  t.deepEqual((await verifyJournal(await openHistory(journal))).faults, []);
});

clientTest('skopeo copies an image from a server started from a snapshot a moment ago, with identical digests', async (t) => {
  const dir = await tempDir(t);
  const { file, state } = await scenarioSnapshot(dir, 'docker-image');
  await using emu = await startEmulator({ fromSnapshot: file, journal: join(dir, 'started'), auth: 'none', logger: false });
  await using skopeo = await createSkopeo();
  for (const repo of state.repos.values())
    for (const [tag, digest] of repo.tags) {
      const ref = `docker://${emu.registryHost}/${repo.name}:${tag}`;
      await mkdir(join(dir, 'pulled', repo.name), { recursive: true });
      await skopeo.copy(ref, `oci:${join(dir, 'pulled', repo.name)}:${tag}`);
      t.is(sha(await skopeo.inspectRaw(ref)), digest, `${repo.name}:${tag}`);
    }
});

test('a blob whose bytes in the pack are corrupt is refused and never written to the blob store; the rest is served', async (t) => {
  const dir = await tempDir(t);
  const { file, state } = await scenarioSnapshot(dir, 'signed-image');
  const { header, offset, size } = await readSnapshotHeader(file);
  const index = indexPack(file, header, offset, size);
  const victim = [...index.blobs].sort((a, b) => b.size - a.size)[0]!;
  const bytes = await readFile(file);
  bytes[victim.offset + Math.floor(victim.size / 2)]! ^= 0x01;
  const bad = join(dir, 'bad.snapshot');
  await writeFile(bad, bytes);

  const logged: string[] = [];
  const logger = pino(
    { level: 'error' },
    new Writable({
      write: (chunk, _enc, done) => {
        logged.push(String(chunk));
        done();
      },
    }),
  );
  const journal = join(dir, 'started');
  await using emu = await startEmulator({ fromSnapshot: bad, journal, auth: 'none', logger });
  const repo = [...state.repos.values()].find((r) => r.blobs.has(victim.digest))!;
  const res = await fetch(`${emu.endpoint}/v2/${repo.name}/blobs/${victim.digest}`);
  t.is(res.status, 500);
  const body = (await res.json()) as { errors: { code: string; message: string }[] };
  t.is(body.errors[0]?.code, 'BLOB_UNKNOWN');
  t.regex(body.errors[0]!.message, /does not match its digest/);
  t.is((await fetch(`${emu.endpoint}/v2/${repo.name}/blobs/${victim.digest}`, { method: 'HEAD' })).status, 500);

  await emu.blobsSettled();
  const store = new BlobStore(journal, { durable: false });
  t.false(await exists(store.path(victim.digest)), 'the wrong bytes never reach the blob store');
  t.true(
    logged.some((l) => l.includes(victim.digest) && l.includes('.pack')),
    'the error names the blob and the pack',
  );
  t.is((await readdir(packsDir(journal))).filter((n) => n.endsWith('.pack')).length, 1, 'the pack is kept');
  const { wrong } = await pullEverything(emu.endpoint, state);
  t.deepEqual(
    wrong.filter((w) => !w.endsWith(victim.digest)),
    [],
    'every other blob is served right',
  );
  t.true(wrong.some((w) => w.endsWith(victim.digest)));
});

test('a start that stopped mid-extraction resumes at the next start: leftovers are ignored, nothing is lost', async (t) => {
  const dir = await tempDir(t);
  const { file, hash, state } = await scenarioSnapshot(dir, 'multi-arch');
  const journal = join(dir, 'started');
  // what a start from the snapshot leaves when it dies right after listening:
  // the pack in packs/, one blob already extracted, one half-written temporary file
  const { index } = await adoptSnapshotFile(file, journal, { fsync: false });
  const [first, second] = index.blobs;
  const bytes = await readFile(file);
  const store = new BlobStore(journal, { durable: false });
  await mkdir(join(store.path(first!.digest), '..'), { recursive: true });
  await writeFile(store.path(first!.digest), bytes.subarray(first!.offset, first!.offset + first!.size));
  await writeFile(join(packsDir(journal), `.extract-999999-blob-${second!.digest.slice(7)}`), 'half');

  await using emu = await startEmulator({ journal, auth: 'none', logger: false });
  t.is((await liveState(emu.endpoint)).hash, hash);
  t.deepEqual((await pullEverything(emu.endpoint, state)).wrong, []);
  await emu.blobsSettled();
  t.deepEqual(await readdir(packsDir(journal)), []);
  await emu.stop();
  t.deepEqual((await verifyJournal(await openHistory(journal))).faults, []);
});

test('an offline tool settles a folder that still holds a pack: verify extracts it first and passes', async (t) => {
  const dir = await tempDir(t);
  const { file } = await scenarioSnapshot(dir, 'docker-image');
  const journal = join(dir, 'adopted');
  await adoptSnapshotFile(file, journal, { fsync: false });
  t.deepEqual((await verifyJournal(await openHistory(journal))).faults, []);
  t.deepEqual(await readdir(packsDir(journal)), []);
});

/** The snapshot file again with its header changed by `change` (the bytes after the header as they were). */
async function withHeader(file: string, to: string, change: (h: SnapshotHeader) => SnapshotHeader): Promise<string> {
  const { header, offset } = await readSnapshotHeader(file);
  const bytes = await readFile(file);
  await writeFile(to, Buffer.concat([encodeSnapshotPrefix(change(header)), bytes.subarray(offset)]));
  return to;
}

test('the checkpoint file a start writes carries the CRC-32 the header names; files without it (older) start too, and restore refuses a wrong one', async (t) => {
  const dir = await tempDir(t);
  const { file } = await scenarioSnapshot(dir, 'multi-arch');
  const { header, offset } = await readSnapshotHeader(file);
  const body = (await readFile(file)).subarray(offset, offset + header.checkpoint.length);
  t.is(header.checkpoint.crc32, crc32(body));
  const older = await withHeader(file, join(dir, 'older.snapshot'), (h) => ({
    ...h,
    checkpoint: { length: h.checkpoint.length, sha256: h.checkpoint.sha256 },
  }));
  for (const [name, source] of [
    ['current', file],
    ['older', older],
  ] as const) {
    const journal = join(dir, `adopted-${name}`);
    await adoptSnapshotFile(source, journal, { fsync: false });
    const written = await readFile(checkpointPath(journal, header.seq));
    t.is(written.readUInt32LE(12), crc32(body), name);
    t.is(readCheckpoint(journal, header.seq).seq, header.seq, `${name}: the checkpoint file reads back`);
  }
  const wrong = await withHeader(file, join(dir, 'wrong.snapshot'), (h) => ({
    ...h,
    checkpoint: { ...h.checkpoint, crc32: (crc32(body) + 1) >>> 0 },
  }));
  await t.throwsAsync(restoreSnapshotFile(wrong, join(dir, 'restored')), { message: /does not match its CRC-32/ });
});

test('a start from a file whose checkpoint has one flipped byte is refused by its CRC-32 (older files: by its sha256), and leaves no folder', async (t) => {
  const dir = await tempDir(t);
  const { file } = await scenarioSnapshot(dir, 'multi-arch');
  const { header } = await readSnapshotHeader(file);
  const older = await withHeader(file, join(dir, 'older.snapshot'), (h) => ({
    ...h,
    checkpoint: { length: h.checkpoint.length, sha256: h.checkpoint.sha256 },
  }));
  for (const [name, source, check] of [
    ['current', file, 'CRC-32'],
    ['older', older, 'sha256'],
  ] as const) {
    const at = (await readSnapshotHeader(source)).offset + (header.checkpoint.length >> 1);
    const flipped = await readFile(source);
    flipped[at] = flipped[at]! ^ 0x10;
    const damaged = join(dir, `${name}-flipped.snapshot`);
    await writeFile(damaged, flipped);
    const journal = join(dir, `adopted-${name}`);
    await t.throwsAsync(adoptSnapshotFile(damaged, journal, { fsync: false }), {
      message: new RegExp(`the state checkpoint does not match its ${check}`),
    });
    t.false(await exists(journal), `${name}: no folder left`);
  }
});
