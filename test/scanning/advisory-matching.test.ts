// Advisory ranges, the advisory input format and matching an inventory against advisories.
import test from 'ava';
import { matchFindings, parseEcosystem, releaseMatches, severityCounts } from '../../src/domain/scanning/match-findings.ts';
import type { Advisory, InstalledPackage, Inventory } from '../../src/domain/scanning/scanning-state.ts';
import { inRange as inRangeParsed, parseVersionRange, type VersionRange } from '../../src/domain/scanning/version-range.ts';
import { VERSION_ORDERS } from '../../src/domain/scanning/match-findings.ts';

const compareDpkgVersions = VERSION_ORDERS.dpkg;
const compareApkVersions = VERSION_ORDERS.apk;
const inRange = (r: VersionRange, version: string, order: typeof compareDpkgVersions): boolean =>
  inRangeParsed(r, order.parse(version), order);
import { AdvisoryInputError, parseAdvisories, severityOfScore } from '../../src/scanning/advisory-input.ts';

const range = (text: string): VersionRange => {
  const r = parseVersionRange(text);
  if (typeof r === 'string') throw new Error(r);
  return r;
};

test('version ranges: conjunctions with commas or spaces, alternatives with ||, * for all', (t) => {
  const r = range('>= 1.1.1, < 1.1.1w-0+deb11u1');
  t.true(inRange(r, '1.1.1n-0+deb11u5', compareDpkgVersions));
  t.false(inRange(r, '1.1.1w-0+deb11u1', compareDpkgVersions));
  t.false(inRange(r, '1.1.0l-1', compareDpkgVersions));
  const alt = range('>=3.0.0 <3.0.13-r0 || =1.1.1t-r2');
  t.true(inRange(alt, '3.0.12-r4', compareApkVersions));
  t.true(inRange(alt, '1.1.1t-r2', compareApkVersions));
  t.false(inRange(alt, '1.1.1t-r3', compareApkVersions));
  t.false(inRange(alt, '3.0.13-r0', compareApkVersions));
  t.true(inRange(range('*'), 'anything', compareDpkgVersions));
  t.true(inRange(range(''), '1', compareDpkgVersions));
  t.true(inRange(range('1.0'), '1.0', compareDpkgVersions), 'a bare version means =');
  t.true(inRange(range('!= 2.0'), '1.0', compareDpkgVersions));
  t.is(typeof parseVersionRange('>= 1.0 ,, <'), 'string');
  t.is(typeof parseVersionRange('~> 1.0'), 'string');
});

test('ecosystems name a distribution and optionally its release', (t) => {
  t.deepEqual(parseEcosystem('Debian:12'), { name: 'debian', release: '12' });
  t.deepEqual(parseEcosystem('alpine:v3.19'), { name: 'alpine', release: '3.19' });
  t.deepEqual(parseEcosystem('ubuntu'), { name: 'ubuntu', release: null });
  t.true(releaseMatches('3.19', '3.19.1'));
  t.true(releaseMatches('12', '12'));
  t.false(releaseMatches('3.1', '3.19.1'));
  t.false(releaseMatches('12', null));
  t.true(releaseMatches(null, null));
});

test('advisory input: arrays or {advisories}, defaults, severity from CVSS, clear errors', (t) => {
  const [a, b] = parseAdvisories({
    advisories: [
      {
        id: 'CVE-1',
        package: 'openssl',
        ecosystem: 'Debian:12',
        fixed: '3.0.13-1~deb12u1',
        cvss: { score: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
      },
      { id: 'CVE-2', package: 'zlib', ecosystem: 'alpine', affected: '< 1.3-r0', severity: 'low' },
    ],
  });
  t.deepEqual(a, {
    id: 'CVE-1',
    package: 'openssl',
    ecosystem: 'debian:12',
    affected: null,
    fixed: '3.0.13-1~deb12u1',
    severity: 'CRITICAL',
    cvss: { score: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', version: '3.1' },
    description: null,
    uri: null,
  });
  t.like(b, { severity: 'LOW', affected: '< 1.3-r0', cvss: null });
  t.is(parseAdvisories([]).length, 0);
  t.is(severityOfScore(7), 'HIGH');
  t.is(severityOfScore(4.2), 'MEDIUM');
  t.is(severityOfScore(0), 'INFORMATIONAL');
  t.is(severityOfScore(undefined), 'UNDEFINED');
  const missing = t.throws(() => parseAdvisories([{ id: 'x', ecosystem: 'debian' }]), { instanceOf: AdvisoryInputError });
  t.regex(missing.message, /0\.package/);
  const badRange = t.throws(() => parseAdvisories([{ id: 'x', package: 'p', ecosystem: 'debian', affected: '=> 1' }]), {
    instanceOf: AdvisoryInputError,
  });
  t.regex(badRange.message, /0\.affected/);
  t.throws(() => parseAdvisories([{ id: 'x', package: 'p', ecosystem: 'debian', severity: 'SEVERE' }]), { instanceOf: AdvisoryInputError });
  t.throws(() => parseAdvisories([{ id: 'x', package: 'p', ecosystem: 'debian', typo: 1 }]), { instanceOf: AdvisoryInputError });
  t.throws(() => parseAdvisories({ nope: [] }), { instanceOf: AdvisoryInputError });
});

const pkg = (name: string, version: string, manager: 'dpkg' | 'apk', source: string | null = null): InstalledPackage => ({
  name,
  version,
  source,
  arch: manager === 'dpkg' ? 'amd64' : 'x86_64',
  manager,
  path: manager === 'dpkg' ? 'var/lib/dpkg/status' : 'lib/apk/db/installed',
  layer: 'sha256:layer',
});

const inventory = (id: string, versionId: string | null, packages: InstalledPackage[]): Inventory => ({
  kind: 'image',
  reason: null,
  os: { id, versionId, prettyName: null },
  architecture: 'amd64',
  databases: ['var/lib/dpkg/status'],
  packages,
});

const advisory = (a: Partial<Advisory> & Pick<Advisory, 'id' | 'package' | 'ecosystem'>): Advisory => ({
  affected: null,
  fixed: null,
  severity: 'MEDIUM',
  cvss: null,
  description: null,
  uri: null,
  ...a,
});

test('matching: fixed versions, ranges, source packages, releases and distributions', (t) => {
  const debian = inventory('debian', '12', [
    pkg('libssl3', '3.0.11-1~deb12u2', 'dpkg', 'openssl'),
    pkg('openssl', '3.0.11-1~deb12u2', 'dpkg'),
    pkg('zlib1g', '1:1.2.13.dfsg-1', 'dpkg', 'zlib'),
    pkg('bash', '5.2.15-2+b2', 'dpkg'),
  ]);
  const advisories = [
    advisory({ id: 'CVE-A', package: 'openssl', ecosystem: 'debian:12', fixed: '3.0.13-1~deb12u1', severity: 'HIGH' }),
    advisory({ id: 'CVE-OLD', package: 'openssl', ecosystem: 'debian', fixed: '3.0.9-1' }), // fixed before the installed version
    advisory({ id: 'CVE-B', package: 'zlib', ecosystem: 'debian', affected: '>= 1:1.2.0, < 1:1.3', severity: 'CRITICAL' }),
    advisory({ id: 'CVE-C', package: 'bash', ecosystem: 'debian:11', fixed: '9' }), // another release
    advisory({ id: 'CVE-D', package: 'bash', ecosystem: 'ubuntu', fixed: '9' }), // another distribution
    advisory({ id: 'CVE-E', package: 'bash', ecosystem: 'debian', severity: 'LOW' }), // no fix: every version
  ];
  const found = matchFindings(debian, advisories, 1000);
  t.deepEqual(
    found.map((f) => [f.id, f.package, f.severity]),
    [
      ['CVE-B', 'zlib1g', 'CRITICAL'],
      ['CVE-A', 'libssl3', 'HIGH'],
      ['CVE-A', 'openssl', 'HIGH'],
      ['CVE-E', 'bash', 'LOW'],
    ],
  );
  t.deepEqual(severityCounts(found), { CRITICAL: 1, HIGH: 2, LOW: 1 });
  t.is(found[0]!.firstObservedAt, 1000);
  // a rescan keeps when each finding was first seen
  const again = matchFindings(debian, advisories, 2000, found.slice(0, 1));
  t.is(again[0]!.firstObservedAt, 1000);
  t.is(again[1]!.firstObservedAt, 2000);
});

test('matching: apk order for Alpine packages, release prefixes', (t) => {
  const alpine = inventory('alpine', '3.19.1', [pkg('libcrypto3', '3.1.4-r5', 'apk', 'openssl'), pkg('busybox', '1.36.1-r15', 'apk')]);
  const found = matchFindings(
    alpine,
    [
      advisory({ id: 'CVE-X', package: 'openssl', ecosystem: 'alpine:3.19', fixed: '3.1.4-r6' }),
      advisory({ id: 'CVE-Y', package: 'busybox', ecosystem: 'alpine:3.19', fixed: '1.36.1-r15' }), // installed is the fix
      advisory({ id: 'CVE-Z', package: 'busybox', ecosystem: 'alpine', affected: '< 1.36.1-r20' }),
    ],
    5,
  );
  t.deepEqual(
    found.map((f) => `${f.id}/${f.package}`),
    ['CVE-X/libcrypto3', 'CVE-Z/busybox'],
  );
});

test('matching: artifacts and empty advisory lists find nothing', (t) => {
  const art: Inventory = { kind: 'artifact', reason: 'x', os: null, architecture: null, databases: [], packages: [] };
  t.deepEqual(matchFindings(art, [advisory({ id: 'a', package: 'p', ecosystem: 'debian' })], 0), []);
  t.deepEqual(matchFindings(inventory('debian', '12', [pkg('p', '1', 'dpkg')]), [], 0), []);
});
