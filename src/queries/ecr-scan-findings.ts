/**
 * Image scan results in the shapes ECR answers with: DescribeImageScanFindings'
 * findings (basic) and enhancedFindings (enhanced, Amazon Inspector's shape), and
 * DescribeImages' imageScanStatus and imageScanFindingsSummary. The scan shown is
 * the one of the registry's current scan type (switching BASIC <-> ENHANCED hides
 * the other type's results, and switching back shows them again, as on ECR).
 * Times are epoch seconds, as on the JSON wire.
 */
import { createHash } from 'node:crypto';
import { severityCounts } from '../domain/scanning/match-findings.ts';
import { registryScanning } from '../domain/scanning/scan-policy.ts';
import { imageScans, scanRecord } from '../domain/scanning/image-scans.ts';
import type { Finding, ScanRecord, ScanType } from '../domain/scanning/scanning-state.ts';
import type { Image, RegistryState, Repository } from '../domain/state.ts';
import { repositoryArn } from './ecr-repositories.ts';

export interface ScanStatusView {
  status: ScanRecord['status'] | 'IMAGE_ARCHIVED';
  description?: string;
}

export interface ScanSummaryView {
  imageScanCompletedAt: number;
  vulnerabilitySourceUpdatedAt?: number;
  findingSeverityCounts: Record<string, number>;
}

export interface BasicFindingView {
  name: string;
  description?: string;
  uri?: string;
  severity: Finding['severity'];
  attributes: { key: string; value: string }[];
}

/** The scan of `image` that ECR shows now, and its type; undefined when none was ever started. */
export function shownScan(state: RegistryState, repo: Repository, image: Image): { type: ScanType; record: ScanRecord } | undefined {
  const type = registryScanning(state, repo).scanType;
  const record = scanRecord(image, type);
  return record ? { type, record } : undefined;
}

export function scanStatusView(image: Image, record: ScanRecord): ScanStatusView {
  if (image.storageClass === 'ARCHIVE') return { status: 'IMAGE_ARCHIVED', description: 'The image is archived; restore it to scan it.' };
  return { status: record.status, ...(record.description !== '' ? { description: record.description } : {}) };
}

/** Whether the record has findings to show (none while a first scan runs, nor after a failed one). */
export const hasResults = (record: ScanRecord): boolean =>
  record.completedAt !== null &&
  (record.status === 'COMPLETE' || record.status === 'ACTIVE' || record.status === 'SCAN_ELIGIBILITY_EXPIRED');

/** DescribeImages' scan fields of an image (none when it was never scanned). */
export function imageScanSummary(
  state: RegistryState,
  repo: Repository,
  image: Image,
): { imageScanStatus?: ScanStatusView; imageScanFindingsSummary?: ScanSummaryView } {
  const shown = shownScan(state, repo, image);
  if (!shown) return {};
  const { type, record } = shown;
  return {
    imageScanStatus: scanStatusView(image, record),
    ...(hasResults(record)
      ? {
          imageScanFindingsSummary: {
            imageScanCompletedAt: record.completedAt! / 1000,
            ...(record.vulnerabilitySourceUpdatedAt !== null
              ? { vulnerabilitySourceUpdatedAt: record.vulnerabilitySourceUpdatedAt / 1000 }
              : {}),
            findingSeverityCounts: severityCounts(record.findings, type === 'ENHANCED' ? 'UNTRIAGED' : 'UNDEFINED'),
          },
        }
      : {}),
  };
}

/** An image's detail with its DescribeImages scan fields added in place (nothing to add when it was never scanned). */
export function withScanSummary<T extends object>(detail: T, state: RegistryState, repo: Repository, image: Image): T {
  if (imageScans(image) === undefined) return detail;
  return Object.assign(detail, imageScanSummary(state, repo, image));
}

/** A basic finding: name, description, uri, severity and the package as attributes. */
export function basicFinding(f: Finding): BasicFindingView {
  const attributes: { key: string; value: string }[] = [
    { key: 'package_name', value: f.package },
    { key: 'package_version', value: f.version },
  ];
  if (f.cvss !== null) {
    const v = f.cvss.version?.startsWith('2') ? 'CVSS2' : f.cvss.version?.startsWith('4') ? 'CVSS4' : 'CVSS3';
    attributes.push({ key: `${v}_SCORE`, value: String(f.cvss.score) });
    if (f.cvss.vector !== null) attributes.push({ key: `${v}_VECTOR`, value: f.cvss.vector });
  }
  return {
    name: f.id,
    ...(f.description !== null ? { description: f.description } : {}),
    ...(f.uri !== null ? { uri: f.uri } : {}),
    severity: f.severity,
    attributes,
  };
}

/** Inspector's vulnerability source names for the distributions it knows. */
const SOURCES: Record<string, string> = { debian: 'DEBIAN_CVE', ubuntu: 'UBUNTU_CVE', alpine: 'ALPINE_SECDB' };

/** dpkg `1:2.3-4` -> epoch 1, version 2.3, release 4; apk `1.2.3-r4` -> epoch 0, version 1.2.3, release r4. */
function versionParts(f: Finding): { epoch: number; version: string; release?: string } {
  let v = f.version;
  let epoch = 0;
  const colon = v.indexOf(':');
  if (f.manager === 'dpkg' && colon > 0 && /^\d+$/.test(v.slice(0, colon))) {
    epoch = Number(v.slice(0, colon));
    v = v.slice(colon + 1);
  }
  const dash = v.lastIndexOf('-');
  return dash < 0 ? { epoch, version: v } : { epoch, version: v.slice(0, dash), release: v.slice(dash + 1) };
}

export interface EnhancedContext {
  repo: Repository;
  image: Image;
  tags: readonly string[];
  /** When the image was last scanned (lastObservedAt, updatedAt) */
  scannedAt: number;
  platform: string | null;
  architecture: string | null;
}

/** An enhanced finding: Amazon Inspector's package vulnerability finding, as ECR relays it. */
export function enhancedFinding(f: Finding, c: EnhancedContext) {
  const { repo, image } = c;
  const arnId = createHash('sha256')
    .update(`${repo.account}\0${repo.region}\0${repo.name}\0${image.digest}\0${f.id}\0${f.package}`)
    .digest('hex')
    .slice(0, 32);
  const parts = versionParts(f);
  const severity = f.severity === 'UNDEFINED' ? 'UNTRIAGED' : f.severity;
  const cvss = f.cvss;
  return {
    awsAccountId: repo.account,
    ...(f.description !== null ? { description: f.description } : {}),
    findingArn: `arn:aws:inspector2:${repo.region}:${repo.account}:finding/${arnId}`,
    firstObservedAt: f.firstObservedAt / 1000,
    lastObservedAt: c.scannedAt / 1000,
    packageVulnerabilityDetails: {
      cvss: cvss
        ? [
            {
              baseScore: cvss.score,
              ...(cvss.vector !== null ? { scoringVector: cvss.vector } : {}),
              source: 'NVD',
              ...(cvss.version !== null ? { version: cvss.version } : {}),
            },
          ]
        : [],
      referenceUrls: f.uri !== null ? [f.uri] : [],
      relatedVulnerabilities: [],
      source: SOURCES[f.ecosystem.split(':')[0] ?? ''] ?? f.ecosystem.toUpperCase(),
      ...(f.uri !== null ? { sourceUrl: f.uri } : {}),
      vendorSeverity: f.severity,
      vulnerabilityId: f.id,
      vulnerablePackages: [
        {
          name: f.package,
          version: parts.version,
          epoch: parts.epoch,
          ...(parts.release !== undefined ? { release: parts.release } : {}),
          ...(f.arch !== null ? { arch: f.arch } : {}),
          packageManager: 'OS',
          filePath: f.path,
          sourceLayerHash: f.layer,
          ...(f.fixed !== null ? { fixedInVersion: f.fixed } : {}),
        },
      ],
    },
    remediation: {
      recommendation: { text: f.fixed !== null ? `Upgrade ${f.package} to version ${f.fixed} or later.` : 'None Provided' },
    },
    resources: [
      {
        type: 'AWS_ECR_CONTAINER_IMAGE',
        id: `${repositoryArn(repo)}/${image.digest}`,
        details: {
          awsEcrContainerImage: {
            ...(c.architecture !== null ? { architecture: c.architecture } : {}),
            imageHash: image.digest,
            imageTags: [...c.tags],
            ...(c.platform !== null ? { platform: c.platform } : {}),
            pushedAt: image.pushedAt / 1000,
            registry: repo.account,
            repositoryName: repo.name,
          },
        },
      },
    ],
    ...(cvss
      ? {
          score: cvss.score,
          scoreDetails: {
            cvss: {
              score: cvss.score,
              scoreSource: 'NVD',
              ...(cvss.vector !== null ? { scoringVector: cvss.vector } : {}),
              ...(cvss.version !== null ? { version: cvss.version } : {}),
              adjustments: [],
            },
          },
        }
      : {}),
    severity,
    status: 'ACTIVE',
    title: `${f.id} - ${f.package}`,
    type: 'PACKAGE_VULNERABILITY',
    updatedAt: c.scannedAt / 1000,
    fixAvailable: f.fixed !== null ? 'YES' : 'NO',
    exploitAvailable: 'NO',
  };
}

/** Inspector's platform name: DEBIAN_12, UBUNTU_22_04, ALPINE_LINUX_3_19, ... */
export function platformOf(os: { id: string; versionId: string | null } | null): string | null {
  if (!os) return null;
  const name = os.id === 'alpine' ? 'ALPINE_LINUX' : os.id.toUpperCase();
  if (os.versionId === null) return name;
  const v = os.id === 'alpine' ? os.versionId.split('.').slice(0, 2).join('_') : os.versionId.replace(/\./g, '_');
  return `${name}_${v}`;
}
