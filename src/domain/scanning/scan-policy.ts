/**
 * Which images are scanned, and how: ECR's registry scanning configuration
 * (BASIC or ENHANCED, rules of SCAN_ON_PUSH / CONTINUOUS_SCAN / MANUAL with
 * repository filters) over the repository's own scanOnPush.
 *
 * - BASIC: a repository matched by a SCAN_ON_PUSH rule, or whose own scanOnPush
 *   is set, is scanned on push; any other is MANUAL (StartImageScan).
 * - ENHANCED: a repository matched by a CONTINUOUS_SCAN rule is scanned on push
 *   and again whenever the advisories change; one matched only by a SCAN_ON_PUSH
 *   rule is scanned on push; any other is not scanned (NONE). The repository's own
 *   scanOnPush does not count, and StartImageScan is refused.
 *
 * A filter without `*` matches every repository name that contains it; with `*`,
 * the whole name must match, `*` standing for any run of characters (ECR's filter table).
 */
import { scopeKey, type RegistryScope } from '../scope.ts';
import type { RepositoryFilter, ScanningRule } from '../settings/settings-state.ts';
import { isIndexMediaType } from '../manifest.ts';
import type { Image, RegistryState } from '../state.ts';
import { matchesTagFilter } from '../tag-filter.ts';
import type { ScanType } from './scanning-state.ts';

export type ScanFrequency = 'SCAN_ON_PUSH' | 'CONTINUOUS_SCAN' | 'MANUAL' | 'NONE';

/** Continuous scanning stops for an image not pushed or pulled for this long (SCAN_ELIGIBILITY_EXPIRED). */
export const CONTINUOUS_ELIGIBILITY_MS = 30 * 24 * 3600 * 1000;
/** When a registry turns to ENHANCED, images pushed within this time are scanned at once. */
export const ENHANCED_LOOKBACK_MS = 14 * 24 * 3600 * 1000;
/** StartImageScan: one basic scan per image per this time, the scan on push included. */
export const BASIC_SCAN_INTERVAL_MS = 24 * 3600 * 1000;

export function repositoryFilterMatches(name: string, filter: string): boolean {
  return filter.includes('*') ? matchesTagFilter(name, filter) : name.includes(filter);
}

export interface RegistryScanning {
  scanType: ScanType;
  rules: readonly ScanningRule[];
}

export function registryScanning(state: RegistryState, scope: RegistryScope): RegistryScanning {
  const s = state.registries.get(scopeKey(scope))?.scanning;
  return { scanType: s?.scanType === 'ENHANCED' ? 'ENHANCED' : 'BASIC', rules: s?.rules ?? [] };
}

export interface RepositoryScanning {
  scanType: ScanType;
  frequency: ScanFrequency;
  /** The filters of the rule that decided it (empty when the repository's own setting did). */
  appliedFilters: RepositoryFilter[];
}

const matching = (rules: readonly ScanningRule[], frequency: string, name: string): RepositoryFilter[] =>
  rules
    .filter((r) => r.scanFrequency === frequency)
    .flatMap((r) => r.repositoryFilters.filter((f) => repositoryFilterMatches(name, f.filter)));

/** How repository `name` is scanned under `config` (its own scanOnPush given). */
export function repositoryScanning(config: RegistryScanning, name: string, scanOnPush: boolean): RepositoryScanning {
  const { scanType, rules } = config;
  if (scanType === 'ENHANCED') {
    const continuous = matching(rules, 'CONTINUOUS_SCAN', name);
    if (continuous.length > 0) return { scanType, frequency: 'CONTINUOUS_SCAN', appliedFilters: continuous };
    const onPush = matching(rules, 'SCAN_ON_PUSH', name);
    if (onPush.length > 0) return { scanType, frequency: 'SCAN_ON_PUSH', appliedFilters: onPush };
    return { scanType, frequency: 'NONE', appliedFilters: [] };
  }
  const onPush = matching(rules, 'SCAN_ON_PUSH', name);
  if (onPush.length > 0) return { scanType, frequency: 'SCAN_ON_PUSH', appliedFilters: onPush };
  return { scanType, frequency: scanOnPush ? 'SCAN_ON_PUSH' : 'MANUAL', appliedFilters: [] };
}

/** Image indexes are never scanned (their images are). */
export const isScannable = (image: Image): boolean => !isIndexMediaType(image.mediaType);

/** When the image was last pushed or pulled: continuous scanning follows images in use. */
export const lastUsedAt = (image: Image): number => Math.max(image.pushedAt, image.lastPulledAt ?? 0);
