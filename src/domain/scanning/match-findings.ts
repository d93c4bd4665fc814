/**
 * Matching an image's inventory against the advisory list: the findings of a scan.
 *
 * An advisory applies to an installed package when its ecosystem names the
 * package's distribution (and, if it names a release, the image's VERSION_ID is that
 * release or a point release of it), its package is the package's name or source
 * package, and the installed version is in its affected range and below its fixed
 * version, in the package manager's own version order (dpkg or apk).
 */
import { compareParsedApk, parseApkVersion } from './apk-version.ts';
import { compareParsedDpkg, parseDpkgVersion } from './dpkg-version.ts';
import type { Advisory, Finding, InstalledPackage, Inventory, Severity } from './scanning-state.ts';
import { SEVERITIES } from './scanning-state.ts';
import { inRange, parseVersionRange, type VersionOrder, type VersionRange } from './version-range.ts';

/** Each package manager's version order. */
export const VERSION_ORDERS: Record<InstalledPackage['manager'], VersionOrder> = {
  dpkg: { parse: parseDpkgVersion, compare: compareParsedDpkg } as VersionOrder,
  apk: { parse: parseApkVersion, compare: compareParsedApk } as VersionOrder,
};

export interface Ecosystem {
  name: string;
  release: string | null;
}

/** `debian:12` -> { name: 'debian', release: '12' }; `alpine:v3.19` -> release '3.19'. */
export function parseEcosystem(text: string): Ecosystem {
  const t = text.trim().toLowerCase();
  const colon = t.indexOf(':');
  if (colon < 0) return { name: t, release: null };
  let r = t.slice(colon + 1).trim();
  if (r.startsWith('v')) r = r.slice(1);
  return { name: t.slice(0, colon), release: r === '' ? null : r };
}

/** Whether the image's VERSION_ID is `release` or a point release of it (`3.19` covers `3.19.1`). */
export function releaseMatches(release: string | null, versionId: string | null): boolean {
  if (release === null) return true;
  if (versionId === null) return false;
  const v = versionId.startsWith('v') ? versionId.slice(1) : versionId;
  return v === release || (v.length > release.length && v.startsWith(release) && v[release.length] === '.');
}

interface Indexed {
  advisory: Advisory;
  release: string | null;
  /** Parsed on first use (most advisories never meet an installed package); undefined when unreadable. */
  range: VersionRange | undefined | null;
  /** The fixed version parsed by each order it was compared under. */
  fixed: Map<VersionOrder, unknown> | undefined;
}

/** Advisories by `ecosystem name \0 package`, built once per advisory list (the list is never changed in place). */
const indexes = new WeakMap<readonly Advisory[], Map<string, Indexed[]>>();

function indexOf(advisories: readonly Advisory[]): Map<string, Indexed[]> {
  let index = indexes.get(advisories);
  if (index) return index;
  index = new Map();
  for (const advisory of advisories) {
    const eco = parseEcosystem(advisory.ecosystem);
    const key = `${eco.name}\0${advisory.package}`;
    const entry: Indexed = { advisory, release: eco.release, range: advisory.affected === null ? [] : null, fixed: undefined };
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

const RANK = new Map<Severity, number>(SEVERITIES.map((s, i) => [s, i]));

const byFinding = (a: Finding, b: Finding): number =>
  RANK.get(a.severity)! - RANK.get(b.severity)! ||
  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) ||
  (a.package < b.package ? -1 : a.package > b.package ? 1 : 0);

/** Findings sorted by severity (CRITICAL first), then advisory id, then package. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(byFinding);
}

const NONE: readonly Indexed[] = [];

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
  const firstSeen = new Map<string, number>();
  for (const f of previous) firstSeen.set(findingKey(f), f.firstObservedAt);
  const out: Finding[] = [];
  for (const pkg of inventory.packages) {
    const order = VERSION_ORDERS[pkg.manager];
    let installed: unknown;
    const distro = distributionOf(pkg, os);
    const byName = index.get(`${distro.id}\0${pkg.name}`) ?? NONE;
    const bySource = pkg.source !== null && pkg.source !== pkg.name ? (index.get(`${distro.id}\0${pkg.source}`) ?? NONE) : NONE;
    if (byName.length + bySource.length === 0) continue;
    let seen: Set<string> | undefined;
    for (let k = 0; k < byName.length + bySource.length; k++) {
      const c = k < byName.length ? byName[k]! : bySource[k - byName.length]!;
      const a = c.advisory;
      if (seen?.has(a.id) || !releaseMatches(c.release, distro.versionId)) continue;
      if (c.range === null) {
        const parsed = parseVersionRange(a.affected!);
        c.range = typeof parsed === 'string' ? undefined : parsed;
      }
      if (c.range === undefined) continue;
      installed ??= order.parse(pkg.version);
      if (!inRange(c.range, installed, order)) continue;
      if (a.fixed !== null) {
        const byOrder = (c.fixed ??= new Map());
        let fixed = byOrder.get(order);
        if (fixed === undefined) byOrder.set(order, (fixed = order.parse(a.fixed)));
        if (order.compare(installed, fixed) >= 0) continue;
      }
      (seen ??= new Set()).add(a.id);
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
