// Scans on the journal: they resume after a restart, replay and time travel reproduce
// them without reading a layer, a rewind brings old findings back, snapshots keep them.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import {
  DescribeImageScanFindingsCommand,
  ECRClient,
  PutImageCommand,
  CreateRepositoryCommand,
  PutRegistryScanningConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { startEmulator, type Emulator } from '../../src/emulator.ts';
import { SCANNING_EVENT_VERSIONS, scanningEvents } from '../../src/domain/scanning/scanning-event-factories.ts';
import { imageScans } from '../../src/domain/scanning/image-scans.ts';
import { Journal } from '../../src/journal/index.ts';
import { stateHash } from '../../src/projections/canonical-state.ts';
import { replayed, tempDir } from '../rewind/rewind-support.ts';
import { ADVISORIES, blob, DEBIAN_OS_RELEASE, DPKG_STATUS, gzip, sha256, tarOf, uploadImage } from './scan-fixtures.ts';
import { adminRequest } from '../support/admin.ts';

const client = (emu: Emulator) =>
  new ECRClient({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });

const quiet = { port: 0, fsync: 'never', logger: false } as const;

async function pushDebian(ecr: ECRClient, repositoryName: string, tag: string): Promise<string> {
  const layer = blob(
    gzip(
      await tarOf([
        { path: 'etc/os-release', content: DEBIAN_OS_RELEASE },
        { path: 'var/lib/dpkg/status', content: DPKG_STATUS },
      ]),
    ),
  );
  const manifest = await uploadImage(ecr, repositoryName, [layer]);
  await ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest, imageTag: tag }));
  return sha256(manifest);
}

const findingNames = async (ecr: ECRClient, repositoryName: string, imageTag: string): Promise<string[]> => {
  const r = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName, imageId: { imageTag } }));
  const list = r.imageScanFindings?.enhancedFindings?.map((f) => f.title!) ?? r.imageScanFindings?.findings?.map((f) => f.name!) ?? [];
  return [r.imageScanStatus!.status!, ...list.sort()];
};

test('a scan left pending by a stop is finished after the restart', async (t) => {
  const dir = join(await tempDir(t), 'journal');
  let digest: string;
  {
    await using emu = await startEmulator({ ...quiet, journal: dir });
    const ecr = client(emu);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
    digest = await pushDebian(ecr, 'app', 'v1');
  }
  // the journal now gets a started scan that no scanner finished (as if the server stopped mid-scan)
  const journal = await Journal.open(dir, { fsync: 'never' });
  const started = scanningEvents.ImageScanStarted({
    account: '000000000000',
    region: 'us-east-1',
    repository: 'app',
    digest,
    scanType: 'BASIC',
    trigger: 'manual',
  });
  await journal.append([{ type: started.type, v: SCANNING_EVENT_VERSIONS.ImageScanStarted, time: Date.now(), data: started.data }]);
  await journal.close();

  await using emu = await startEmulator({ ...quiet, journal: dir, advisories: join(import.meta.dirname, 'fixtures', 'advisories.json') });
  await emu.scansSettled();
  const ecr = client(emu);
  t.deepEqual(await findingNames(ecr, 'app', 'v1'), ['COMPLETE', 'CVE-2024-0001', 'CVE-2024-0001', 'CVE-2024-0003']);
  const types = [...emu.events()].map((e) => e.type);
  t.deepEqual(types.slice(-4), ['ImageScanStarted', 'AdvisoriesPut', 'ImageInventoried', 'ImageScanCompleted']);
});

test('--advisories: recorded once; a restart with the same file records nothing, a changed file records it', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'advisories.json');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, JSON.stringify({ advisories: ADVISORIES }));
  const journal = join(dir, 'journal');
  const count = async () => {
    await using emu = await startEmulator({ ...quiet, journal, advisories: file });
    return [...emu.events()].filter((e) => e.type === 'AdvisoriesPut').map((e) => (e.data as { source: string }).source);
  };
  t.deepEqual(await count(), ['file:advisories.json']);
  t.deepEqual(await count(), ['file:advisories.json']);
  await writeFile(file, JSON.stringify(ADVISORIES.slice(1)));
  t.deepEqual(await count(), ['file:advisories.json', 'file:advisories.json']);
  await writeFile(file, '{"advisories": [{"id": 1}]}');
  await t.throwsAsync(startEmulator({ ...quiet, journal: join(dir, 'other'), advisories: file }), {
    message: /advisories\.json: invalid advisory at 0\.id/,
  });
});

test('replay and time travel reproduce scan results without reading a layer; a rewind brings old findings back', async (t) => {
  const dir = join(await tempDir(t), 'journal');
  await using emu = await startEmulator({ ...quiet, journal: dir });
  const ecr = client(emu);
  const put = (advisories: unknown) => adminRequest(emu.endpoint, 'PUT', '/scanning/advisories', advisories);
  t.is((await put(ADVISORIES)).status, 200);
  await ecr.send(
    new PutRegistryScanningConfigurationCommand({
      scanType: 'ENHANCED',
      rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
    }),
  );
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'live' }));
  await pushDebian(ecr, 'live', 'v1');
  await emu.scansSettled();
  const before = await findingNames(ecr, 'live', 'v1');
  t.deepEqual(before, ['ACTIVE', 'CVE-2024-0001 - libssl3', 'CVE-2024-0001 - openssl', 'CVE-2024-0003 - zlib1g']);
  const mark = await emu.mark('scanned');

  // new advisories: the openssl one withdrawn, a bash one added; the continuous scan follows
  t.is((await put([...ADVISORIES.slice(1), { id: 'CVE-2024-0042', package: 'bash', ecosystem: 'debian', severity: 'HIGH' }])).status, 200);
  await emu.scansSettled();
  const after = await findingNames(ecr, 'live', 'v1');
  t.deepEqual(after, ['ACTIVE', 'CVE-2024-0003 - zlib1g', 'CVE-2024-0042 - bash']);

  // the past as the admin API shows it
  const past = (await (await adminRequest(emu.endpoint, 'GET', '/state?at=scanned')).json()) as {
    repositories: { images: { scans: { enhanced: { findings: { id: string }[] } } }[] }[];
  };
  t.deepEqual(past.repositories[0]!.images[0]!.scans.enhanced.findings.map((f) => f.id).sort(), [
    'CVE-2024-0001',
    'CVE-2024-0001',
    'CVE-2024-0003',
  ]);

  // replay from the journal alone, with every layer gone: the same state
  await rm(join(dir, 'blobs'), { recursive: true, force: true });
  t.is(stateHash(await replayed(dir)), stateHash(emu.engine.state));
  const atMark = [...(await replayed(dir, mark)).repos.values()][0]!.images.values().next().value!;
  t.deepEqual(
    imageScans(atMark)?.enhanced?.findings.map((f) => `${f.id} - ${f.package}`),
    before.slice(1),
  );

  await emu.reset('scanned');
  t.deepEqual(await findingNames(ecr, 'live', 'v1'), before, 'the old findings are back');
  t.is(
    ((await (await adminRequest(emu.endpoint, 'GET', '/scanning/advisories')).json()) as { advisories: unknown[] }).advisories.length,
    ADVISORIES.length,
  );
});

test('a snapshot keeps the advisories and the scans; a start from it serves them', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'scanned.snapshot');
  {
    await using emu = await startEmulator({ ...quiet, advisories: join(import.meta.dirname, 'fixtures', 'advisories.json') });
    const ecr = client(emu);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'app', imageScanningConfiguration: { scanOnPush: true } }));
    await pushDebian(ecr, 'app', 'v1');
    await emu.scansSettled();
    await emu.snapshot(file);
  }
  await using emu = await startEmulator({ ...quiet, fromSnapshot: file });
  t.deepEqual(await findingNames(client(emu), 'app', 'v1'), ['COMPLETE', 'CVE-2024-0001', 'CVE-2024-0001', 'CVE-2024-0003']);
  t.is(emu.engine.state.scanning?.advisories.length, ADVISORIES.length);
});

test('a push is answered before its scan is recorded: the scan ends in a later commit', async (t) => {
  await using emu = await startEmulator({ ...quiet });
  const ecr = client(emu);
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'app', imageScanningConfiguration: { scanOnPush: true } }));
  const commits: string[][] = [];
  emu.engine.on('events', (events) => commits.push(events.map((e) => e.type)));
  await pushDebian(ecr, 'app', 'v1');
  await emu.scansSettled();
  const push = commits.findIndex((c) => c.includes('ManifestPut'));
  t.deepEqual(commits[push], ['ManifestPut', 'TagPut', 'ImageScanStarted']);
  t.deepEqual(commits.slice(push + 1), [['ImageInventoried', 'ImageScanCompleted']]);
});

test('a basic scan gives the ECR Image Scan event after the push, from the journal (the same on a replay from 0)', async (t) => {
  await using emu = await startEmulator({ ...quiet, advisories: join(import.meta.dirname, 'fixtures', 'advisories.json') });
  const ecr = client(emu);
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'app', imageScanningConfiguration: { scanOnPush: true } }));
  const digest = await pushDebian(ecr, 'app', 'v1');
  await emu.scansSettled();
  const read = async () =>
    (await (await adminRequest(emu.endpoint, 'GET', '/eventbridge?from=0')).text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { 'detail-type': string; resources: string[]; detail: Record<string, unknown> });
  const events = await read();
  t.deepEqual(
    events.map((e) => e['detail-type']),
    ['ECR Image Action', 'ECR Image Scan'],
  );
  t.deepEqual(events[1]!.resources, ['arn:aws:ecr:us-east-1:000000000000:repository/app']);
  t.deepEqual(events[1]!.detail, {
    'scan-status': 'COMPLETE',
    'repository-name': 'app',
    'finding-severity-counts': { CRITICAL: 2, MEDIUM: 1 },
    'image-digest': digest,
    'image-tags': ['v1'],
  });
  t.deepEqual(await read(), events);
});
