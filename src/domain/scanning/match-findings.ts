/**
 * Matching an image's inventory against the advisory list: the findings of a scan.
 *
 * An advisory applies to an installed package when its ecosystem names the
 * package's distribution (and, if it names a release, the image's VERSION_ID is that
 * release or a point release of it), its package is the package's name or source
 * package, and the installed version is in its affected range and below its fixed
 * version, in the package manager's own version order (dpkg or apk).
 */
import { compareApkVersions } from './apk-version.ts';
import { compareDpkgVersions } from './dpkg-version.ts';
import type { Advisory, Finding, InstalledPackage, Inventory, Severity } from './scanning-state.ts';
import { SEVERITIES } from './scanning-state.ts';
import { inRange, parseVersionRange, type Compare, type VersionRange } from './version-range.ts';

export const COMPARATORS: Record<InstalledPackage['manager'], Compare> = {
  dpkg: compareDpkgVersions,
  apk: compareApkVersions,
};

export interface Ecosystem {
  name: string;
  release: string | null;
}

/** `debian:12` -> { name: 'debian', release: '12' }; `alpine:v3.19` -> release '3.19'. */
export function parseEcosystem(text: string): Ecosystem {
  const [name = '', release] = text.trim().toLowerCase().split(':', 2);
  const r = release?.replace(/^v/, '').trim();
  return { name, release: r ? r : null };
}

/** Whether the image's VERSION_ID is `release` or a point release of it (`3.19` covers `3.19.1`). */
export function releaseMatches(release: string | null, versionId: string | null): boolean {
  if (release === null) return true;
  if (versionId === null) return false;
  const v = versionId.replace(/^v/, '');
  return v === release || v.startsWith(`${release}.`);
}

interface Indexed {
  advisory: Advisory;
  release: string | null;
  range: VersionRange | undefined;
}

/** Advisories by `ecosystem name \0 package`, built once per advisory list (the list is never changed in place). */
const indexes = new WeakMap<readonly Advisory[], Map<string, Indexed[]>>();

function indexOf(advisories: readonly Advisory[]): Map<string, Indexed[]> {
  let index = indexes.get(advisories);
  if (index) return index;
  index = new Map();
  for (const advisory of advisories) {
    const eco = parseEcosystem(advisory.ecosystem);
    const parsed = advisory.affected === null ? [] : parseVersionRange(advisory.affected);
    const key = `${eco.name}\0${advisory.package}`;
    const entry: Indexed = { advisory, release: eco.release, range: typeof parsed === 'string' ? undefined : parsed };
    const list = index.get(key);
    if (list) list.push(entry);
    else index.set(key, [entry]);
  }
  indexes.set(advisories, index);
  return index;
}

/** The package manager of the distributions advisories know. */
const MANAGER_OF: Record<string, InstalledPackage['manager']> = { debian: 'dpkg', ubuntu: 'dpkg', alpine: 'apk' };
const DISTRIBUTION_OF: Record<InstalledPackage['manager'], string> = { dpkg: 'debian', apk: 'alpine' };

/**
 * The distribution (and release) a package belongs to: the image's (os-release), unless
 * that distribution uses another package manager (a dpkg database in an Alpine image):
 * then the manager's usual distribution, without a release.
 */
function distributionOf(pkg: InstalledPackage, os: { id: string; versionId: string | null }): { id: string; versionId: string | null } {
  const manager = MANAGER_OF[os.id];
  return manager === undefined || manager === pkg.manager ? os : { id: DISTRIBUTION_OF[pkg.manager], versionId: null };
}

const rank = (s: Severity): number => SEVERITIES.indexOf(s);

/** Findings sorted by severity (CRITICAL first), then advisory id, then package. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) => rank(a.severity) - rank(b.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || (a.package < b.package ? -1 : a.package > b.package ? 1 : 0),
  );
}

export const findingKey = (f: { id: string; package: string }): string => `${f.id}\0${f.package}`;

/**
 * The findings of `inventory` under `advisories`. `previous` findings of the same
 * image keep their firstObservedAt; new ones are first observed `now`.
 */
export function matchFindings(
  inventory: Inventory,
  advisories: readonly Advisory[],
  now: number,
  previous: readonly Finding[] = [],
): Finding[] {
  if (inventory.kind !== 'image' || inventory.os === null || advisories.length === 0) return [];
  const index = indexOf(advisories);
  const os = inventory.os;
  const firstSeen = new Map(previous.map((f) => [findingKey(f), f.firstObservedAt]));
  const out: Finding[] = [];
  for (const pkg of inventory.packages) {
    const compare = COMPARATORS[pkg.manager];
    const distro = distributionOf(pkg, os);
    const candidates = index.get(`${distro.id}\0${pkg.name}`);
    const bySource = pkg.source !== null && pkg.source !== pkg.name ? index.get(`${distro.id}\0${pkg.source}`) : undefined;
    if (!candidates && !bySource) continue;
    const seen = new Set<string>();
    for (const c of [...(candidates ?? []), ...(bySource ?? [])]) {
      const a = c.advisory;
      if (seen.has(a.id) || c.range === undefined || !releaseMatches(c.release, distro.versionId)) continue;
      if (!inRange(c.range, pkg.version, compare)) continue;
      if (a.fixed !== null && compare(pkg.version, a.fixed) >= 0) continue;
      seen.add(a.id);
      const key = findingKey({ id: a.id, package: pkg.name });
      out.push({
        id: a.id,
        severity: a.severity,
        cvss: a.cvss === null ? null : { score: a.cvss.score, vector: a.cvss.vector, version: a.cvss.version },
        description: a.description,
        uri: a.uri,
        fixed: a.fixed,
        ecosystem: a.ecosystem,
        package: pkg.name,
        version: pkg.version,
        source: pkg.source,
        arch: pkg.arch,
        manager: pkg.manager,
        path: pkg.path,
        layer: pkg.layer,
        firstObservedAt: firstSeen.get(key) ?? now,
      });
    }
  }
  return sortFindings(out);
}

/** findingSeverityCounts: severity -> count, for the severities that occur. */
export function severityCounts(findings: readonly Finding[], undefinedAs: string = 'UNDEFINED'): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) {
    const key = f.severity === 'UNDEFINED' ? undefinedAs : f.severity;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
