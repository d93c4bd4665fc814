/**
 * ECR tag filters: a literal tag where `*` matches any run of characters
 * (ECR allows no other wildcard, so this is not a glob).
 */
export function matchesTagFilter(tag: string, filter: string): boolean {
  const parts = filter.split('*');
  if (parts.length === 1) return tag === filter;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (!tag.startsWith(first) || tag.length < first.length + last.length || !tag.endsWith(last)) return false;
  let at = first.length;
  const end = tag.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] ?? '';
    const found = tag.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** Whether a repository's mutability setting forbids moving `tag` once it exists. */
export function isTagImmutable(mutability: string, filters: readonly { filterType: string; filter: string }[], tag: string): boolean {
  const matched = filters.some((f) => matchesTagFilter(tag, f.filter));
  switch (mutability) {
    case 'IMMUTABLE':
      return true;
    case 'IMMUTABLE_WITH_EXCLUSION':
      return !matched;
    case 'MUTABLE_WITH_EXCLUSION':
      return matched;
    default:
      return false;
  }
}
