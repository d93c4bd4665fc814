/**
 * ECR's rules for resource tags (repositories, creation templates), from the API reference of
 * TagResource / InvalidTagParameterException: keys up to 128 characters, values up to 256, keys
 * starting with `aws:` reserved, at most 50 tags on a resource; a key given again replaces its value.
 */
import { domainError, type DomainError } from '../errors.ts';
import type { ResourceTag } from './settings-state.ts';

/** ECR allows at most 50 resource tags on a resource. */
export const MAX_RESOURCE_TAGS = 50;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;

/** The first tag ECR refuses with InvalidTagParameterException, if any. */
export function invalidTag(tags: readonly ResourceTag[]): DomainError | undefined {
  for (const t of tags) {
    if (t.Key.length === 0 || t.Key.length > MAX_TAG_KEY_LENGTH)
      return domainError(
        'InvalidTagParameter',
        `Tag key '${t.Key.slice(0, 200)}' is invalid: tag keys have 1 to ${MAX_TAG_KEY_LENGTH} characters`,
      );
    if (t.Value.length > MAX_TAG_VALUE_LENGTH)
      return domainError(
        'InvalidTagParameter',
        `The value of tag '${t.Key}' is invalid: tag values have at most ${MAX_TAG_VALUE_LENGTH} characters`,
      );
    if (t.Key.toLowerCase().startsWith('aws:'))
      return domainError('InvalidTagParameter', `Tag keys starting with 'aws:' are reserved: '${t.Key}'`);
  }
  return undefined;
}

/** `existing` with `added` applied: a key given again replaces the value (the last one wins), keys stay unique. */
export function mergeTags(existing: readonly ResourceTag[], added: readonly ResourceTag[]): ResourceTag[] {
  const byKey = new Map<string, string>();
  for (const t of [...existing, ...added]) {
    byKey.delete(t.Key);
    byKey.set(t.Key, t.Value);
  }
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

/** invalidTag, then the 50-tag limit of the merged set. */
export function tagProblem(existing: readonly ResourceTag[], added: readonly ResourceTag[]): DomainError | undefined {
  const bad = invalidTag(added);
  if (bad) return bad;
  const n = mergeTags(existing, added).length;
  if (n > MAX_RESOURCE_TAGS) return domainError('TooManyTags', `The resource would have ${n} tags; the limit is ${MAX_RESOURCE_TAGS}`);
  return undefined;
}
