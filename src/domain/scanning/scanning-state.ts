/**
 * What the registry state holds about image scanning: the advisory list scans
 * match against (registry-wide, `state.scanning`), and per image its inventory
 * and the latest scan of each scan type (`image.extra.scans`, read with image-scans.ts).
 * Plain data only, so it is cloned and snapshotted as it is.
 */

export type ScanType = 'BASIC' | 'ENHANCED';

/** ImageScanStatus.status values this emulator reports. */
export type ScanStatus = 'IN_PROGRESS' | 'COMPLETE' | 'FAILED' | 'UNSUPPORTED_IMAGE' | 'ACTIVE' | 'PENDING' | 'SCAN_ELIGIBILITY_EXPIRED';

/** Why a scan was started. */
export type ScanTrigger = 'push' | 'manual' | 'continuous' | 'configuration';

/** ImageScanFinding severities (basic); enhanced findings say UNTRIAGED for UNDEFINED. */
export type Severity = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL' | 'UNDEFINED';

export const SEVERITIES: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'];

/** ImageScanStatus descriptions. */
export const SCAN_DESCRIPTIONS = {
  COMPLETE: 'The scan was completed successfully.',
  ACTIVE: 'Continuous scan is selected for image.',
  PENDING: 'Pending start of the image scan.',
  UNSUPPORTED_OS: 'UnsupportedImageError: The operating system and/or package manager are not supported.',
  ELIGIBILITY_EXPIRED: 'Continuous scanning has lapsed for this image: it was not pushed or pulled within the scan duration.',
} as const;

export interface Cvss {
  score: number;
  vector: string | null;
  /** '2.0', '3.0', '3.1', '4.0'; null when unknown */
  version: string | null;
}

/** One entry of the user's advisory list (--advisories, PUT /_rewind/scanning/advisories). */
export interface Advisory {
  /** CVE-2024-1234, DSA-5678-1, ALPINE-... */
  id: string;
  /** The package it concerns: a binary package name, or a source package name (dpkg Source, apk origin). */
  package: string;
  /** `debian`, `ubuntu`, `alpine`, optionally with a release: `debian:12`, `ubuntu:22.04`, `alpine:3.19`. */
  ecosystem: string;
  /** Affected versions (version-range.ts); null: every version below `fixed`. */
  affected: string | null;
  /** The first version with the fix; null: no fix yet. */
  fixed: string | null;
  severity: Severity;
  cvss: Cvss | null;
  description: string | null;
  uri: string | null;
}

export interface OsRelease {
  /** os-release ID (`debian`, `ubuntu`, `alpine`), or the package manager's usual distribution when absent */
  id: string;
  versionId: string | null;
  prettyName: string | null;
}

/** An installed OS package as its package database lists it. */
export interface InstalledPackage {
  name: string;
  version: string;
  /** dpkg Source / apk origin, when it differs from the name */
  source: string | null;
  arch: string | null;
  manager: 'dpkg' | 'apk';
  /** The database file that lists it (`var/lib/dpkg/status`, `lib/apk/db/installed`, ...). */
  path: string;
  /** Digest of the layer that wrote that file. */
  layer: string;
}

/** What the scanner read from an image's layers: the facts findings are matched from. */
export interface Inventory {
  /** 'image' for a container image; 'artifact' for anything else (signatures, charts, ...) */
  kind: 'image' | 'artifact';
  /** Why an artifact is not scanned, or null. */
  reason: string | null;
  os: OsRelease | null;
  /** From the image config (amd64, arm64, ...) */
  architecture: string | null;
  /** Package database files found (after whiteouts), in path order. */
  databases: string[];
  packages: InstalledPackage[];
}

/** A package matched by an advisory: the advisory's facts copied in, so a result stands on its own. */
export interface Finding {
  id: string;
  severity: Severity;
  cvss: Cvss | null;
  description: string | null;
  uri: string | null;
  fixed: string | null;
  ecosystem: string;
  package: string;
  version: string;
  source: string | null;
  arch: string | null;
  manager: 'dpkg' | 'apk';
  path: string;
  layer: string;
  /** When this (advisory, package) pair was first seen in this image (enhanced firstObservedAt). */
  firstObservedAt: number;
}

export interface ScanRecord {
  status: ScanStatus;
  description: string;
  trigger: ScanTrigger;
  /** When the latest scan of this type was started (StartImageScan's once-per-24-hours limit reads it). */
  startedAt: number;
  /** A started scan the scanner has not finished yet. */
  pending: boolean;
  /** When the latest scan finished, or null before the first one. */
  completedAt: number | null;
  /** The advisory list's time that the findings were matched against. */
  vulnerabilitySourceUpdatedAt: number | null;
  findings: Finding[];
}

export interface ImageScans {
  inventory: Inventory | null;
  basic: ScanRecord | null;
  enhanced: ScanRecord | null;
}

export interface ScanningState {
  advisories: Advisory[];
  /** Time of the AdvisoriesPut that set them (vulnerabilitySourceUpdatedAt). */
  updatedAt: number;
  source: string | null;
}
