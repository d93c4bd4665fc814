/**
 * evaluate(policy, images, now) against the ECR user guide's examples and evaluation rules.
 * The lifecycle deciders have their specifications in specs/lifecycle-specs.ts.
 */
import test from 'ava';
import { evaluate } from '../../src/domain/lifecycle/lifecycle-evaluate.ts';
import { lifecycleImagesOf } from '../../src/domain/lifecycle/lifecycle-images.ts';
import { validateLifecyclePolicy } from '../../src/domain/lifecycle/lifecycle-validation.ts';
import { repoKey } from '../../src/domain/scope.ts';
import { digestOf, NOW, policyText, ref, scope, stateOf, type ImageSpec } from './lifecycle-support.ts';

const rule = (rulePriority: number, selection: Record<string, unknown>, action: Record<string, unknown> = { type: 'expire' }) => ({
  rulePriority,
  selection,
  action,
});
const keep = (n: number, sel: Record<string, unknown>) => ({ ...sel, countType: 'imageCountMoreThan', countNumber: n });
const olderThan = (days: number, sel: Record<string, unknown>, countType = 'sinceImagePushed') => ({
  ...sel,
  countType,
  countUnit: 'days',
  countNumber: days,
});

/** name -> rulePriority of what `rules` does to `images` at NOW (and the action when not expire). */
function run(images: ImageSpec[], rules: unknown[]): Record<string, string | number> {
  const v = validateLifecyclePolicy(policyText(rules));
  if (!v.ok) throw new Error(v.reason);
  const state = stateOf(images);
  const repo = state.repos.get(repoKey(scope, ref.repository))!;
  const names = new Map(images.map((i) => [digestOf(i.name), i.name]));
  return Object.fromEntries(
    evaluate(v.policy, lifecycleImagesOf(repo), NOW).map((a) => [
      names.get(a.digest)!,
      a.action === 'expire' ? a.rulePriority : `${a.action} ${a.rulePriority}`,
    ]),
  );
}

const exampleRepo: ImageSpec[] = [
  { name: 'A', tags: ['beta-1', 'prod-1'], pushedDaysAgo: 10 },
  { name: 'B', tags: ['beta-2', 'prod-2'], pushedDaysAgo: 9 },
  { name: 'C', tags: ['beta-3'], pushedDaysAgo: 8 },
];

test('user guide, multiple rules, example A: an image a higher rule matched is not expired by a lower one', (t) => {
  const rules = [
    rule(1, keep(1, { tagStatus: 'tagged', tagPrefixList: ['prod'] })),
    rule(2, keep(1, { tagStatus: 'tagged', tagPrefixList: ['beta'] })),
  ];
  t.deepEqual(run(exampleRepo, rules), { A: 1 });
});

test('user guide, multiple rules, example B: the beta rule first expires A and B', (t) => {
  const rules = [
    rule(1, keep(1, { tagStatus: 'tagged', tagPrefixList: ['beta'] })),
    rule(2, keep(1, { tagStatus: 'tagged', tagPrefixList: ['prod'] })),
  ];
  t.deepEqual(run(exampleRepo, rules), { A: 1, B: 1 });
});

test('user guide, multiple tags in one rule, example A: an image must match every prefix', (t) => {
  const images: ImageSpec[] = [
    { name: 'A', tags: ['alpha-1'], pushedDaysAgo: 12 },
    { name: 'B', tags: ['beta-1'], pushedDaysAgo: 11 },
    { name: 'C', tags: ['alpha-2', 'beta-2'], pushedDaysAgo: 10 },
    { name: 'D', tags: ['alpha-3'], pushedDaysAgo: 4 },
    { name: 'E', tags: ['beta-3'], pushedDaysAgo: 3 },
    { name: 'F', tags: ['alpha-4', 'beta-4'], pushedDaysAgo: 2 },
  ];
  t.deepEqual(run(images, [rule(1, olderThan(5, { tagStatus: 'tagged', tagPrefixList: ['alpha', 'beta'] }))]), { C: 1 });
});

test('user guide, multiple tags in one rule, example B: tags are not exclusive', (t) => {
  const images: ImageSpec[] = [
    { name: 'A', tags: ['alpha-1', 'beta-1', 'gamma-1'], pushedDaysAgo: 10 },
    { name: 'B', tags: ['alpha-2', 'beta-2'], pushedDaysAgo: 9 },
    { name: 'C', tags: ['alpha-3', 'beta-3', 'gamma-2'], pushedDaysAgo: 8 },
  ];
  t.deepEqual(run(images, [rule(1, keep(1, { tagStatus: 'tagged', tagPrefixList: ['alpha', 'beta'] }))]), { A: 1, B: 1 });
});

test('tag patterns: every pattern must match one of the tags; an untagged rule never takes a tagged image', (t) => {
  const images: ImageSpec[] = [
    { name: 'old-prod', tags: ['prod-2024-01', 'eu'], pushedDaysAgo: 40 },
    { name: 'old-prod-us', tags: ['prod-2024-02'], pushedDaysAgo: 39 },
    { name: 'untagged', pushedDaysAgo: 38 },
    { name: 'new', tags: ['prod-2026-02', 'europe'], pushedDaysAgo: 1 },
  ];
  const rules = [
    rule(1, olderThan(30, { tagStatus: 'tagged', tagPatternList: ['prod-*-0*', 'e*'] })),
    rule(2, olderThan(30, { tagStatus: 'untagged' })),
  ];
  t.deepEqual(run(images, rules), { 'old-prod': 1, untagged: 2 });
});

test('an any rule last: what tagged rules matched is theirs, the rest goes by age', (t) => {
  const images: ImageSpec[] = [
    { name: 'release-1', tags: ['release-1'], pushedDaysAgo: 90 },
    { name: 'release-2', tags: ['release-2'], pushedDaysAgo: 60 },
    { name: 'feature', tags: ['feature-x'], pushedDaysAgo: 45 },
    { name: 'scratch', pushedDaysAgo: 40 },
    { name: 'fresh', pushedDaysAgo: 2 },
  ];
  const rules = [rule(1, keep(5, { tagStatus: 'tagged', tagPrefixList: ['release'] })), rule(2, olderThan(30, { tagStatus: 'any' }))];
  t.deepEqual(run(images, rules), { feature: 2, scratch: 2 });
});

test('counts run youngest to oldest and expire the oldest first', (t) => {
  const images: ImageSpec[] = [1, 2, 3, 4, 5].map((n) => ({ name: `u${n}`, pushedDaysAgo: 10 - n }));
  t.deepEqual(run(images, [rule(1, keep(2, { tagStatus: 'untagged' }))]), { u1: 1, u2: 1, u3: 1 });
});

test('transition to archive, then expiry of archived images 90 days after they were archived', (t) => {
  const images: ImageSpec[] = [
    { name: 'never-pulled', tags: ['a'], pushedDaysAgo: 45 },
    { name: 'pulled-lately', tags: ['b'], pushedDaysAgo: 45, pulledDaysAgo: 3 },
    { name: 'pulled-long-ago', tags: ['c'], pushedDaysAgo: 200, pulledDaysAgo: 40 },
    { name: 'archived-long', tags: ['d'], pushedDaysAgo: 300, archivedDaysAgo: 120 },
    { name: 'archived-recently', tags: ['e'], pushedDaysAgo: 300, archivedDaysAgo: 30 },
  ];
  const rules = [
    rule(1, olderThan(30, { tagStatus: 'any' }, 'sinceImagePulled'), { type: 'transition', targetStorageClass: 'archive' }),
    rule(2, { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90 }),
  ];
  t.deepEqual(run(images, rules), { 'never-pulled': 'transition 1', 'pulled-long-ago': 'transition 1', 'archived-long': 2 });
});

test('an image index: untagged children follow it, and nothing goes out from under an index that stays', (t) => {
  const images: ImageSpec[] = [
    { name: 'amd64', pushedDaysAgo: 50 },
    { name: 'arm64', pushedDaysAgo: 50 },
    { name: 'index-old', tags: ['v1'], pushedDaysAgo: 50, children: ['amd64', 'arm64'] },
    { name: 'amd64-new', pushedDaysAgo: 40 },
    { name: 'index-kept', tags: ['v2'], pushedDaysAgo: 40, children: ['amd64-new', 'shared-base'] },
    { name: 'shared-base', tags: ['base-old'], pushedDaysAgo: 60 },
    { name: 'loose', pushedDaysAgo: 35 },
  ];
  const rules = [
    rule(1, keep(1, { tagStatus: 'tagged', tagPatternList: ['v*'] })),
    rule(2, olderThan(30, { tagStatus: 'tagged', tagPrefixList: ['base'] })),
    rule(3, olderThan(30, { tagStatus: 'untagged' })),
  ];
  // index-old goes with its two children (rule 1); shared-base is referenced by index-kept, which
  // stays, so rule 2 leaves it; amd64-new is a child of index-kept, not a loose untagged image.
  t.deepEqual(run(images, rules), { 'index-old': 1, amd64: 1, arm64: 1, loose: 3 });
});

test('referrers go with their subject, and stay while it stays', (t) => {
  const images: ImageSpec[] = [
    { name: 'app-1', tags: ['app-1'], pushedDaysAgo: 20 },
    { name: 'sig-1', pushedDaysAgo: 20, subject: 'app-1' },
    { name: 'sbom-1', pushedDaysAgo: 20, subject: 'app-1' },
    { name: 'app-2', tags: ['app-2'], pushedDaysAgo: 10 },
    { name: 'sig-2', pushedDaysAgo: 10, subject: 'app-2' },
    { name: 'orphan-sig', pushedDaysAgo: 30, subject: 'gone' },
  ];
  const rules = [rule(1, keep(1, { tagStatus: 'tagged', tagPrefixList: ['app'] })), rule(2, olderThan(5, { tagStatus: 'untagged' }))];
  // a referrer whose subject is not in the repository is an ordinary untagged image
  t.deepEqual(run(images, rules), { 'app-1': 1, 'sig-1': 1, 'sbom-1': 1, 'orphan-sig': 2 });
});

test('images pushed after the evaluation time are not seen', (t) => {
  const images: ImageSpec[] = [
    { name: 'u1', pushedDaysAgo: 3 },
    { name: 'u2', pushedDaysAgo: 2 },
    { name: 'future', pushedDaysAgo: -1 },
  ];
  t.deepEqual(run(images, [rule(1, keep(1, { tagStatus: 'untagged' }))]), { u1: 1 });
});
