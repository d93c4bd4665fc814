/**
 * Affected-version ranges of advisories: constraints joined by `,` (all must
 * hold), alternatives joined by `||` (any may hold). A constraint is an operator
 * (`<`, `<=`, `>`, `>=`, `=`, `==`, `!=`) and a version; `*` (or an empty range)
 * holds for every version. Versions are compared by the package manager's own
 * order (dpkg or apk), never as strings.
 *
 *   ">= 1.1.1, < 1.1.1w-0+deb11u1"      ">=3.0.0 <3.0.13-r0 || =1.1.1t-r2"
 *
 * (Constraints may also be separated by spaces alone, as in the second example.)
 */

export type Compare = (a: string, b: string) => number;

type Operator = '<' | '<=' | '>' | '>=' | '=' | '!=';

interface Constraint {
  op: Operator;
  version: string;
}

/** A parsed range: alternatives of conjunctions. An empty list of alternatives holds for everything. */
export type VersionRange = Constraint[][];

const CONSTRAINT = /^(<=|>=|==|!=|<|>|=)?\s*([^\s<>=!,|]+)$/;

/** Parses a range, or returns the reason it is not one. */
export function parseVersionRange(text: string): VersionRange | string {
  const t = text.trim();
  if (t === '' || t === '*') return [];
  const out: VersionRange = [];
  for (const alternative of t.split('||')) {
    const constraints: Constraint[] = [];
    // "op version" pairs, separated by commas and/or spaces
    const parts = alternative.replace(/(<=|>=|==|!=|<|>|=)\s+/g, '$1').split(/[\s,]+/).filter((p) => p !== '');
    if (parts.length === 0) return `empty alternative in range '${text}'`;
    for (const part of parts) {
      const m = CONSTRAINT.exec(part);
      if (!m) return `cannot read '${part}' in range '${text}'`;
      const op = (m[1] === '==' || m[1] === undefined ? '=' : m[1]) as Operator;
      constraints.push({ op, version: m[2]! });
    }
    out.push(constraints);
  }
  return out;
}

function holds(c: Constraint, version: string, compare: Compare): boolean {
  const d = compare(version, c.version);
  switch (c.op) {
    case '<':
      return d < 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '>=':
      return d >= 0;
    case '=':
      return d === 0;
    case '!=':
      return d !== 0;
  }
}

/** Whether `version` lies in `range` under the order `compare`. */
export function inRange(range: VersionRange, version: string, compare: Compare): boolean {
  if (range.length === 0) return true;
  return range.some((all) => all.every((c) => holds(c, version, compare)));
}
