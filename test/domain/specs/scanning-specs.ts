/** Image scanning commands (src/domain/scanning/scanning-decide.ts). */
import { findingData } from '../../../src/domain/scanning/scanning-event-factories.ts';
import type { scanningDeciders } from '../../../src/domain/scanning/scanning-decide.ts';
import { scanningEvents as ev } from '../../../src/domain/scanning/scanning-event-factories.ts';
import type { Advisory, Inventory } from '../../../src/domain/scanning/scanning-state.ts';
import { settingsEvents } from '../../../src/domain/settings/settings-event-factories.ts';
import { coreEvents } from '../../../src/domain/events.ts';
import { given, NOW, then, WHEN, when, type SpecsFor } from '../given-when-then.ts';
import { at, image, index, inRepo, manifestPut, scope, withBlobs, withImage } from './decider-fixtures.ts';

const scanned = image();
const digest = scanned.digest;
const reg = { account: scope.account, region: scope.region };

const advisory = (a: Partial<Advisory> & Pick<Advisory, 'id' | 'package'>): Advisory => ({
  ecosystem: 'debian',
  affected: null,
  fixed: null,
  severity: 'HIGH',
  cvss: null,
  description: null,
  uri: null,
  ...a,
});
const bashAdvisory = advisory({ id: 'CVE-1', package: 'bash', fixed: '5.2.15-3' });
const advisoriesPut = ev.AdvisoriesPut({ advisories: [bashAdvisory], source: 'api' });

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

const enhancedContinuous = settingsEvents.RegistryScanningConfigurationPut({
  ...reg,
  scanType: 'ENHANCED',
  rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'team/*', filterType: 'WILDCARD' }] }],
});

/** team/app:v1 with a basic scan started (by hand) at NOW + 7 and the advisories put first. */
const pendingBasic = [advisoriesPut, ...withImage(['v1']), ev.ImageScanStarted({ ...at, digest, scanType: 'BASIC', trigger: 'manual' })];

const start = { type: 'StartImageScan', ...inRepo, digest } as const;
const complete = (outcome: Extract<Parameters<typeof when>[1], { type: 'CompleteImageScan' }>['outcome']) =>
  ({ type: 'CompleteImageScan', ...inRepo, digest, outcome }) as const;

export const scanningSpecs: SpecsFor<typeof scanningDeciders> = {
  PutAdvisories: {
    'records the list; without continuous-scan repositories nothing is rescanned': (t) =>
      then(t, when(given(withImage()), { type: 'PutAdvisories', advisories: [bashAdvisory], source: 'api' }), [advisoriesPut]),
    'starts an enhanced scan of every image in a continuous-scan repository': (t) =>
      then(t, when(given([enhancedContinuous, ...withImage()]), { type: 'PutAdvisories', advisories: [bashAdvisory], source: 'api' }), [
        advisoriesPut,
        ev.ImageScanStarted({ ...at, digest, scanType: 'ENHANCED', trigger: 'continuous' }),
      ]),
    'an image whose enhanced scan is still pending is not started again': (t) =>
      then(
        t,
        when(given([enhancedContinuous, ...withImage(), ev.ImageScanStarted({ ...at, digest, scanType: 'ENHANCED', trigger: 'push' })]), {
          type: 'PutAdvisories',
          advisories: [bashAdvisory],
          source: 'api',
        }),
        [advisoriesPut],
      ),
  },

  StartImageScan: {
    'starts a basic scan': (t) =>
      then(t, when(given(withImage()), start), [ev.ImageScanStarted({ ...at, digest, scanType: 'BASIC', trigger: 'manual' })]),
    'a second one within 24 hours is LimitExceeded': (t) => then(t, when(given(pendingBasic), start), 'LimitExceeded'),
    'an unknown image or repository': (t) => {
      then(t, when(given(withBlobs), start), 'ImageNotFound');
      then(t, when(given([]), start), 'RepositoryNotFound');
    },
    'an image index is UnsupportedImageType': (t) => {
      const list = index([scanned]);
      then(
        t,
        when(given([...withImage(), manifestPut(list, list.bytes.byteLength)]), { ...start, digest: list.digest }),
        'UnsupportedImageType',
      );
    },
    'an archived image is ImageArchived': (t) =>
      then(
        t,
        when(given([...withImage(), settingsEvents.ImageStorageClassChanged({ ...at, digest, storageClass: 'ARCHIVE' })]), start),
        'ImageArchived',
      ),
    'under ENHANCED scanning it is refused (Validation)': (t) =>
      then(t, when(given([enhancedContinuous, ...withImage()]), start), 'Validation'),
  },

  CompleteImageScan: {
    'records the inventory and ends the pending scan with the findings of the advisories in force': (t) =>
      then(t, when(given(pendingBasic), complete({ kind: 'inventory', inventory })), [
        ev.ImageInventoried({ ...at, digest, inventory }),
        ev.ImageScanCompleted({
          ...at,
          digest,
          scanType: 'BASIC',
          status: 'COMPLETE',
          description: 'The scan was completed successfully.',
          findings: [
            findingData({
              id: 'CVE-1',
              severity: 'HIGH',
              cvss: null,
              description: null,
              uri: null,
              fixed: '5.2.15-3',
              ecosystem: 'debian',
              package: 'bash',
              version: '5.2.15-2',
              source: null,
              arch: 'amd64',
              manager: 'dpkg',
              path: 'var/lib/dpkg/status',
              layer: 'sha256:l',
              firstObservedAt: WHEN,
            }),
          ],
          vulnerabilitySourceUpdatedAt: NOW,
        }),
      ]),
    'a failure ends the pending scan as FAILED': (t) =>
      then(t, when(given(pendingBasic), complete({ kind: 'failed', description: 'ScanError: layer x could not be read' })), [
        ev.ImageScanCompleted({
          ...at,
          digest,
          scanType: 'BASIC',
          status: 'FAILED',
          description: 'ScanError: layer x could not be read',
          findings: [],
          vulnerabilitySourceUpdatedAt: null,
        }),
      ]),
    'an artifact ends as UNSUPPORTED_IMAGE, an image without a package database as FAILED': (t) => {
      const artifact: Inventory = {
        ...inventory,
        kind: 'artifact',
        reason: 'The artifact is a signature.',
        os: null,
        databases: [],
        packages: [],
      };
      then(t, when(given(pendingBasic), complete({ kind: 'inventory', inventory: artifact })), [
        ev.ImageInventoried({ ...at, digest, inventory: artifact }),
        ev.ImageScanCompleted({
          ...at,
          digest,
          scanType: 'BASIC',
          status: 'UNSUPPORTED_IMAGE',
          description: 'UnsupportedImageError: The artifact is a signature.',
          findings: [],
          vulnerabilitySourceUpdatedAt: NOW,
        }),
      ]);
      const bare: Inventory = { ...inventory, os: null, databases: [], packages: [] };
      const d = when(given(pendingBasic), complete({ kind: 'inventory', inventory: bare }));
      t.true(d.ok && d.events[1]?.type === 'ImageScanCompleted' && d.events[1].data.status === 'FAILED');
    },
    'nothing pending, or the image gone: nothing': (t) => {
      then(t, when(given(withImage()), complete({ kind: 'stored' })), []);
      then(t, when(given([...pendingBasic, coreEvents.ImageDeleted({ ...at, digest })]), complete({ kind: 'inventory', inventory })), []);
    },
    'a stored inventory is matched again without being recorded again': (t) => {
      const rescan = [
        ...pendingBasic,
        ev.ImageInventoried({ ...at, digest, inventory }),
        ev.ImageScanStarted({ ...at, digest, scanType: 'ENHANCED', trigger: 'configuration' }),
      ];
      const d = when(given(rescan), complete({ kind: 'stored' }));
      t.deepEqual(d.ok ? d.events.map((e) => `${e.type}:${'scanType' in e.data ? e.data.scanType : ''}`) : [], [
        'ImageScanCompleted:BASIC',
        'ImageScanCompleted:ENHANCED',
      ]);
    },
  },
};
