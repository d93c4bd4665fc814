// fork, diff, compact and verify against the rewound-history scenario, whose story is
// (scenario.json): app v1 (also latest), mark v1 at seq 10; v2 pushed and pulled, latest
// moved to v2, v1 deleted, mark v2 at seq 22; reset to v1; v3 pushed; a scratch
// repository created, filled and deleted.
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { BlobStore } from '../../src/blobs/blob-store.ts';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { compactJournal, referencedOnly } from '../../src/replay/compact.ts';
import { forkJournal } from '../../src/replay/fork.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { resolvePosition } from '../../src/replay/positions.ts';
import { diffStates } from '../../src/replay/state-diff.ts';
import { stateAtSeq } from '../../src/replay/time-travel.ts';
import { verifyJournal } from '../../src/replay/verify.ts';
import { listSegments } from '../../src/journal/index.ts';
import { copyScenario, replayed, scenarioDir, scenarioFacts, tagsOf, tempDir } from './rewind-support.ts';

const SCENARIO = 'rewound-history';

test('positions: a mark, a sequence number and an ISO time name the same state', async (t) => {
  const history = await openHistory(scenarioDir(SCENARIO));
  t.is(resolvePosition('v1', history).seq, 10);
  t.is(resolvePosition('22', history).seq, 22);
  // event 10 was recorded at 00:00:04 and event 11 at 00:00:05
  t.is(resolvePosition('2026-01-01T00:00:04.500Z', history).seq, 10);
  t.throws(() => resolvePosition('no-such-mark', history), { message: /neither a sequence number, a mark/ });
  t.throws(() => resolvePosition('999', history), { message: /outside the journal/ });
});

test('fork at mark v2: the prefix replays to the state at v2, writable, with every blob', async (t) => {
  const dir = await tempDir(t);
  const history = await openHistory(scenarioDir(SCENARIO));
  const report = await forkJournal(history, 22, join(dir, 'fork'));
  t.is(report.events, 22);
  t.deepEqual(report.blobs.missing, []);
  const forked = await replayed(join(dir, 'fork'));
  t.is(stateHash(forked), stateHash(await stateAtSeq(history, 22)));
  t.deepEqual(tagsOf(forked), {
    app: { latest: forked.repos.values().next().value!.tags.get('v2')!, v2: forked.repos.values().next().value!.tags.get('v2')! },
  });
  t.deepEqual((await verifyJournal(await openHistory(join(dir, 'fork')))).faults, []);
  // the fork holds the same events under the same sequence numbers
  const strip = (e: { seq: number; type: string; v: number; time: number; data: unknown }) => ({
    seq: e.seq,
    type: e.type,
    v: e.v,
    time: e.time,
    data: e.data,
  });
  t.deepEqual([...(await openHistory(join(dir, 'fork'))).read()].map(strip), [...history.read(1, 22)].map(strip));
});

test('diff v1 -> v2: latest moved, v2 added, v1 removed; v2 -> end reverses it and adds v3', async (t) => {
  const history = await openHistory(scenarioDir(SCENARIO));
  const at = (seq: number) => stateAtSeq(history, seq);
  const [repo] = (await at(10)).repos.values();
  const v1 = repo!.tags.get('v1')!;
  const d = diffStates(await at(10), await at(22));
  t.false(d.same);
  t.deepEqual(d.repositoriesCreated, []);
  const [c] = d.repositoriesChanged;
  t.is(c?.imagesAdded.length, 1);
  t.deepEqual(c?.imagesRemoved, [v1]);
  const v2 = c!.imagesAdded[0]!;
  t.deepEqual(c?.tagsMoved, [{ tag: 'latest', from: v1, to: v2 }]);
  t.deepEqual(c?.tagsAdded, [{ tag: 'v2', digest: v2 }]);
  t.deepEqual(c?.tagsRemoved, [{ tag: 'v1', digest: v1 }]);

  const back = diffStates(await at(22), await at(history.lastSeq));
  t.deepEqual(back.repositoriesChanged[0]?.tagsMoved, [{ tag: 'latest', from: v2, to: v1 }]);
  t.deepEqual(back.repositoriesChanged[0]?.tagsAdded.map((x) => x.tag).sort(), ['v1', 'v3']);
  t.true(diffStates(await at(10), await at(24)).same, 'the Rewound event at seq 24 brings back the state of seq 10');
});

test("compact: same final state in fewer events, without the deleted repository's blobs", async (t) => {
  const dir = await tempDir(t);
  const facts = await scenarioFacts(SCENARIO);
  const history = await openHistory(scenarioDir(SCENARIO));
  const report = await compactJournal(history, join(dir, 'compact'));
  t.is(report.method, 'rebuilt');
  t.is(report.eventsBefore, facts.lastSeq);
  t.true(report.eventsAfter < 20, `${report.eventsAfter} events`);
  t.is(report.blobsBefore, 6);
  t.is(report.blobsAfter, 4, 'the two blobs of the deleted scratch repository are gone');
  const original = await replayed(scenarioDir(SCENARIO));
  const compacted = await replayed(join(dir, 'compact'));
  t.deepEqual(tagsOf(compacted), facts.tags);
  t.is(stateHash(compacted), stateHash(referencedOnly(original)));
  t.deepEqual((await verifyJournal(await openHistory(join(dir, 'compact')))).faults, []);
  const store = new BlobStore(join(dir, 'compact'), { durable: false });
  t.is(await store.size([...original.blobs.keys()].find((d) => !compacted.blobs.has(d))!), undefined);
});

test('verify finds a deleted blob file and a flipped byte in a segment, and reports both', async (t) => {
  const dir = await copyScenario(SCENARIO, await tempDir(t));
  const state = await replayed(dir);
  const store = new BlobStore(dir, { durable: false });
  const gone = [...state.blobs.keys()][0]!;
  await unlink(store.path(gone));
  const [seg] = listSegments(dir);
  const bytes = await readFile(seg!.path);
  bytes[200] = bytes[200]! ^ 0xff;
  await writeFile(seg!.path, bytes);

  const report = await verifyJournal(await openHistory(dir));
  t.false(report.ok);
  t.deepEqual(report.faults.map((f) => f.kind).sort(), ['blob-missing', 'frame']);
  t.true(report.faults.some((f) => f.kind === 'blob-missing' && f.message.includes(gone)));
  t.regex(report.faults.find((f) => f.kind === 'frame')!.message, /checksum mismatch|undecodable/);
});

test('verify finds a blob whose bytes no longer match its digest', async (t) => {
  const dir = await copyScenario('docker-image', await tempDir(t));
  const state = await replayed(dir);
  const store = new BlobStore(dir, { durable: false });
  const digest = [...state.blobs.keys()][0]!;
  const bytes = await readFile(store.path(digest));
  bytes[0] = bytes[0]! ^ 1;
  await writeFile(store.path(digest), bytes);
  const report = await verifyJournal(await openHistory(dir));
  t.deepEqual(
    report.faults.map((f) => f.kind),
    ['blob-digest'],
  );
});
