// The scanning deciders as specifications: given events, when a command, then events or an error.
import test from 'ava';
import { createHash } from 'node:crypto';
import { coreEvents as ev } from '../../src/domain/events.ts';
import { parseManifest } from '../../src/domain/manifest.ts';
import { scanningEvents as scan } from '../../src/domain/scanning/scanning-event-factories.ts';
import { settingsEvents as settings } from '../../src/domain/settings/settings-event-factories.ts';
import type { Inventory } from '../../src/domain/scanning/scanning-state.ts';
import { decide } from '../../src/domain/decide.ts';
import type { Command } from '../../src/domain/commands.ts';
import { given, NOW, when } from './given-when-then.ts';

/** `when`, `ms` after the given events. */
const whenAfter = (ms: number, state: ReturnType<typeof given>, command: Command) => decide(state, command, { now: NOW + ms });

const scope = { account: '000000000000', region: 'us-east-1' };
const at = (repository: string) => ({ account: scope.account, region: scope.region, repository });
const digestOf = (s: string | Uint8Array): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const DAY = 24 * 3600 * 1000;

const created = (repository: string, scanOnPush = false) =>
  ev.RepositoryCreated({
    ...at(repository),
    imageTagMutability: 'MUTABLE',
    imageTagMutabilityExclusionFilters: [],
    scanOnPush,
    encryptionType: 'AES256',
    kmsKey: null,
    resourceTags: [],
    cause: 'api',
  });

const config = digestOf('config');
const bytes = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 6 },
    layers: [],
  }),
);
const digest = digestOf(bytes);
const parsed = parseManifest(bytes);
if (!parsed.ok) throw new Error(parsed.message);
const manifest = parsed.manifest;

const uploaded = (repository: string) => [
  ev.UploadStarted({ ...at(repository), uploadId: `u-${repository}`, via: 'oci' }),
  ev.UploadCompleted({ uploadId: `u-${repository}`, digest: config, size: 6 }),
];
const manifestPut = (repository: string) =>
  ev.ManifestPut({
    ...at(repository),
    digest,
    mediaType: manifest.mediaType,
    bytes,
    size: 6,
    blobs: [config],
    manifests: [],
    subject: null,
    artifactType: null,
    configMediaType: manifest.config!.mediaType,
  });
const putManifest = (repository: string) => ({
  type: 'PutManifest' as const,
  scope,
  repository,
  digest,
  bytes,
  manifest,
  tag: 'v1',
  via: 'oci' as const,
});

const typesOf = (d: ReturnType<typeof decide>): string[] =>
  d.ok
    ? d.events.map(
        (e) =>
          `${e.type}${'scanType' in e.data ? `:${String(e.data.scanType)}:${String((e.data as { trigger?: string }).trigger ?? (e.data as { status?: string }).status)}` : ''}`,
      )
    : [`error:${d.error.code}`];

test('a push starts a scan only where the configuration says so', (t) => {
  t.deepEqual(typesOf(when(given([created('a'), ...uploaded('a')]), putManifest('a'))), ['ManifestPut', 'TagPut']);
  t.deepEqual(typesOf(when(given([created('a', true), ...uploaded('a')]), putManifest('a'))), [
    'ManifestPut',
    'TagPut',
    'ImageScanStarted:BASIC:push',
  ]);
  const basicRule = settings.RegistryScanningConfigurationPut({
    ...scope,
    scanType: 'BASIC',
    rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'pro', filterType: 'WILDCARD' }] }],
  });
  t.deepEqual(typesOf(when(given([basicRule, created('team/prod'), ...uploaded('team/prod')]), putManifest('team/prod'))), [
    'ManifestPut',
    'TagPut',
    'ImageScanStarted:BASIC:push',
  ]);
  const enhanced = settings.RegistryScanningConfigurationPut({
    ...scope,
    scanType: 'ENHANCED',
    rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'x*', filterType: 'WILDCARD' }] }],
  });
  t.deepEqual(typesOf(when(given([enhanced, created('xa'), ...uploaded('xa')]), putManifest('xa'))), [
    'ManifestPut',
    'TagPut',
    'ImageScanStarted:ENHANCED:push',
  ]);
  // under ENHANCED, the repository's own scanOnPush does not count
  t.deepEqual(typesOf(when(given([enhanced, created('ya', true), ...uploaded('ya')]), putManifest('ya'))), ['ManifestPut', 'TagPut']);
});

test('StartImageScan: once per 24 hours per image, the scan on push included', (t) => {
  const pushed = given([
    created('a', true),
    ...uploaded('a'),
    manifestPut('a'),
    scan.ImageScanStarted({ ...at('a'), digest, scanType: 'BASIC', trigger: 'push' }),
  ]);
  const start = { type: 'StartImageScan' as const, scope, repository: 'a', digest };
  // the scan started at NOW + 4 (the fifth given event)
  t.deepEqual(typesOf(whenAfter(1000, pushed, start)), ['error:LimitExceeded']);
  t.deepEqual(typesOf(whenAfter(4 + DAY - 1, pushed, start)), ['error:LimitExceeded']);
  t.deepEqual(typesOf(whenAfter(4 + DAY, pushed, start)), ['ImageScanStarted:BASIC:manual']);
});

test('StartImageScan: not found, ENHANCED refused', (t) => {
  const state = given([created('a'), ...uploaded('a'), manifestPut('a')]);
  t.deepEqual(typesOf(when(state, { type: 'StartImageScan', scope, repository: 'a', digest: digestOf('x') })), ['error:ImageNotFound']);
  t.deepEqual(typesOf(when(state, { type: 'StartImageScan', scope, repository: 'b', digest })), ['error:RepositoryNotFound']);
  t.deepEqual(typesOf(when(state, { type: 'StartImageScan', scope, repository: 'a', digest })), ['ImageScanStarted:BASIC:manual']);
  const enhanced = given([
    settings.RegistryScanningConfigurationPut({ ...scope, scanType: 'ENHANCED', rules: [] }),
    created('a'),
    ...uploaded('a'),
    manifestPut('a'),
  ]);
  t.deepEqual(typesOf(when(enhanced, { type: 'StartImageScan', scope, repository: 'a', digest })), ['error:Validation']);
});

const inventory: Inventory = {
  kind: 'image',
  reason: null,
  os: { id: 'debian', versionId: '12', prettyName: null },
  architecture: 'amd64',
  databases: ['var/lib/dpkg/status'],
  packages: [
    { name: 'bash', version: '5.2.15-2', source: null, arch: 'amd64', manager: 'dpkg', path: 'var/lib/dpkg/status', layer: 'sha256:l' },
  ],
};

test('CompleteImageScan: records the inventory once and ends every pending scan with matched findings', (t) => {
  const advisories = scan.AdvisoriesPut({
    advisories: [
      {
        id: 'CVE-1',
        package: 'bash',
        ecosystem: 'debian',
        affected: null,
        fixed: '5.2.15-3',
        severity: 'HIGH',
        cvss: null,
        description: null,
        uri: null,
      },
    ],
    source: 'api',
  });
  const pending = [
    advisories,
    created('a'),
    ...uploaded('a'),
    manifestPut('a'),
    scan.ImageScanStarted({ ...at('a'), digest, scanType: 'BASIC', trigger: 'manual' }),
  ];
  const d = when(given(pending), { type: 'CompleteImageScan', scope, repository: 'a', digest, outcome: { kind: 'inventory', inventory } });
  t.deepEqual(typesOf(d), ['ImageInventoried', 'ImageScanCompleted:BASIC:COMPLETE']);
  if (!d.ok) return;
  const completed = d.events[1]!.data as { findings: { id: string }[]; vulnerabilitySourceUpdatedAt: number };
  t.deepEqual(
    completed.findings.map((f) => f.id),
    ['CVE-1'],
  );
  t.is(completed.vulnerabilitySourceUpdatedAt, NOW);
  // nothing pending: nothing to do; a failure ends the pending scans as FAILED
  const done = given([...pending, ...d.events]);
  t.deepEqual(typesOf(when(done, { type: 'CompleteImageScan', scope, repository: 'a', digest, outcome: { kind: 'stored' } })), []);
  t.deepEqual(
    typesOf(
      when(given(pending), { type: 'CompleteImageScan', scope, repository: 'a', digest, outcome: { kind: 'failed', description: 'x' } }),
    ),
    ['ImageScanCompleted:BASIC:FAILED'],
  );
  // a deleted image: nothing
  t.deepEqual(
    typesOf(
      when(given([...pending, ev.ImageDeleted({ ...at('a'), digest })]), {
        type: 'CompleteImageScan',
        scope,
        repository: 'a',
        digest,
        outcome: { kind: 'inventory', inventory },
      }),
    ),
    [],
  );
});

test('PutAdvisories rescans continuous repositories only, and lets continuous scanning lapse for unused images', (t) => {
  const enhanced = settings.RegistryScanningConfigurationPut({
    ...scope,
    scanType: 'ENHANCED',
    rules: [
      { scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'live', filterType: 'WILDCARD' }] },
      { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'push', filterType: 'WILDCARD' }] },
    ],
  });
  const state = given([
    enhanced,
    created('live'),
    ...uploaded('live'),
    manifestPut('live'),
    created('push'),
    ...uploaded('push'),
    manifestPut('push'),
  ]);
  t.deepEqual(typesOf(when(state, { type: 'PutAdvisories', advisories: [], source: 'api' })), [
    'AdvisoriesPut',
    'ImageScanStarted:ENHANCED:continuous',
  ]);
  const scanned = given([
    enhanced,
    created('live'),
    ...uploaded('live'),
    manifestPut('live'),
    scan.ImageScanStarted({ ...at('live'), digest, scanType: 'ENHANCED', trigger: 'push' }),
    scan.ImageScanCompleted({
      ...at('live'),
      digest,
      scanType: 'ENHANCED',
      status: 'ACTIVE',
      description: '',
      findings: [],
      vulnerabilitySourceUpdatedAt: null,
    }),
  ]);
  t.deepEqual(typesOf(when(scanned, { type: 'PutAdvisories', advisories: [], source: 'api' })), [
    'AdvisoriesPut',
    'ImageScanStarted:ENHANCED:continuous',
  ]);
  // 30 days without a push or a pull: no rescan, the status says so
  t.deepEqual(typesOf(whenAfter(31 * DAY, scanned, { type: 'PutAdvisories', advisories: [], source: 'api' })), [
    'AdvisoriesPut',
    'ImageScanStatusChanged:ENHANCED:SCAN_ELIGIBILITY_EXPIRED',
  ]);
});
