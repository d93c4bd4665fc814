/**
 * evaluate(policy, images, now) -> actions: which images a lifecycle policy expires or
 * moves to the archive storage class at time `now`. Pure; the preview
 * (StartLifecyclePolicyPreview) and the real run (the scheduler, POST
 * /_rewind/lifecycle/evaluate) both call it, so they cannot disagree.
 *
 * The semantics, from the ECR user guide ("Lifecycle policy evaluation rules",
 * "Lifecycle policy properties" and its examples):
 * - "All rules are evaluated at the same time, regardless of rule priority. After all rules
 *   are evaluated, they are then applied based on rule priority": each rule looks at every
 *   image of its storage class, as if no other rule had acted ("rules can never mark images
 *   that are marked by higher priority rules, but can still identify them as if they haven't
 *   been expired"), so counts include images a higher rule took.
 * - "An image is expired by exactly one or zero rules", and "an image that matches the
 *   tagging requirements of a rule cannot be expired by a rule with a lower priority": once a
 *   rule's tag selection matched an image, later rules leave it alone (example A of "Filtering
 *   on multiple rules": image B, matched by the `prod` rule and kept by it, is not expired by the
 *   lower `beta` rule).
 * - tagStatus `untagged` selects images without tags only (a tagged image is never selected
 *   by it), `any` every image, `tagged` the images whose tags match: with tagPrefixList
 *   "an image is successfully matched if all of the tags in the tagPrefixList value are matched
 *   against any of the image's tags" (each prefix must start one of its tags), and likewise each
 *   tagPatternList pattern (`*` matches any run of characters) must match one of its tags.
 * - imageCountMoreThan: "images are sorted from youngest to oldest based on pushed_at_time and
 *   then all images greater than the specified count are expired"; expiration "always expires
 *   older images before newer ones".
 * - sinceImagePushed / sinceImagePulled / sinceImageTransitioned: images whose push time, last
 *   recorded pull time (the push time for an image never pulled) or last archive time is more
 *   than countNumber days before `now`.
 * - storageClass: a rule selects images of its storage class only (`standard` unless it says
 *   `archive`); `transition` moves standard images to archive.
 *
 * Images that belong to another one follow it instead of being selected on their own:
 * - referrers (an image whose `subject` is an image of the repository: signatures, SBOMs,
 *   attestations) go with their subject: expired or archived when it is, kept while it stays;
 * - untagged children of an image index go with the index, and no image that an index which
 *   stays references is expired or archived out from under it (BatchDeleteImage refuses the
 *   same with ImageReferencedByManifestList).
 * A dependant taken along carries the rule priority of the image it follows.
 */
import { matchesTagFilter } from '../tag-filter.ts';
import { DAY_MS, type LifecyclePolicy, type LifecycleRule } from './lifecycle-policy.ts';

/** What the evaluator knows of an image. */
export interface LifecycleImage {
  readonly digest: string;
  readonly tags: readonly string[];
  readonly pushedAt: number;
  readonly lastPulledAt?: number | undefined;
  readonly storageClass: 'STANDARD' | 'ARCHIVE';
  /** When it last moved to its storage class (archived images: when they were archived). */
  readonly storageClassChangedAt?: number | undefined;
  /** Child manifests (image indexes). */
  readonly manifests: readonly string[];
  /** The image it refers to (referrers). */
  readonly subject?: string | undefined;
}

export type LifecycleActionType = 'expire' | 'transition';

export interface LifecycleAction {
  readonly digest: string;
  readonly action: LifecycleActionType;
  readonly rulePriority: number;
}

/** Whether every one of `wanted` matches one of `tags` (plain loops: this runs rules x images times). */
function everyMatches(wanted: readonly string[], tags: readonly string[], match: (tag: string, w: string) => boolean): boolean {
  for (const w of wanted) {
    let found = false;
    for (const t of tags)
      if (match(t, w)) {
        found = true;
        break;
      }
    if (!found) return false;
  }
  return true;
}

const startsWith = (tag: string, prefix: string): boolean => tag.startsWith(prefix);

function tagsMatch(rule: LifecycleRule, tags: readonly string[]): boolean {
  switch (rule.tagStatus) {
    case 'any':
      return true;
    case 'untagged':
      return tags.length === 0;
    case 'tagged': {
      if (tags.length === 0) return false;
      if (rule.tagPrefixList) return everyMatches(rule.tagPrefixList, tags, startsWith);
      if (rule.tagPatternList) return everyMatches(rule.tagPatternList, tags, matchesTagFilter);
      return false;
    }
    default: {
      const never: never = rule.tagStatus;
      throw new Error(`unknown tagStatus ${String(never)}`);
    }
  }
}

/** The time a since* rule measures an image's age from. */
function ageFrom(rule: LifecycleRule, image: LifecycleImage): number {
  switch (rule.countType) {
    case 'sinceImagePulled':
      return image.lastPulledAt ?? image.pushedAt;
    case 'sinceImageTransitioned':
      return image.storageClassChangedAt ?? image.pushedAt;
    default:
      return image.pushedAt;
  }
}

/** The images of `matched` (youngest first) that the rule's count selects. */
function counted(rule: LifecycleRule, matched: readonly LifecycleImage[], now: number): LifecycleImage[] {
  if (rule.countType === 'imageCountMoreThan') return matched.slice(rule.countNumber);
  const limit = rule.countNumber * DAY_MS;
  return matched.filter((image) => now - ageFrom(rule, image) > limit);
}

export function evaluate(policy: LifecyclePolicy, images: readonly LifecycleImage[], now: number): LifecycleAction[] {
  const present = images.filter((i) => i.pushedAt <= now);
  const byDigest = new Map<string, LifecycleImage>();
  for (const i of present) byDigest.set(i.digest, i);
  const parents = new Map<string, string[]>();
  const referrers = new Map<string, string[]>();
  for (const i of present) {
    for (const child of i.manifests) {
      const list = parents.get(child);
      if (list) list.push(i.digest);
      else parents.set(child, [i.digest]);
    }
    if (i.subject !== undefined && i.subject !== i.digest && byDigest.has(i.subject)) {
      const list = referrers.get(i.subject);
      if (list) list.push(i.digest);
      else referrers.set(i.subject, [i.digest]);
    }
  }
  const isDependant = (i: LifecycleImage): boolean =>
    (i.subject !== undefined && byDigest.has(i.subject)) || (i.tags.length === 0 && parents.has(i.digest));

  // Youngest first; images pushed in the same millisecond keep their push order (later = younger).
  const order = new Map<string, number>();
  present.forEach((i, n) => {
    order.set(i.digest, n);
  });
  const candidates = present
    .map((image, n) => ({ image, n }))
    .filter((c) => !isDependant(c.image))
    .sort((a, b) => b.image.pushedAt - a.image.pushedAt || b.n - a.n)
    .map((c) => c.image);

  const chosen = new Map<string, LifecycleAction>();
  const claimed = new Set<string>();
  for (const rule of policy.rules) {
    const cls = rule.storageClass === 'archive' ? 'ARCHIVE' : 'STANDARD';
    const matched = candidates.filter((i) => i.storageClass === cls && tagsMatch(rule, i.tags));
    for (const i of counted(rule, matched, now))
      if (!claimed.has(i.digest)) chosen.set(i.digest, { digest: i.digest, action: rule.action, rulePriority: rule.rulePriority });
    for (const i of matched) claimed.add(i.digest);
  }

  // Nothing goes out from under an index that stays (repeated: a kept index keeps its children).
  const acts = (d: string, action: LifecycleActionType): boolean => chosen.get(d)?.action === action;
  for (let changed = true; changed; ) {
    changed = false;
    for (const [digest, act] of chosen) {
      const keptBy = (parents.get(digest) ?? []).some((p) => !acts(p, act.action));
      if (keptBy) {
        chosen.delete(digest);
        changed = true;
      }
    }
  }

  // Dependants follow: referrers of an image acted on, and untagged children all of whose indexes are.
  const out: LifecycleAction[] = [];
  const taken = new Set<string>();
  const follow = (act: LifecycleAction): void => {
    if (taken.has(act.digest)) return;
    taken.add(act.digest);
    out.push(act);
    const image = byDigest.get(act.digest)!;
    const along: string[] = [...(referrers.get(act.digest) ?? [])];
    for (const child of image.manifests) {
      const c = byDigest.get(child);
      if (
        c &&
        c.tags.length === 0 &&
        !chosen.has(child) &&
        (parents.get(child) ?? []).every((p) => p === act.digest || taken.has(p) || acts(p, act.action))
      )
        along.push(child);
    }
    for (const d of along) {
      const dep = byDigest.get(d);
      if (!dep || chosen.has(d)) continue;
      if (act.action === 'transition' && dep.storageClass !== 'STANDARD') continue;
      follow({ digest: d, action: act.action, rulePriority: act.rulePriority });
    }
  };
  const primary = [...chosen.values()]
    .map((act) => ({ act, pushedAt: byDigest.get(act.digest)!.pushedAt, n: order.get(act.digest)! }))
    .sort((a, b) => a.act.rulePriority - b.act.rulePriority || a.pushedAt - b.pushedAt || a.n - b.n);
  for (const p of primary) follow(p.act);
  return out;
}
