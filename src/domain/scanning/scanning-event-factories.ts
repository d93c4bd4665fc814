/** One factory per scanning event type, with nested values copied in a fixed key order (see ../events.ts). */
import type { EventOf } from '../events.ts';
import type { ScanningEventMap } from './scanning-events.ts';
import type { Advisory, Cvss, Finding, InstalledPackage, Inventory } from './scanning-state.ts';

type D<K extends keyof ScanningEventMap> = ScanningEventMap[K];

const cvss = (c: Cvss | null): Cvss | null => (c === null ? null : { score: c.score, vector: c.vector, version: c.version });

export const advisoryData = (a: Advisory): Advisory => ({
  id: a.id,
  package: a.package,
  ecosystem: a.ecosystem,
  affected: a.affected,
  fixed: a.fixed,
  severity: a.severity,
  cvss: cvss(a.cvss),
  description: a.description,
  uri: a.uri,
});

const packageData = (p: InstalledPackage): InstalledPackage => ({
  name: p.name,
  version: p.version,
  source: p.source,
  arch: p.arch,
  manager: p.manager,
  path: p.path,
  layer: p.layer,
});

export const inventoryData = (i: Inventory): Inventory => ({
  kind: i.kind,
  reason: i.reason,
  os: i.os === null ? null : { id: i.os.id, versionId: i.os.versionId, prettyName: i.os.prettyName },
  architecture: i.architecture,
  databases: [...i.databases],
  packages: i.packages.map(packageData),
});

export const findingData = (f: Finding): Finding => ({
  id: f.id,
  severity: f.severity,
  cvss: cvss(f.cvss),
  description: f.description,
  uri: f.uri,
  fixed: f.fixed,
  ecosystem: f.ecosystem,
  package: f.package,
  version: f.version,
  source: f.source,
  arch: f.arch,
  manager: f.manager,
  path: f.path,
  layer: f.layer,
  firstObservedAt: f.firstObservedAt,
});

export const scanningEvents = {
  AdvisoriesPut: (d: D<'AdvisoriesPut'>): EventOf<'AdvisoriesPut'> => ({
    type: 'AdvisoriesPut',
    data: { advisories: d.advisories.map(advisoryData), source: d.source },
  }),
  ImageScanStarted: (d: D<'ImageScanStarted'>): EventOf<'ImageScanStarted'> => ({
    type: 'ImageScanStarted',
    data: { account: d.account, region: d.region, repository: d.repository, digest: d.digest, scanType: d.scanType, trigger: d.trigger },
  }),
  ImageInventoried: (d: D<'ImageInventoried'>): EventOf<'ImageInventoried'> => ({
    type: 'ImageInventoried',
    data: { account: d.account, region: d.region, repository: d.repository, digest: d.digest, inventory: inventoryData(d.inventory) },
  }),
  ImageScanCompleted: (d: D<'ImageScanCompleted'>): EventOf<'ImageScanCompleted'> => ({
    type: 'ImageScanCompleted',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      digest: d.digest,
      scanType: d.scanType,
      status: d.status,
      description: d.description,
      findings: d.findings.map(findingData),
      vulnerabilitySourceUpdatedAt: d.vulnerabilitySourceUpdatedAt,
    },
  }),
  ImageScanStatusChanged: (d: D<'ImageScanStatusChanged'>): EventOf<'ImageScanStatusChanged'> => ({
    type: 'ImageScanStatusChanged',
    data: {
      account: d.account,
      region: d.region,
      repository: d.repository,
      digest: d.digest,
      scanType: d.scanType,
      status: d.status,
      description: d.description,
    },
  }),
} as const;

/** Schema version of each scanning event type (bump with an upcaster, see ../upcasters.ts). */
export const SCANNING_EVENT_VERSIONS: { [K in keyof ScanningEventMap]: number } = {
  AdvisoriesPut: 1,
  ImageScanStarted: 1,
  ImageInventoried: 1,
  ImageScanCompleted: 1,
  ImageScanStatusChanged: 1,
};
