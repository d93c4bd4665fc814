/**
 * AWS's machine-readable ECR model, as botocore ships it (`botocore/data/ecr/2015-09-21/service-2.json[.gz]`),
 * and its reduction to what request validation needs: the input shapes of every operation with
 * their `min`, `max`, `pattern`, `enum` and `required` constraints.
 *
 * Why botocore: @aws-sdk/client-ecr's bundled schemas carry no constraints, the `aws-sdk` v2 npm
 * package ships only a minified model with the constraints stripped (and stops at 2025's operations),
 * and the Smithy models are published to Maven only. botocore keeps every constraint; the copy that
 * the aws CLI of this machine image carries (awscli 1.45.11 / botocore 1.43.11, May 2026) has all 43
 * operations the emulator implements and differs from the model of the pinned SDK (3.1169.0,
 * November 2026) only by the four replication-backfill operations added since. Debian's
 * python3-botocore (1.29.27, 2022) is the fallback: it predates templates and signing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** botocore's service-2.json, the parts read here. */
export interface BotocoreShape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  sensitive?: boolean;
}

export interface BotocoreModel {
  metadata: { apiVersion: string; targetPrefix: string };
  operations: Record<string, { name: string; input?: { shape: string }; errors?: { shape: string }[] }>;
  shapes: Record<string, BotocoreShape>;
}

/**
 * The reduced model: the same shape as src/http/ecr/model/input-model.ts (which the emulator reads;
 * testkit may not import it, and the generated file's type checks that the two agree).
 */
export interface ConstrainedShape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'boolean' | 'blob' | 'timestamp' | 'float' | 'double';
  members?: Record<string, string>;
  required?: string[];
  member?: string;
  key?: string;
  value?: string;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
}

export interface InputModel {
  source: string;
  operations: Record<string, { input: string | null; validationException: boolean }>;
  shapes: Record<string, ConstrainedShape>;
}

export interface LocatedModel {
  model: BotocoreModel;
  /** e.g. `botocore 1.43.11` */
  source: string;
  path: string;
}

/** Folders that may hold botocore: the aws CLI's Python (python3 on PATH), then Debian's package. */
function candidateDirs(): string[] {
  const dirs: string[] = [];
  try {
    const out = execFileSync('python3', ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (out) dirs.push(out);
  } catch {
    // no python3 with botocore on PATH
  }
  dirs.push('/usr/lib/python3/dist-packages/botocore');
  return dirs;
}

function botocoreVersion(dir: string): string {
  try {
    const init = readFileSync(join(dir, '__init__.py'), 'utf8');
    return /__version__\s*=\s*'([^']+)'/.exec(init)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The ECR model of the first botocore found, or undefined when none is installed. */
export function locateEcrModel(): LocatedModel | undefined {
  for (const dir of candidateDirs()) {
    const base = join(dir, 'data', 'ecr', '2015-09-21');
    for (const file of ['service-2.json.gz', 'service-2.json']) {
      const path = join(base, file);
      if (!existsSync(path)) continue;
      const raw = readFileSync(path);
      const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
      return { model: JSON.parse(text) as BotocoreModel, source: `botocore ${botocoreVersion(dir)}`, path };
    }
  }
  return undefined;
}

/** Reduces botocore's model to the shapes reachable from operation inputs, with their constraints only. */
export function inputModel(located: LocatedModel): InputModel {
  const { model } = located;
  const shapes: Record<string, ConstrainedShape> = {};
  const visit = (name: string): void => {
    if (shapes[name]) return;
    const s = model.shapes[name];
    if (!s) throw new Error(`the model names an unknown shape ${name}`);
    const out: ConstrainedShape = { type: s.type as ConstrainedShape['type'] };
    shapes[name] = out;
    if (s.members) out.members = Object.fromEntries(Object.entries(s.members).map(([k, m]) => [k, m.shape]));
    if (s.required?.length) out.required = [...s.required];
    if (s.member) out.member = s.member.shape;
    if (s.key) out.key = s.key.shape;
    if (s.value) out.value = s.value.shape;
    if (s.min !== undefined) out.min = s.min;
    if (s.max !== undefined) out.max = s.max;
    if (s.pattern !== undefined) out.pattern = s.pattern;
    if (s.enum) out.enum = [...s.enum];
    for (const child of [...Object.values(out.members ?? {}), out.member, out.key, out.value]) if (child) visit(child);
  };
  const operations: InputModel['operations'] = {};
  for (const name of Object.keys(model.operations).sort()) {
    const op = model.operations[name]!;
    if (op.input) visit(op.input.shape);
    operations[name] = {
      input: op.input?.shape ?? null,
      validationException: (op.errors ?? []).some((e) => e.shape === 'ValidationException'),
    };
  }
  const sorted = Object.fromEntries(
    Object.keys(shapes)
      .sort()
      .map((k) => [k, shapes[k]!]),
  );
  return { source: located.source, operations, shapes: sorted };
}
