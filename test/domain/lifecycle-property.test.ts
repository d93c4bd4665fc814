/**
 * Properties of lifecycle evaluation, for random repositories (tags, push and pull times,
 * archived images, indexes, referrers) and random valid policies:
 * - the preview (StartLifecyclePolicyPreview, completed) finds exactly what the evaluation
 *   (EvaluateLifecyclePolicy at the same time) then does, in the same order, by the same rules;
 * - no image is acted on twice (by two rules, or twice by one);
 * - an untagged rule never takes a tagged image, a rule takes only images of its storage class
 *   (dependants taken along with their image excepted), and every action names a rule of the policy;
 * - after the evaluation's events, the images it expired are gone and those it archived are archived.
 */
import assert from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { decide } from '../../src/domain/decide.ts';
import type { DomainEvent, RecordedEvent } from '../../src/domain/events.ts';
import { evolve } from '../../src/domain/evolve.ts';
import { validateLifecyclePolicy } from '../../src/domain/lifecycle/lifecycle-validation.ts';
import { repoKey } from '../../src/domain/scope.ts';
import { cloneState, type RegistryState } from '../../src/domain/state.ts';
import { digestOf, NOW, ref, scope, stateOf, type ImageSpec } from './lifecycle-support.ts';

const TAGS = ['prod-1', 'prod-2', 'prod-3', 'dev-1', 'dev-2', 'v1.0', 'v2.0', 'latest', 'rc-1', 'eu-prod'];
const PREFIXES = ['prod', 'dev', 'v', 'rc', 'eu', 'la'];
const PATTERNS = ['prod-*', '*-1', 'v*.0', '*', 'dev*', '*prod*', 'l*t*t'];

const imagesArb: fc.Arbitrary<ImageSpec[]> = fc
  .array(
    fc.record({
      pushedDaysAgo: fc.integer({ min: -2, max: 200 }),
      pulled: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
      archived: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
      children: fc.array(fc.nat(30), { maxLength: 3 }),
      subject: fc.option(fc.nat(30), { nil: undefined }),
      kind: fc.constantFrom('plain', 'plain', 'plain', 'index', 'referrer'),
    }),
    { maxLength: 24 },
  )
  .chain((specs) =>
    fc.shuffledSubarray(TAGS, { maxLength: TAGS.length }).chain((tags) =>
      fc.array(fc.nat(Math.max(0, specs.length - 1)), { minLength: tags.length, maxLength: tags.length }).map((owners) =>
        specs.map((s, n): ImageSpec => {
          const earlier = (k: number) => `img-${k % Math.max(1, n)}`;
          return {
            name: `img-${n}`,
            tags: tags.filter((_t, k) => owners[k] === n),
            pushedDaysAgo: s.pushedDaysAgo,
            ...(s.pulled !== undefined && s.pushedDaysAgo >= 0 ? { pulledDaysAgo: Math.min(s.pulled, s.pushedDaysAgo) } : {}),
            ...(s.archived !== undefined && s.pushedDaysAgo >= 0 ? { archivedDaysAgo: Math.min(s.archived, s.pushedDaysAgo) } : {}),
            ...(s.kind === 'index' && n > 0 ? { children: [...new Set(s.children.map(earlier))] } : {}),
            ...(s.kind === 'referrer' && n > 0 && s.subject !== undefined ? { subject: earlier(s.subject) } : {}),
          };
        }),
      ),
    ),
  );

interface RuleSpec {
  tagStatus: 'tagged' | 'untagged' | 'any';
  list?: { tagPrefixList: string[] } | { tagPatternList: string[] };
  count: { countType: string; countUnit?: 'days'; countNumber: number };
  transition: boolean;
}

const tagList = fc.oneof(
  fc.shuffledSubarray(PREFIXES, { minLength: 1, maxLength: 2 }).map((tagPrefixList) => ({ tagPrefixList })),
  fc.shuffledSubarray(PATTERNS, { minLength: 1, maxLength: 2 }).map((tagPatternList) => ({ tagPatternList })),
);
const countArb = fc.oneof(
  fc.integer({ min: 1, max: 6 }).map((n) => ({ countType: 'imageCountMoreThan', countNumber: n })),
  fc.integer({ min: 1, max: 120 }).map((n) => ({ countType: 'sinceImagePushed', countUnit: 'days' as const, countNumber: n })),
);
const standardRule: fc.Arbitrary<RuleSpec> = fc.oneof(
  fc.record({ tagStatus: fc.constant('tagged' as const), list: tagList, count: countArb, transition: fc.boolean() }),
  fc.integer({ min: 1, max: 120 }).chain((n) =>
    fc.record({
      tagStatus: fc.constantFrom('tagged' as const),
      list: tagList,
      count: fc.constant({ countType: 'sinceImagePulled', countUnit: 'days' as const, countNumber: n }),
      transition: fc.constant(true),
    }),
  ),
);

/** A valid policy: tagged rules, at most one untagged rule, an optional any rule last; maybe one rule for archived images. */
const policyArb = fc
  .record({
    tagged: fc.array(standardRule, { maxLength: 4 }),
    untagged: fc.option(fc.record({ count: countArb, transition: fc.boolean() }), { nil: undefined }),
    untaggedAt: fc.nat(4),
    any: fc.option(fc.record({ count: countArb, transition: fc.boolean() }), { nil: undefined }),
    archive: fc.option(
      fc.record({
        tagStatus: fc.constantFrom('tagged', 'untagged', 'any'),
        days: fc.integer({ min: 90, max: 200 }),
        archiveAt: fc.nat(10),
      }),
      { nil: undefined },
    ),
    gaps: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 8, maxLength: 8 }),
  })
  .filter((p) => p.tagged.length > 0 || p.untagged !== undefined || p.any !== undefined || p.archive !== undefined)
  .map((p) => {
    const standard: RuleSpec[] = [...p.tagged];
    if (p.untagged) standard.splice(Math.min(p.untaggedAt, standard.length), 0, { tagStatus: 'untagged', ...p.untagged });
    if (p.any) standard.push({ tagStatus: 'any', ...p.any });
    let priority = 0;
    const rules: unknown[] = standard.map((r, k) => ({
      rulePriority: (priority += 2 * (p.gaps[k] ?? 1)),
      selection: { tagStatus: r.tagStatus, ...(r.tagStatus === 'tagged' ? r.list : {}), ...r.count },
      action: r.transition ? { type: 'transition', targetStorageClass: 'archive' } : { type: 'expire' },
    }));
    if (p.archive) {
      const a = p.archive;
      rules.push({
        rulePriority: 2 * a.archiveAt + 1,
        selection: {
          tagStatus: a.tagStatus,
          ...(a.tagStatus === 'tagged' ? { tagPatternList: ['*'] } : {}),
          storageClass: 'archive',
          countType: 'sinceImageTransitioned',
          countUnit: 'days',
          countNumber: a.days,
        },
        action: { type: 'expire' },
      });
    }
    return JSON.stringify({ rules });
  });

function apply(state: RegistryState, events: DomainEvent[], time: number): void {
  for (const e of events) evolve(state, { ...e, seq: state.seq + 1, v: 1, time } as RecordedEvent);
}

function ok(decision: ReturnType<typeof decide>): DomainEvent[] {
  if (!decision.ok) throw new Error(`${decision.error.code}: ${decision.error.message}`);
  return decision.events;
}

test('the preview equals the evaluation; no image is acted on twice; rules take only what they select', (t) => {
  const seen = { expired: 0, transitioned: 0, dependants: 0, archivedExpired: 0 };
  fc.assert(
    fc.property(imagesArb, policyArb, (images, text) => {
      const v = validateLifecyclePolicy(text);
      if (!v.ok) throw new Error(`the generator made an invalid policy (${v.reason}): ${text}`);
      const state = stateOf(images);
      const repo = () => state.repos.get(repoKey(scope, ref.repository))!;
      apply(
        state,
        ok(decide(state, { type: 'PutLifecyclePolicy', scope, repository: ref.repository, policyText: text }, { now: NOW })),
        NOW,
      );
      apply(
        state,
        ok(decide(state, { type: 'StartLifecyclePolicyPreview', scope, repository: ref.repository, policyText: null }, { now: NOW })),
        NOW,
      );
      const completed = ok(decide(state, { type: 'CompleteLifecyclePolicyPreview', scope, repository: ref.repository }, { now: NOW }));
      apply(state, completed, NOW);
      const preview = repo().settings.lifecycle!.preview!;
      const before = cloneState(state);
      const run = ok(
        decide(state, { type: 'EvaluateLifecyclePolicy', scope, repository: ref.repository, at: null, trigger: 'request' }, { now: NOW }),
      );

      type Act = readonly [string, 'EXPIRE' | 'TRANSITION', number];
      const done = run.flatMap((e): Act[] =>
        e.type === 'ImageExpired'
          ? [[e.data.digest, 'EXPIRE', e.data.rulePriority]]
          : e.type === 'ImageTransitioned'
            ? [[e.data.digest, 'TRANSITION', e.data.rulePriority]]
            : [],
      );
      const predicted = (preview.results ?? []).map((r): Act => [r.digest, r.action, r.rulePriority]);
      assert.deepEqual(predicted, done);
      const digests = done.map(([d]) => d);
      assert.equal(new Set(digests).size, digests.length, 'an image acted on twice');

      const rules = new Map(v.policy.rules.map((r) => [r.rulePriority, r]));
      const beforeRepo = before.repos.get(repoKey(scope, ref.repository))!;
      const tagged = new Set(beforeRepo.tags.values());
      const byDigest = new Map(images.map((i) => [digestOf(i.name), i]));
      for (const [digest, action, priority] of done) {
        const r = rules.get(priority);
        assert.ok(r, `rule ${priority} is not in the policy`);
        const spec = byDigest.get(digest)!;
        if (action === 'EXPIRE') seen.expired++;
        else seen.transitioned++;
        if (beforeRepo.images.get(digest)!.storageClass === 'ARCHIVE') seen.archivedExpired++;
        const dependant = spec.subject !== undefined || [...beforeRepo.images.values()].some((i) => i.manifests.includes(digest));
        if (dependant) {
          seen.dependants++;
          continue;
        }
        if (r!.tagStatus === 'untagged') assert.ok(!tagged.has(digest), `untagged rule ${priority} took tagged ${spec.name}`);
        assert.equal(beforeRepo.images.get(digest)!.storageClass, r!.storageClass === 'archive' ? 'ARCHIVE' : 'STANDARD');
        assert.equal(action, r!.action === 'expire' ? 'EXPIRE' : 'TRANSITION');
        assert.ok(beforeRepo.images.get(digest)!.pushedAt <= NOW);
      }

      apply(state, run, NOW);
      for (const [digest, action] of done) {
        if (action === 'EXPIRE') assert.ok(!repo().images.has(digest));
        else assert.equal(repo().images.get(digest)?.storageClass, 'ARCHIVE');
      }
      for (const tag of repo().tags.keys()) assert.ok(repo().images.has(repo().tags.get(tag)!), 'a tag left pointing at an expired image');
    }),
    { numRuns: 300 },
  );
  // the generators reach every kind of action
  t.true(seen.expired > 40 && seen.transitioned > 15 && seen.dependants > 5 && seen.archivedExpired > 5, JSON.stringify(seen));
});
