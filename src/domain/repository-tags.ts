/**
 * A repository's tags and their index by digest. `tags` (tag -> digest) is the fact;
 * `tagsByDigest` (digest -> its tags, in the order they were put on it) is derived from it
 * and kept in step by these functions, so that "the tags of an image" and "how many tags an
 * image has" cost one lookup instead of a walk over every tag of the repository (a repository
 * of 1,000 images with 10 tags each answers DescribeImages without reading 10,000 tags).
 *
 * A tag put on an image is pushed onto its array in place (a replay puts millions of tags: a new
 * array per put cost more than the Map itself); a removal replaces the array. So a copy of a
 * repository (a kept state, the inspector's ladder) copies the arrays too (copyTagIndex).
 * Every evolver that changes `tags` goes through here.
 */
import type { Repository } from './state.ts';

const NONE: readonly string[] = Object.freeze([]);

/**
 * How often the set of tag names of a tags Map changed (a tag added or removed; a tag moved to
 * another image does not change it): what a cache of sorted tag names (tags/list) checks. Kept
 * on the Map object itself under a symbol (not an entry, not state: a copied or decoded Map
 * starts afresh, and a cache keyed by the Map is dropped with it); cheaper than a WeakMap on
 * every tag a replay puts.
 */
const NAME_CHANGES = Symbol('tag name changes');
type Counted = { [NAME_CHANGES]?: number };
const namesChanged = (repo: Repository): void => {
  const tags = repo.tags as Counted;
  tags[NAME_CHANGES] = (tags[NAME_CHANGES] ?? 0) + 1;
};

/** A number that changes whenever a tag of `repo` is added or removed (for caches of its tag names). */
export const tagNamesVersion = (repo: Repository): number => (repo.tags as Counted)[NAME_CHANGES] ?? 0;

/** The tags of `digest` in `repo`, in the order they were put on it. */
export const tagsOf = (repo: Repository, digest: string): readonly string[] => repo.tagsByDigest.get(digest) ?? NONE;

function unindex(repo: Repository, tag: string, digest: string): void {
  const list = repo.tagsByDigest.get(digest);
  if (list === undefined) return;
  if (list.length === 1 && list[0] === tag) repo.tagsByDigest.delete(digest);
  else
    repo.tagsByDigest.set(
      digest,
      list.filter((t) => t !== tag),
    );
}

/** Points `tag` at `digest` (moving it off the image it was on). */
export function putTag(repo: Repository, tag: string, digest: string): void {
  const old = repo.tags.get(tag);
  if (old === digest) return;
  if (old !== undefined) unindex(repo, tag, old);
  else namesChanged(repo);
  repo.tags.set(tag, digest);
  const list = repo.tagsByDigest.get(digest) as string[] | undefined;
  if (list === undefined) repo.tagsByDigest.set(digest, [tag]);
  else list.push(tag);
}

/** Removes `tag` (nothing when the repository has no such tag). */
export function deleteTag(repo: Repository, tag: string): void {
  const old = repo.tags.get(tag);
  if (old === undefined) return;
  repo.tags.delete(tag);
  namesChanged(repo);
  unindex(repo, tag, old);
}

/** Removes every tag of `digest`. */
export function deleteTagsOf(repo: Repository, digest: string): void {
  const list = repo.tagsByDigest.get(digest);
  if (list === undefined) return;
  for (const tag of list) repo.tags.delete(tag);
  namesChanged(repo);
  repo.tagsByDigest.delete(digest);
}

/** A copy of a repository's index that later puts on either do not change. */
export function copyTagIndex(index: ReadonlyMap<string, readonly string[]>): Map<string, readonly string[]> {
  const copy = new Map<string, readonly string[]>();
  for (const [digest, list] of index) copy.set(digest, [...list]);
  return copy;
}

/** The index of a tags Map, in the Map's order (a state decoded from a checkpoint). */
export function indexTags(tags: ReadonlyMap<string, string>): Map<string, readonly string[]> {
  const index = new Map<string, string[]>();
  for (const [tag, digest] of tags) {
    const list = index.get(digest);
    if (list) list.push(tag);
    else index.set(digest, [tag]);
  }
  return index;
}
