/**
 * The advisory list as users write it (`--advisories FILE`, PUT /_rewind/scanning/advisories):
 * a JSON array of advisories, or `{"advisories": [...]}`. Each advisory:
 *
 * | field | required | meaning |
 * | --- | --- | --- |
 * | `id` | yes | CVE-2024-1234, DSA-..., ... (the finding's name) |
 * | `package` | yes | binary or source package name (dpkg Source / apk origin match too) |
 * | `ecosystem` | yes | `debian`, `ubuntu`, `alpine`, optionally `:<release>` (`debian:12`, `alpine:3.19`) |
 * | `affected` | no | version range (`>= 1.2, < 1.2.5`; alternatives with `\|\|`); default: every version |
 * | `fixed` | no | first fixed version: installed versions at or above it are not affected |
 * | `severity` | no | CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED; default from the CVSS score |
 * | `cvss` | no | a score, or `{"score": 9.8, "vector": "CVSS:3.1/...", "version": "3.1"}` |
 * | `description`, `uri` | no | shown in the findings |
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as v from 'valibot';
import { SEVERITIES, type Advisory, type Cvss, type Severity } from '../domain/scanning/scanning-state.ts';
import { parseVersionRange } from '../domain/scanning/version-range.ts';

export class AdvisoryInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdvisoryInputError';
  }
}

// The error texts below are the ones this list has always answered with (zod's wording).
const received = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
const typed =
  (expected: string) =>
  (issue: v.BaseIssue<unknown>): string =>
    `Invalid input: expected ${expected}, received ${received(issue.input)}`;
const TEXT = typed('string');
const NUMBER = typed('number');
const atLeast = (n: number) => v.minLength<string, number, string>(n, `Too small: expected string to have >=${n} characters`);
const atMost = (n: number) => v.maxLength<string, number, string>(n, `Too big: expected string to have <=${n} characters`);

/**
 * A structure's own problems, worded per kind: not an object, an absent required member (named
 * by its type), unknown keys (all of them listed, at the structure's path).
 */
const structureMessage =
  (entries: v.ObjectEntries) =>
  (issue: v.BaseIssue<unknown>): string => {
    const at = issue.path?.at(-1);
    if (at && issue.expected === 'never') {
      const unknown = Object.keys(at.input as object).filter((key) => !(key in entries));
      return `Unrecognized key${unknown.length === 1 ? '' : 's'}: ${unknown.map((key) => `"${key}"`).join(', ')}`;
    }
    if (at && issue.input === undefined) return `Invalid input: expected ${entries[at.key as string]?.type}, received undefined`;
    return typed('object')(issue);
  };

const isStructure = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A structure that refuses unknown keys, and arrays (which valibot's strictObject alone would take for one). */
function strict<const E extends v.ObjectEntries>(entries: E) {
  const message = structureMessage(entries);
  return v.pipe(v.custom<Record<string, unknown>>(isStructure, message), v.strictObject(entries, message));
}

const score = v.pipe(
  v.number(NUMBER),
  v.minValue(0, 'Too small: expected number to be >=0'),
  v.maxValue(10, 'Too big: expected number to be <=10'),
);

const cvssEntries = {
  score,
  vector: v.optional(v.pipe(v.string(TEXT), atMost(256))),
  version: v.optional(v.pipe(v.string(TEXT), atMost(16))),
};

// an array is refused all the same: it has no score
const cvssObject = v.strictObject(cvssEntries, structureMessage(cvssEntries));

const cvssInput = v.union([score, cvssObject], 'Invalid input');

const advisoryInput = strict({
  id: v.pipe(v.string(TEXT), atLeast(1), atMost(256)),
  package: v.pipe(v.string(TEXT), atLeast(1), atMost(256)),
  ecosystem: v.pipe(v.string(TEXT), v.regex(/^[A-Za-z0-9._-]+(:[A-Za-z0-9._-]+)?$/, 'must be a distribution, optionally with :<release>')),
  affected: v.optional(v.nullable(v.pipe(v.string(TEXT), atMost(4096)))),
  fixed: v.optional(v.nullable(v.pipe(v.string(TEXT), atLeast(1), atMost(256), v.regex(/^\S+$/, 'must be a version')))),
  severity: v.optional(
    v.pipe(
      v.string(TEXT),
      v.toUpperCase(),
      v.picklist(SEVERITIES as [Severity, ...Severity[]], `Invalid option: expected one of ${SEVERITIES.map((s) => `"${s}"`).join('|')}`),
    ),
  ),
  cvss: v.optional(v.nullable(cvssInput)),
  description: v.optional(v.nullable(v.pipe(v.string(TEXT), atMost(65536)))),
  uri: v.optional(v.nullable(v.pipe(v.string(TEXT), atMost(2048)))),
});

const listInput = v.array(advisoryInput);

/** The severity a CVSS base score falls in (CVSS v3 ratings); UNDEFINED without a score. */
export function severityOfScore(score: number | undefined): Severity {
  if (score === undefined) return 'UNDEFINED';
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  if (score > 0) return 'LOW';
  return 'INFORMATIONAL';
}

function cvssOf(input: v.InferOutput<typeof cvssInput> | null | undefined): Cvss | null {
  if (input === undefined || input === null) return null;
  if (typeof input === 'number') return { score: input, vector: null, version: null };
  const vector = input.vector ?? null;
  const fromVector = vector ? (/^CVSS:(\d\.\d)\//.exec(vector)?.[1] ?? '2.0') : null;
  return { score: input.score, vector, version: input.version ?? fromVector };
}

interface Problem {
  path: string[];
  message: string;
}

function problemOf(issue: v.BaseIssue<unknown>): Problem {
  const path = (issue.path ?? []).map((item) => String(item.key));
  // unknown keys are a problem of the structure that holds them
  if (issue.expected === 'never') path.pop();
  return { path, message: issue.message };
}

/**
 * A refused `cvss` (a score, or a structure): a number out of range, or a structure whose members
 * only fail their bounds or that has unknown keys, names its first problem; anything else (a member
 * of the wrong type, a missing score, neither a number nor a structure) is "Invalid input".
 */
function cvssProblem(at: string[], cvss: unknown): Problem {
  const base = at.slice(0, 2);
  const checked = typeof cvss === 'number' ? v.safeParse(score, cvss) : isStructure(cvss) ? v.safeParse(cvssObject, cvss) : undefined;
  const issues = checked?.issues ?? [];
  // a member's bounds and unknown keys leave it a structure with problems; other problems make it no cvss at all
  const mismatch = (issue: v.BaseIssue<unknown>): boolean => issue.kind !== 'validation' && issue.expected !== 'never';
  if (issues.length === 0 || issues.some(mismatch)) return { path: base, message: 'Invalid input' };
  const first = problemOf(issues[0]!);
  return { path: [...base, ...first.path], message: first.message };
}

/** Validates a parsed JSON document into advisories; throws AdvisoryInputError naming the first problem. */
export function parseAdvisories(doc: unknown): Advisory[] {
  const wrapped = typeof doc === 'object' && doc !== null && !Array.isArray(doc) && Object.keys(doc).length === 1 && 'advisories' in doc;
  const raw = wrapped ? (doc as { advisories: unknown }).advisories : doc;
  if (!Array.isArray(raw)) throw new AdvisoryInputError('expected an array of advisories or {"advisories": [...]}');
  const result = v.safeParse(listInput, raw, { abortEarly: true });
  if (!result.success) {
    let { path, message } = problemOf(result.issues[0]);
    if (path[1] === 'cvss') ({ path, message } = cvssProblem(path, (raw[Number(path[0])] as { cvss: unknown }).cvss));
    throw new AdvisoryInputError(`invalid advisory at ${path.length ? path.join('.') : 'list'}: ${message}`);
  }
  return result.output.map((a, i) => {
    if (a.affected !== undefined && a.affected !== null) {
      const range = parseVersionRange(a.affected);
      if (typeof range === 'string') throw new AdvisoryInputError(`invalid advisory at ${i}.affected: ${range}`);
    }
    const cvss = cvssOf(a.cvss);
    return {
      id: a.id,
      package: a.package,
      ecosystem: a.ecosystem.toLowerCase(),
      affected: a.affected?.trim() || null,
      fixed: a.fixed ?? null,
      severity: a.severity ?? severityOfScore(cvss?.score),
      cvss,
      description: a.description ?? null,
      uri: a.uri ?? null,
    };
  });
}

/** Reads an advisory file: its advisories and the `source` recorded with them. */
export async function loadAdvisoryFile(path: string): Promise<{ advisories: Advisory[]; source: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AdvisoryInputError(`cannot read the advisory file ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new AdvisoryInputError(`the advisory file ${path} is not JSON: ${(err as Error).message}`);
  }
  try {
    return { advisories: parseAdvisories(doc), source: `file:${basename(path)}` };
  } catch (err) {
    if (err instanceof AdvisoryInputError) throw new AdvisoryInputError(`${path}: ${err.message}`);
    throw err;
  }
}
