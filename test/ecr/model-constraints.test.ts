/**
 * Table-driven over AWS's ECR model: every `required`, `min`, `max`, `pattern` and `enum` constraint
 * of every operation's input shapes, as botocore's service-2.json states it (the model the aws CLI of
 * this machine carries; src/testkit/ecr-model.ts says why that one), is sent violated to the
 * emulator, one at a time inside an otherwise valid request, and must be refused in AWS's words:
 *
 * - operations whose model lists ValidationException: `ValidationException` with
 *   `N validation error(s) detected: Value '...' at '<path>' failed to satisfy constraint: Member must ...`
 *   (AWS's service-framework wording, e.g. "1 validation error detected: Value 'ml.t2.medium' at
 *   'resourceConfig.instanceType' failed to satisfy constraint: Member must satisfy enum value set: [...]");
 * - the older operations (only InvalidParameterException in the model): ECR's documented form,
 *   `Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or
 *   equal to 1000'`, `Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length
 *   greater than or equal to 1'`, `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must have
 *   length greater than or equal to 2'` and `... 'must satisfy regular expression '<pattern>''` (real ECR errors
 *   reported by its users).
 *
 * Nothing here lists a constraint. The walk reads the emulator's own copy of the model
 * (src/http/ecr/model/ecr-input-model.ts, which `npx tsx tools/ecr-model/generate.ts` regenerates from
 * botocore), so it runs wherever the tests run; a constraint a later model adds is walked as soon as the
 * copy is regenerated. Where a botocore at least as new as the copy's is installed, a test checks that
 * the copy is not behind it.
 * Operations the emulator does not implement yet answer "not implemented" and are skipped, and the
 * output says which; they are walked once they exist.
 */
import test from 'ava';
import { ECR_INPUT_MODEL } from '../../src/http/ecr/model/ecr-input-model.ts';
import { inputModel, locateEcrModel, type ConstrainedShape, type InputModel } from '../../src/testkit/ecr-model.ts';
import { startEcr, type EcrFixture } from './ecr-fixture.ts';

const model: InputModel | undefined = ECR_INPUT_MODEL as InputModel;

const SIGV4 = 'AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=abcdef0123';

type Key = string | number;
interface Case {
  /** what is violated, for the test output */
  label: string;
  path: Key[];
  /** the violating value, or `undefined` to leave a required member out */
  value: unknown;
  /** AWS's constraint text (service-framework wording) */
  constraint: string;
  /** ECR's InvalidParameterException wording of the same constraint */
  ecrText: string;
}

/** The whole-value match AWS's framework applies to a model pattern. */
function matches(pattern: string, value: string): boolean {
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    re = new RegExp(`^(?:${pattern})$`);
  }
  return re.test(value);
}

const awsPath = (path: Key[]): string =>
  path.reduce<string>((out, k) => (typeof k === 'number' ? `${out}.${k + 1}.member` : out === '' ? k : `${out}.${k}`), '');

/** Strings to try as valid examples, in order; the first that satisfies the shape is used. */
function stringCandidates(s: ConstrainedShape): string[] {
  const n = Math.max(s.min ?? 1, 1);
  return [
    'abc',
    'a'.repeat(n),
    '123456789012',
    '01234567-89ab-cdef-0123-456789abcdef',
    `sha256:${'0'.repeat(64)}`,
    'ROOT',
    'us-east-1',
    'arn:aws:iam::123456789012:role/example',
    'arn:aws:signer:us-east-1:123456789012:/signing-profiles/example',
    'arn:aws:kms:us-east-1:123456789012:key/example',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/example-credentials',
  ];
}

function validString(s: ConstrainedShape): string | undefined {
  if (s.enum) return s.enum[0];
  return stringCandidates(s).find(
    (c) => c.length >= (s.min ?? 0) && (s.max === undefined || c.length <= s.max) && (s.pattern === undefined || matches(s.pattern, c)),
  );
}

/** A value of the shape that satisfies every constraint (every optional member included). */
function validValue(m: InputModel, shapeName: string, problems: string[]): unknown {
  const s = m.shapes[shapeName]!;
  switch (s.type) {
    case 'structure':
      return Object.fromEntries(Object.entries(s.members ?? {}).map(([k, child]) => [k, validValue(m, child, problems)]));
    case 'list':
      return Array.from({ length: Math.max(s.min ?? 1, 1) }, () => validValue(m, s.member!, problems));
    case 'map':
      return {};
    case 'string': {
      const v = validString(s);
      if (v === undefined) problems.push(`no valid example for ${shapeName} (${JSON.stringify(s)})`);
      return v ?? 'a';
    }
    case 'boolean':
      return false;
    case 'blob':
      return Buffer.alloc(Math.max(s.min ?? 1, 1), 0x61).toString('base64');
    case 'timestamp':
      return 0;
    default:
      return s.min ?? (s.max !== undefined && s.max < 1 ? s.max : 1);
  }
}

/** A string of `length` characters that the pattern refuses, if one of the tries is. */
function nonMatching(pattern: string, length: number): string | undefined {
  for (const ch of ['!', ' ', '#', 'A', '\u00e9']) {
    const v = ch.repeat(Math.max(length, 1));
    if (!matches(pattern, v)) return v;
  }
  return undefined;
}

/** Every constraint of the shape at `path` (and below it), each as one violating case. */
function casesOf(m: InputModel, shapeName: string, path: Key[], valid: unknown, out: Case[], problems: string[]): void {
  const s = m.shapes[shapeName]!;
  const length = (kind: 'minLength' | 'maxLength', bound: number, value: unknown, stringWording: boolean): void => {
    const constraint = `Member must have length ${kind === 'minLength' ? 'greater' : 'less'} than or equal to ${bound}`;
    out.push({
      label: `${shapeName} ${kind === 'minLength' ? 'min' : 'max'} ${bound}`,
      path,
      value,
      constraint,
      ecrText: stringWording ? constraint.replace(/^Member /, '') : constraint,
    });
  };
  switch (s.type) {
    case 'structure': {
      const record = valid as Record<string, unknown>;
      for (const [member, child] of Object.entries(s.members ?? {})) {
        const childPath = [...path, member];
        if (s.required?.includes(member))
          out.push({
            label: `${shapeName}.${member} required`,
            path: childPath,
            value: undefined,
            constraint: 'Member must not be null',
            ecrText: 'Member must not be null',
          });
        casesOf(m, child, childPath, record[member], out, problems);
      }
      return;
    }
    case 'list': {
      const items = valid as unknown[];
      if (s.min !== undefined && s.min > 0) length('minLength', s.min, [], false);
      if (s.max !== undefined)
        length(
          'maxLength',
          s.max,
          Array.from({ length: s.max + 1 }, () => items[0]),
          false,
        );
      casesOf(m, s.member!, [...path, 0], items[0], out, problems);
      return;
    }
    case 'string': {
      const example = valid as string;
      if (s.enum) {
        const bad = 'NOT_A_MODEL_VALUE';
        const constraint = `Member must satisfy enum value set: [${s.enum.join(', ')}]`;
        out.push({ label: `${shapeName} enum`, path, value: bad, constraint, ecrText: constraint.replace(/^Member /, '') });
      }
      if (s.min !== undefined && s.min > 0) length('minLength', s.min, example.slice(0, s.min - 1), true);
      if (s.max !== undefined) length('maxLength', s.max, (example + 'a'.repeat(s.max + 1)).slice(0, s.max + 1), true);
      if (s.pattern !== undefined) {
        const bad = nonMatching(s.pattern, Math.max(s.min ?? 1, 1));
        if (bad === undefined) problems.push(`no string refused by ${shapeName}'s pattern`);
        else
          out.push({
            label: `${shapeName} pattern`,
            path,
            value: bad,
            constraint: `Member must satisfy regular expression pattern: ${s.pattern}`,
            ecrText: `must satisfy regular expression '${s.pattern}'`,
          });
      }
      return;
    }
    case 'blob': {
      if (s.max !== undefined) length('maxLength', s.max, Buffer.alloc(s.max + 1, 0x61).toString('base64'), false);
      if (s.min !== undefined && s.min > 0) length('minLength', s.min, Buffer.alloc(s.min - 1).toString('base64'), false);
      return;
    }
    case 'integer':
    case 'long':
    case 'float':
    case 'double': {
      const value = (kind: 'greater' | 'less', bound: number, v: number): void => {
        const constraint = `Member must have value ${kind} than or equal to ${bound}`;
        out.push({ label: `${shapeName} ${kind === 'greater' ? 'min' : 'max'} ${bound}`, path, value: v, constraint, ecrText: constraint });
      };
      if (s.min !== undefined) value('greater', s.min, s.min - 1);
      if (s.max !== undefined) value('less', s.max, s.max + 1);
      return;
    }
    default:
  }
}

/** `body` with the value at `path` replaced (or removed when `value` is undefined). */
function withValue(body: unknown, path: Key[], value: unknown): unknown {
  const copy = structuredClone(body) as Record<Key, unknown>;
  let node: Record<Key, unknown> = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<Key, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

async function call(f: EcrFixture, operation: string, body: unknown): Promise<{ status: number; type?: string; message?: string }> {
  const res = await fetch(`${f.emu.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${operation}`,
      authorization: SIGV4,
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { __type?: string; message?: string };
  return { status: res.status, type: json.__type, message: json.message };
}

const versionOf = (source: string): number[] => (/(\d+)\.(\d+)\.(\d+)/.exec(source)?.slice(1) ?? []).map(Number);
const notOlder = (a: number[], b: number[]): boolean => {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
};

test("the emulator's copy of AWS's model is not behind an installed botocore of the same age or newer", (t) => {
  t.true(Object.keys(ECR_INPUT_MODEL.operations).length > 40, `walking ${ECR_INPUT_MODEL.source}`);
  const located = locateEcrModel();
  if (!located || !notOlder(versionOf(located.source), versionOf(ECR_INPUT_MODEL.source))) {
    t.log(`no botocore newer than ${ECR_INPUT_MODEL.source} installed (${located?.source ?? 'none'}): nothing to compare with`);
    return;
  }
  const installed = inputModel(located);
  const missing = Object.keys(installed.operations).filter((op) => !(op in ECR_INPUT_MODEL.operations));
  t.deepEqual(missing, [], `regenerate src/http/ecr/model/ecr-input-model.ts from ${located.source} (npx tsx tools/ecr-model/generate.ts)`);
  for (const [name, shape] of Object.entries(installed.shapes))
    if (name in ECR_INPUT_MODEL.shapes) t.deepEqual(ECR_INPUT_MODEL.shapes[name], shape, `shape ${name} differs from ${located.source}`);
});

let fixture: Promise<EcrFixture> | undefined;
test.after.always(async () => {
  if (fixture) await (await fixture)[Symbol.asyncDispose]();
});

for (const [operation, { input, validationException }] of Object.entries(model?.operations ?? {})) {
  if (!input || !model) continue;
  test(`${operation}: every required/min/max/pattern/enum constraint of its input in AWS's model (service-2.json) is refused in AWS's words`, async (t) => {
    fixture ??= startEcr();
    const f = await fixture;
    const problems: string[] = [];
    const baseline = validValue(model, input, problems);
    const cases: Case[] = [];
    casesOf(model, input, [], baseline, cases, problems);
    t.deepEqual(problems, [], 'the walk found a valid example and a violating value for every constraint');

    const probe = await call(f, operation, baseline);
    if (probe.type === 'ServerException' && probe.message === `not implemented in ecr-rewind: ${operation}`) {
      t.log(`SKIPPED: ${operation} is not implemented in ecr-rewind yet (${cases.length} constraints not walked)`);
      t.pass();
      return;
    }
    // the valid baseline passes the model's checks (the operation may still refuse it for reasons of its own)
    t.not(probe.type, 'ValidationException', probe.message);
    t.notRegex(
      probe.message ?? '',
      /failed to satisfy constraint: '(Member must (have|not be null)|must (have|satisfy regular))/,
      'baseline',
    );

    for (const c of cases) {
      const at = awsPath(c.path);
      const r = await call(f, operation, withValue(baseline, c.path, c.value));
      const what = `${operation} ${c.label} at '${at}'`;
      t.is(r.status, 400, what);
      if (validationException) {
        t.is(r.type, 'ValidationException', what);
        t.regex(r.message ?? '', /^\d+ validation errors? detected: /, what);
        t.true(
          (r.message ?? '').includes(` at '${at}' failed to satisfy constraint: ${c.constraint}`),
          `${what}: ${r.message?.slice(0, 300)}`,
        );
      } else {
        t.is(r.type, 'InvalidParameterException', what);
        t.is(r.message, `Invalid parameter at '${at}' failed to satisfy constraint: '${c.ecrText}'`, what);
      }
    }
    t.log(`${cases.length} constraints walked (${validationException ? 'ValidationException' : 'InvalidParameterException'} form)`);
  });
}
