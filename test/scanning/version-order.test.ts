// dpkg's and apk's version orders, checked against orderings documented for each
// (deb-version(7) and Debian Policy 5.6.12; apk-package(5) / `apk version -t`).
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { apkTokens, compareApkVersions, isApkVersion } from '../../src/domain/scanning/apk-version.ts';
import { compareDpkgVersions, parseDpkgVersion } from '../../src/domain/scanning/dpkg-version.ts';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** Every version of `chain` sorts strictly before each later one, in both argument orders. */
function strictlyIncreasing(t: import('ava').ExecutionContext, compare: (a: string, b: string) => number, chain: string[]): void {
  for (let i = 0; i < chain.length; i++)
    for (let j = i + 1; j < chain.length; j++) {
      t.is(sign(compare(chain[i]!, chain[j]!)), -1, `${chain[i]} < ${chain[j]}`);
      t.is(sign(compare(chain[j]!, chain[i]!)), 1, `${chain[j]} > ${chain[i]}`);
    }
}

test('dpkg: epoch, upstream version and revision are split at the first colon and the last hyphen', (t) => {
  t.deepEqual(parseDpkgVersion('1:2.30-1+deb12u1'), { epoch: 1, upstream: '2.30', revision: '1+deb12u1' });
  t.deepEqual(parseDpkgVersion('2.30'), { epoch: 0, upstream: '2.30', revision: '' });
  t.deepEqual(parseDpkgVersion('1.2-3-4'), { epoch: 0, upstream: '1.2-3', revision: '4' });
  t.deepEqual(parseDpkgVersion('0:1.0'), { epoch: 0, upstream: '1.0', revision: '' });
});

test('dpkg: tilde sorts before everything, then the end, then letters, then other characters', (t) => {
  // Debian Policy's own example: ~~ < ~~a < ~ < (empty) < a
  strictlyIncreasing(t, compareDpkgVersions, ['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0a']);
  strictlyIncreasing(t, compareDpkgVersions, ['1.0~rc1', '1.0~rc2', '1.0', '1.0a', '1.0+', '1.0+b1', '1.0.1', '1.1']);
});

test('dpkg: digit runs compare as numbers', (t) => {
  strictlyIncreasing(t, compareDpkgVersions, ['1.1', '1.2', '1.9', '1.10', '1.99', '1.100', '2']);
  t.is(compareDpkgVersions('1.007', '1.7'), 0);
  t.is(compareDpkgVersions('1.00', '1.0'), 0);
  strictlyIncreasing(t, compareDpkgVersions, ['20230101', '20230102', '123456789012345678901234567890']);
});

test('dpkg: the epoch wins over everything, then the upstream version, then the revision', (t) => {
  strictlyIncreasing(t, compareDpkgVersions, ['9.9-9', '1:0.1-1', '1:0.2-0', '2:0.0']);
  t.is(compareDpkgVersions('0:1.0', '1.0'), 0);
  t.is(compareDpkgVersions('1.0-0', '1.0'), 0, 'a missing revision equals revision 0');
  strictlyIncreasing(t, compareDpkgVersions, ['1.0-1', '1.0-1.1', '1.0-2', '1.0-10', '1.0.0-1']);
});

test('dpkg: Debian and Ubuntu security update versions', (t) => {
  strictlyIncreasing(t, compareDpkgVersions, ['3.0.11-1~deb12u1', '3.0.11-1~deb12u2', '3.0.13-1~deb12u1', '3.0.13-1', '3.0.13-1+b1']);
  strictlyIncreasing(t, compareDpkgVersions, ['2.36-9+deb12u3', '2.36-9+deb12u4', '2.36-9+deb12u10']);
  strictlyIncreasing(t, compareDpkgVersions, ['1.2.3-4', '1.2.3-4ubuntu0.1', '1.2.3-4ubuntu0.2', '1.2.3-4ubuntu1', '1.2.3-5']);
  strictlyIncreasing(t, compareDpkgVersions, ['1:1.2.11.dfsg-2', '1:1.2.11.dfsg-2+deb11u2', '1:1.2.13.dfsg-1']);
});

test('apk: version tokens', (t) => {
  t.true(isApkVersion('1.2.3_rc1_p2-r4'));
  t.true(isApkVersion('3.0.13-r0'));
  t.true(isApkVersion('1.0_git20230101'));
  t.true(isApkVersion('2.4~abc123-r1'));
  t.false(isApkVersion('1.0-beta'));
  t.false(isApkVersion('abc'));
  t.deepEqual(
    apkTokens('1.01')?.map((x) => x.value),
    [1, -1, 1, 0],
  );
});

test('apk: suffixes: pre-releases before the release, post-releases after it', (t) => {
  strictlyIncreasing(t, compareApkVersions, [
    '1.0_alpha',
    '1.0_alpha1',
    '1.0_alpha2',
    '1.0_beta',
    '1.0_beta3',
    '1.0_pre1',
    '1.0_rc1',
    '1.0_rc2',
    '1.0',
    '1.0-r1',
    '1.0_cvs',
    '1.0_svn',
    '1.0_git',
    '1.0_hg',
    '1.0_p',
    '1.0_p1',
    '1.0_p1-r1',
    '1.0_p2',
  ]);
  t.true(compareApkVersions('1.0_git20230101', '1.0') > 0);
});

test('apk: dotted numbers, letters, leading zeros and revisions', (t) => {
  strictlyIncreasing(t, compareApkVersions, ['1.0', '1.0a', '1.0b', '1.0.1', '1.0.1-r5', '1.0.2', '1.01', '1.1', '1.9', '1.10', '2']);
  strictlyIncreasing(t, compareApkVersions, ['1.001', '1.01', '1.1']);
  strictlyIncreasing(t, compareApkVersions, ['3.0.12-r0', '3.0.12-r1', '3.0.13-r0', '3.1.0-r0']);
  strictlyIncreasing(t, compareApkVersions, ['1.36.1-r5', '1.36.1-r15', '1.36.1-r29', '1.37.0-r0']);
  t.is(compareApkVersions('1.2.3-r4', '1.2.3-r4'), 0);
  t.is(compareApkVersions('2.4~abc123-r1', '2.4~def456-r1'), 0, 'commit hashes do not take part in the order');
  t.true(compareApkVersions('1.0-r0', '1.0') > 0, 'an explicit revision sorts after none');
});

test('apk: strings that are not versions compare by their characters', (t) => {
  t.true(compareApkVersions('abc', 'abd') < 0);
  t.is(compareApkVersions('same-thing', 'same-thing'), 0);
});

const dpkgVersion = fc
  .tuple(
    fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    fc.stringMatching(/^[0-9][0-9a-z.+~]{0,8}$/),
    fc.option(fc.stringMatching(/^[0-9a-z.+~]{1,6}$/), { nil: undefined }),
  )
  .map(([e, u, r]) => `${e === undefined ? '' : `${e}:`}${u}${r === undefined ? '' : `-${r}`}`);
const apkVersion = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 4 }),
    fc.option(fc.constantFrom('a', 'b', 'z'), { nil: undefined }),
    fc.array(
      fc.tuple(
        fc.constantFrom('alpha', 'beta', 'pre', 'rc', 'cvs', 'svn', 'git', 'hg', 'p'),
        fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
      ),
      { maxLength: 2 },
    ),
    fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
  )
  .map(
    ([nums, letter, suffixes, rev]) =>
      `${nums.join('.')}${letter ?? ''}${suffixes.map(([s, n]) => `_${s}${n ?? ''}`).join('')}${rev === undefined ? '' : `-r${rev}`}`,
  );

for (const [name, arb, compare] of [
  ['dpkg', dpkgVersion, compareDpkgVersions],
  ['apk', apkVersion, compareApkVersions],
] as const) {
  testProp(`${name}: the order is antisymmetric and transitive`, [arb, arb, arb], (t, a, b, c) => {
    t.is(sign(compare(a, b)), -sign(compare(b, a)));
    t.is(compare(a, a), 0);
    const sorted = [a, b, c].sort(compare);
    t.true(compare(sorted[0]!, sorted[1]!) <= 0 && compare(sorted[1]!, sorted[2]!) <= 0 && compare(sorted[0]!, sorted[2]!) <= 0);
  });
}
