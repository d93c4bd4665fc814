/**
 * Validation of lifecycle policy text, as ECR does it, for PutLifecyclePolicy,
 * StartLifecyclePolicyPreview and the `lifecyclePolicy` of repository creation templates.
 *
 * ECR answers a bad policy with InvalidParameterException in two shapes:
 *
 * - schema failures (the document does not fit ECR's JSON schema) are wrapped as a model
 *   constraint: `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint:
 *   'Lifecycle policy validation failure: <reason>'`, the reason worded by ECR's JSON-schema
 *   validator (`object has missing required properties (["rules"])`, `instance failed to match
 *   exactly one schema (matched 0 out of 2)` for a countType/countUnit combination it does not
 *   know, `numeric instance is lower than the required minimum (minimum: 1, found: 0)`,
 *   `Could not map policyString into LifecyclePolicy.` for text that is not a JSON object);
 * - rule failures (the document fits the schema, the rules do not fit together) read
 *   `Lifecycle policy validation failure: <reason>` (e.g. `Must specify tagPrefixList or
 *   tagPatternList when tagStatus=TAGGED.`, `Only one rule can select Untagged images per
 *   storage class`, `Rule for tagStatus=ANY must have the lowest priority per storage class`).
 *
 * The rules checked, from the ECR user guide ("Lifecycle policy properties"):
 * - rulePriority: an integer, unique within the policy, at least 1; a rule with tagStatus
 *   `any` must have the highest rulePriority (it is evaluated last), per storage class;
 * - tagStatus: `tagged`, `untagged` or `any`; `tagged` needs tagPrefixList or tagPatternList,
 *   `untagged` (and `any`) must omit both; only one rule may select untagged images;
 * - tagPatternList: strings with at most four `*` wildcards each;
 * - countType `imageCountMoreThan` takes no countUnit; `sinceImagePushed`, `sinceImagePulled`
 *   and `sinceImageTransitioned` need countUnit `days`; countNumber is a positive integer;
 * - storageClass: `standard` (the default) or `archive`; `sinceImageTransitioned` selects
 *   archived images only, every other count type standard ones only;
 * - action.type `expire`, or `transition` with targetStorageClass `archive` (which only
 *   `transition` takes); `sinceImagePulled` goes with `transition` (ECR does not expire on
 *   last pull: it archives first); archived images stay at least 90 days, so a rule that
 *   expires archived images counts at least 90 days.
 * Reasons of the second kind that are not quoted above are this emulator's wording.
 */
import type { CountType, LifecyclePolicy, LifecycleRule, RuleStorageClass, TagStatus } from './lifecycle-policy.ts';

/** ECR's limit on rules in one policy (service quota "Rules per lifecycle policy"). */
export const MAX_LIFECYCLE_RULES = 50;
/** At most four `*` wildcards per tagPatternList string. */
export const MAX_PATTERN_WILDCARDS = 4;
/** An archived image is kept at least this many days before a rule may expire it. */
export const MIN_ARCHIVE_DAYS = 90;

export type LifecycleValidation = { ok: true; policy: LifecyclePolicy } | { ok: false; kind: 'schema' | 'rule'; reason: string };

/** The message ECR answers for a failed validation; `parameter` names the request member. */
export function lifecycleValidationMessage(
  failure: { kind: 'schema' | 'rule'; reason: string },
  parameter = 'LifecyclePolicyText',
): string {
  return failure.kind === 'schema'
    ? `Invalid parameter at '${parameter}' failed to satisfy constraint: 'Lifecycle policy validation failure: ${failure.reason}'`
    : `Lifecycle policy validation failure: ${failure.reason}`;
}

class Refusal {
  constructor(
    readonly kind: 'schema' | 'rule',
    readonly reason: string,
  ) {}
}

const schema = (reason: string): Refusal => new Refusal('schema', reason);
const rule = (reason: string): Refusal => new Refusal('rule', reason);
const list = (names: readonly string[]): string => `[${names.map((n) => JSON.stringify(n)).join(',')}]`;

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function expectType(v: unknown, allowed: 'object' | 'array' | 'string' | 'integer'): void {
  const t = jsonType(v);
  if (t !== allowed) throw schema(`instance type (${t}) does not match any allowed primitive type (allowed: ${list([allowed])})`);
}

function expectObject(v: unknown, required: readonly string[], allowed: readonly string[]): Record<string, unknown> {
  expectType(v, 'object');
  const o = v as Record<string, unknown>;
  const missing = required.filter((k) => !Object.hasOwn(o, k)).sort();
  if (missing.length > 0) throw schema(`object has missing required properties (${list(missing)})`);
  const extra = Object.keys(o)
    .filter((k) => !allowed.includes(k))
    .sort();
  if (extra.length > 0) throw schema(`object instance has properties which are not allowed by the schema: (${list(extra)})`);
  return o;
}

function expectEnum<T extends string>(v: unknown, values: readonly T[]): T {
  expectType(v, 'string');
  if (!(values as readonly unknown[]).includes(v))
    throw schema(`instance value (${String(v)}) not found in enum :(possible values: ${list(values)})`);
  return v as T;
}

function expectInteger(v: unknown, minimum: number): number {
  expectType(v, 'integer');
  const n = v as number;
  if (n < minimum) throw schema(`numeric instance is lower than the required minimum (minimum: ${minimum}, found: ${n})`);
  return n;
}

function expectStrings(v: unknown): string[] {
  expectType(v, 'array');
  const a = v as unknown[];
  if (a.length === 0) throw schema('array is too short: must have at least 1 elements but instance has 0 elements');
  for (const s of a) expectType(s, 'string');
  return a as string[];
}

const TAG_STATUSES: readonly TagStatus[] = ['tagged', 'untagged', 'any'];
const COUNT_TYPES: readonly CountType[] = ['imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned'];
const STORAGE_CLASSES: readonly RuleStorageClass[] = ['standard', 'archive'];

function parseRule(raw: unknown): LifecycleRule {
  const r = expectObject(raw, ['rulePriority', 'selection', 'action'], ['rulePriority', 'description', 'selection', 'action']);
  const rulePriority = expectInteger(r.rulePriority, 1);
  if (r.description !== undefined) expectType(r.description, 'string');
  const s = expectObject(
    r.selection,
    ['tagStatus', 'countType', 'countNumber'],
    ['tagStatus', 'tagPrefixList', 'tagPatternList', 'storageClass', 'countType', 'countUnit', 'countNumber'],
  );
  const tagStatus = expectEnum(s.tagStatus, TAG_STATUSES);
  const tagPrefixList = s.tagPrefixList === undefined ? undefined : expectStrings(s.tagPrefixList);
  const tagPatternList = s.tagPatternList === undefined ? undefined : expectStrings(s.tagPatternList);
  const storageClass = s.storageClass === undefined ? 'standard' : expectEnum(s.storageClass, STORAGE_CLASSES);
  // The schema's oneOf: a count rule (imageCountMoreThan, no countUnit) or an age rule
  // (the since* types with countUnit "days"); anything else matches neither branch.
  const countType = s.countType as CountType;
  const ageRule = countType !== 'imageCountMoreThan';
  if (!COUNT_TYPES.includes(countType) || (ageRule ? s.countUnit !== 'days' : s.countUnit !== undefined))
    throw schema('instance failed to match exactly one schema (matched 0 out of 2)');
  const countNumber = expectInteger(s.countNumber, 1);
  const a = expectObject(r.action, ['type'], ['type', 'targetStorageClass']);
  const action = expectEnum(a.type, ['expire', 'transition'] as const);
  if (a.targetStorageClass !== undefined) expectEnum(a.targetStorageClass, ['archive'] as const);

  if (tagStatus === 'tagged' && tagPrefixList === undefined && tagPatternList === undefined)
    throw rule('Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.');
  if (tagStatus === 'tagged' && tagPrefixList !== undefined && tagPatternList !== undefined)
    throw rule(`Rule with priority ${rulePriority} specifies both tagPrefixList and tagPatternList; use only one of them.`);
  if (tagStatus !== 'tagged' && (tagPrefixList !== undefined || tagPatternList !== undefined))
    throw rule(`tagPrefixList and tagPatternList are only allowed when tagStatus=TAGGED (rule with priority ${rulePriority}).`);
  for (const p of tagPatternList ?? [])
    if (p.split('*').length - 1 > MAX_PATTERN_WILDCARDS)
      throw rule(`Tag pattern '${p}' has more than ${MAX_PATTERN_WILDCARDS} wildcards (*).`);
  if (action === 'transition' && a.targetStorageClass === undefined)
    throw rule(`Rule with priority ${rulePriority} must specify targetStorageClass for action type transition.`);
  if (action === 'expire' && a.targetStorageClass !== undefined)
    throw rule(`targetStorageClass is only allowed with action type transition (rule with priority ${rulePriority}).`);
  if (countType === 'sinceImageTransitioned' && storageClass !== 'archive')
    throw rule(`countType sinceImageTransitioned requires storageClass archive (rule with priority ${rulePriority}).`);
  if (countType !== 'sinceImageTransitioned' && storageClass === 'archive')
    throw rule(`storageClass archive can only be selected with countType sinceImageTransitioned (rule with priority ${rulePriority}).`);
  if (action === 'transition' && storageClass === 'archive')
    throw rule(`Rule with priority ${rulePriority} cannot transition images that are already archived.`);
  if (countType === 'sinceImagePulled' && action !== 'transition')
    throw rule(`countType sinceImagePulled is only supported with action type transition (rule with priority ${rulePriority}).`);
  if (storageClass === 'archive' && action === 'expire' && countNumber < MIN_ARCHIVE_DAYS)
    throw rule(
      `Archived images must stay archived at least ${MIN_ARCHIVE_DAYS} days; countNumber ${countNumber} of rule with priority ${rulePriority} is too low.`,
    );

  return {
    rulePriority,
    ...(typeof r.description === 'string' ? { description: r.description } : {}),
    tagStatus,
    ...(tagPrefixList !== undefined ? { tagPrefixList } : {}),
    ...(tagPatternList !== undefined ? { tagPatternList } : {}),
    storageClass,
    countType,
    countNumber,
    action,
  };
}

function checkTogether(rules: readonly LifecycleRule[]): void {
  const seen = new Set<number>();
  for (const r of rules) {
    if (seen.has(r.rulePriority))
      throw rule(`The rulePriority ${r.rulePriority} is used by more than one rule; rule priorities must be unique.`);
    seen.add(r.rulePriority);
  }
  for (const cls of ['standard', 'archive'] as const) {
    const ofClass = rules.filter((r) => r.storageClass === cls);
    if (ofClass.filter((r) => r.tagStatus === 'untagged').length > 1)
      throw rule('Only one rule can select Untagged images per storage class');
    const highest = Math.max(...ofClass.map((r) => r.rulePriority));
    if (ofClass.some((r) => r.tagStatus === 'any' && r.rulePriority !== highest))
      throw rule('Rule for tagStatus=ANY must have the lowest priority per storage class');
  }
}

/** Validates `text` as a lifecycle policy; the policy comes back with its rules sorted by priority. */
export function validateLifecyclePolicy(text: string): LifecycleValidation {
  try {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw schema('Could not map policyString into LifecyclePolicy.');
    }
    if (jsonType(doc) !== 'object') throw schema('Could not map policyString into LifecyclePolicy.');
    const o = expectObject(doc, ['rules'], ['rules']);
    expectType(o.rules, 'array');
    const raw = o.rules as unknown[];
    if (raw.length === 0) throw schema('array is too short: must have at least 1 elements but instance has 0 elements');
    if (raw.length > MAX_LIFECYCLE_RULES)
      throw schema(`array is too long: must have at most ${MAX_LIFECYCLE_RULES} elements but instance has ${raw.length} elements`);
    const rules = raw.map(parseRule);
    checkTogether(rules);
    return { ok: true, policy: { rules: [...rules].sort((a, b) => a.rulePriority - b.rulePriority) } };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, kind: err.kind, reason: err.reason };
    throw err;
  }
}

/** Validated policies by text: evaluation parses the same stored text again and again. */
const parsed = new Map<string, LifecyclePolicy>();

/** The policy of text that was validated before (stored policies); throws if it is not valid. */
export function parsedLifecyclePolicy(text: string): LifecyclePolicy {
  let policy = parsed.get(text);
  if (!policy) {
    const v = validateLifecyclePolicy(text);
    if (!v.ok) throw new Error(`stored lifecycle policy does not validate: ${v.reason}`);
    if (parsed.size >= 256) parsed.clear();
    parsed.set(text, (policy = v.policy));
  }
  return policy;
}
