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

/** A package manager's version order: versions are parsed once and compared often. */
export interface VersionOrder<P = unknown> {
  parse(text: string): P;
  compare(a: P, b: P): number;
}

type Operator = '<' | '<=' | '>' | '>=' | '=' | '!=';

interface Constraint {
  op: Operator;
  version: string;
  /** The version parsed by each order it was compared under. */
  parsed?: Map<VersionOrder, unknown>;
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
    const parts = alternative
      .replace(/(<=|>=|==|!=|<|>|=)\s+/g, '$1')
      .split(/[\s,]+/)
      .filter((p) => p !== '');
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

function holds<P>(c: Constraint, version: P, order: VersionOrder<P>): boolean {
  const parsed = (c.parsed ??= new Map());
  let bound = parsed.get(order as VersionOrder) as P | undefined;
  if (bound === undefined) parsed.set(order as VersionOrder, (bound = order.parse(c.version)));
  const d = order.compare(version, bound);
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

/** Whether `version` (parsed by `order`) lies in `range`. */
export function inRange<P>(range: VersionRange, version: P, order: VersionOrder<P>): boolean {
  if (range.length === 0) return true;
  for (const all of range) {
    let ok = true;
    for (const c of all)
      if (!holds(c, version, order)) {
        ok = false;
        break;
      }
    if (ok) return true;
  }
  return false;
}
