/**
 * Which texts read as positions of a journal (replay/positions.ts resolves them in
 * this order before it looks at marks), so that no mark may be named like one:
 * a mark named `12` or `end` could never be reached by name.
 */
export const POSITION_KEYWORDS: readonly string[] = ['end', 'now', 'latest'];

/** An ISO date or time (`2026-01-01`, `2026-01-01T10:00:00Z`, with an offset). */
export const ISO_LIKE = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Why `name` cannot be a mark's name, or undefined when it can. */
export function markNameProblem(name: string): string | undefined {
  const t = name.trim();
  if (t.length === 0 || name.length > 256) return 'a mark name is 1 to 256 characters';
  if (t !== name) return 'a mark name has no leading or trailing spaces';
  if (POSITION_KEYWORDS.includes(t)) return `'${t}' names a position (${POSITION_KEYWORDS.join(', ')}), not a mark`;
  if (/^\d+$/.test(t)) return `'${t}' reads as a sequence number`;
  if (ISO_LIKE.test(t)) return `'${t}' reads as an ISO time`;
  return undefined;
}
