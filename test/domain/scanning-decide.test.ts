// Scanning in other commands' decisions (a push, the scanning configuration) and the time limits of
// scanning commands at other moments than specs/scanning-specs.ts's fixed `now`.
import test from 'ava';
import { createHash } from 'node:crypto';
import { coreEvents as ev } from '../../src/domain/events.ts';
import { parseManifest } from '../../src/domain/manifest.ts';
import { scanningEvents as scan } from '../../src/domain/scanning/scanning-event-factories.ts';
import { settingsEvents as settings } from '../../src/domain/settings/settings-event-factories.ts';
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
