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
import { z } from 'zod';
import { SEVERITIES, type Advisory, type Cvss, type Severity } from '../domain/scanning/scanning-state.ts';
import { parseVersionRange } from '../domain/scanning/version-range.ts';

export class AdvisoryInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdvisoryInputError';
  }
}

const cvssInput = z.union([
  z.number().min(0).max(10),
  z.object({ score: z.number().min(0).max(10), vector: z.string().max(256).optional(), version: z.string().max(16).optional() }).strict(),
]);

const advisoryInput = z
  .object({
    id: z.string().min(1).max(256),
    package: z.string().min(1).max(256),
    ecosystem: z.string().regex(/^[A-Za-z0-9._-]+(:[A-Za-z0-9._-]+)?$/, 'must be a distribution, optionally with :<release>'),
    affected: z.string().max(4096).nullable().optional(),
    fixed: z.string().min(1).max(256).regex(/^\S+$/, 'must be a version').nullable().optional(),
    severity: z
      .string()
      .transform((s) => s.toUpperCase())
      .pipe(z.enum(SEVERITIES as [Severity, ...Severity[]]))
      .optional(),
    cvss: cvssInput.nullable().optional(),
    description: z.string().max(65536).nullable().optional(),
    uri: z.string().max(2048).nullable().optional(),
  })
  .strict();

const listInput = z.array(advisoryInput);

/** The severity a CVSS base score falls in (CVSS v3 ratings); UNDEFINED without a score. */
export function severityOfScore(score: number | undefined): Severity {
  if (score === undefined) return 'UNDEFINED';
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  if (score > 0) return 'LOW';
  return 'INFORMATIONAL';
}

function cvssOf(input: z.output<typeof cvssInput> | null | undefined): Cvss | null {
  if (input === undefined || input === null) return null;
  if (typeof input === 'number') return { score: input, vector: null, version: null };
  const vector = input.vector ?? null;
  const fromVector = vector ? (/^CVSS:(\d\.\d)\//.exec(vector)?.[1] ?? '2.0') : null;
  return { score: input.score, vector, version: input.version ?? fromVector };
}

/** Validates a parsed JSON document into advisories; throws AdvisoryInputError naming the first problem. */
export function parseAdvisories(doc: unknown): Advisory[] {
  const wrapped = typeof doc === 'object' && doc !== null && !Array.isArray(doc) && Object.keys(doc).length === 1 && 'advisories' in doc;
  const raw = wrapped ? (doc as { advisories: unknown }).advisories : doc;
  if (!Array.isArray(raw)) throw new AdvisoryInputError('expected an array of advisories or {"advisories": [...]}');
  const result = listInput.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'list';
    throw new AdvisoryInputError(`invalid advisory at ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data.map((a, i) => {
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
