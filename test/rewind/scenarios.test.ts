// The recorded scenarios under journal/ replay to what scenario.json says they hold,
// verify cleanly, and serve their images again from a fork.
import test from 'ava';
import { startEmulator } from '../../src/index.ts';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { openHistory } from '../../src/replay/journal-history.ts';
import { verifyJournal } from '../../src/replay/verify.ts';
import { eventRow } from '../../src/replay/event-summary.ts';
import { RegistryDriver } from '../../src/testkit/registry-driver.ts';
import { replayed, SCENARIO_NAMES, scenarioDir, scenarioFacts, tagsOf } from './rewind-support.ts';
import { adminRequest } from '../support/admin.ts';

const DAY = 24 * 3600 * 1000;

for (const name of SCENARIO_NAMES) {
  test(`scenario ${name}: a full replay reproduces the recorded state, tags and marks`, async (t) => {
    const facts = await scenarioFacts(name);
    const state = await replayed(scenarioDir(name));
    t.is(state.seq, facts.lastSeq);
    t.is(stateHash(state), facts.stateHash);
    t.deepEqual(tagsOf(state), facts.tags);
    const report = await verifyJournal(await openHistory(scenarioDir(name)));
    t.deepEqual(report.faults, []);
  });
}

test('scenario multi-arch: served from a fork, the index and both platform images pull by digest', async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('multi-arch'), auth: 'none', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  const index = await r.getManifest('multi', '1.0');
  t.truthy(index);
  const children = (JSON.parse(index!.bytes.toString()) as { manifests: { digest: string; platform: { architecture: string } }[] })
    .manifests;
  t.deepEqual(
    children.map((c) => c.platform.architecture),
    ['amd64', 'arm64'],
  );
  for (const c of children) t.is((await r.getManifest('multi', c.digest))?.digest, c.digest);
});

test('scenario signed-image: the signature is listed as a referrer of the image', async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('signed-image'), auth: 'none', logger: false });
  const image = await new RegistryDriver(emu.endpoint).getManifest('signed', 'v1');
  const res = await fetch(`${emu.endpoint}/v2/signed/referrers/${image!.digest}`);
  const body = (await res.json()) as { manifests: { artifactType: string }[] };
  t.deepEqual(
    body.manifests.map((m) => m.artifactType),
    ['application/vnd.dev.cosign.artifact.sig.v1+json'],
  );
});

test('scenario immutable-repository: a fork still refuses to overwrite v1', async (t) => {
  await using emu = await startEmulator({ fork: scenarioDir('immutable-repository'), auth: 'none', logger: false });
  const r = new RegistryDriver(emu.endpoint);
  const before = await r.getManifest('locked', 'v1');
  await t.throwsAsync(r.pushImage('locked', 'v1', 'overwrite attempt\n'), { message: /HTTP 400/ });
  t.is((await r.getManifest('locked', 'v1'))?.digest, before?.digest);
});

test('a fork of a scenario leaves the recorded folder untouched', async (t) => {
  const before = (await openHistory(scenarioDir('docker-image'))).lastSeq;
  {
    await using emu = await startEmulator({ fork: { journal: scenarioDir('docker-image'), at: 'pushed' }, auth: 'none', logger: false });
    const r = new RegistryDriver(emu.endpoint);
    t.deepEqual(await r.tags('hello'), ['latest'], 'the fork at mark "pushed" has no v1 tag yet');
    await r.pushImage('hello', 'extra', 'more\n');
  }
  t.is((await openHistory(scenarioDir('docker-image'))).lastSeq, before);
});

test('scenario lifecycle-expiry: the log names the rule of each expiry, the state at the mark still holds all 12 images, and a fork expires them again on its clock', async (t) => {
  const facts = await scenarioFacts('lifecycle-expiry');
  const at = facts.marks['before-expiry']!;
  const before = await replayed(scenarioDir('lifecycle-expiry'), at);
  t.is(before.repos.get('000000000000:us-east-1:lifecycle')?.images.size, 12);
  const after = await replayed(scenarioDir('lifecycle-expiry'));
  t.is(after.repos.get('000000000000:us-east-1:lifecycle')?.images.size, 4);
  const history = await openHistory(scenarioDir('lifecycle-expiry'));
  const rows = [...history.read(at + 1)].filter((e) => e.type === 'ImageExpired').map((e) => eventRow(e));
  t.is(rows.length, 8);
  t.deepEqual(
    rows.map((r) => r.summary.match(/rule (\d)/)?.[1]),
    ['1', '1', '2', '2', '2', '3', '3', '3'],
  );

  await using emu = await startEmulator({
    fork: { journal: scenarioDir('lifecycle-expiry'), at: 'before-expiry' },
    clock: '2026-01-01T00:00:00.000Z,1',
    auth: 'none',
    logger: false,
  });
  const r = new RegistryDriver(emu.endpoint);
  const { clock } = (await r.admin('GET', '/health')) as { clock: string };
  const ahead = Date.parse(clock) - Date.parse('2026-01-01T00:00:00.000Z');
  t.true(ahead >= 30 * DAY && ahead < 30 * DAY + 60_000, `the fork keeps the recorded clock offset (the clock reads ${clock})`);
  const res = await adminRequest(emu.endpoint, 'POST', '/clock', { advanceMs: 2 * DAY });
  t.is(res.status, 200);
  const { imageDetails } = (await r.ecr('DescribeImages', { repositoryName: 'lifecycle' })) as {
    imageDetails: { imageDigest: string; imageTags?: string[] }[];
  };
  const tags = imageDetails.flatMap((d) => (d.imageTags ?? []).map((tag) => [tag, d.imageDigest] as const)).sort();
  t.deepEqual(Object.fromEntries(tags), facts.tags.lifecycle, 'the run due after the fork expires what the recording expired');
});
