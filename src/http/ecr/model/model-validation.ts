/**
 * Request validation against AWS's ECR model (ecr-input-model.ts): required members, lengths of
 * strings, lists and blobs, values of numbers, patterns and enums, checked the way AWS's service
 * framework checks them before an operation runs, and answered in AWS's words.
 *
 * - A pattern must match the whole value (Java's `String.matches`, which AWS's framework uses).
 * - Paths are written as AWS writes them: `imageScanningConfiguration.scanOnPush`, list members
 *   one-based as `imageIds.1.member.imageTag`.
 * - Operations whose model lists ValidationException answer every violation at once:
 *   `ValidationException: 2 validation errors detected: Value 'x' at 'a' failed to satisfy
 *   constraint: Member must ...; Value ...`.
 * - The older operations, whose model lists only InvalidParameterException, answer the first
 *   violation as ECR documents it: `Invalid parameter at 'maxResults' failed to satisfy constraint:
 *   'Member must have value less than or equal to 1000'`, string members without "Member"
 *   (`'must have length greater than or equal to 2'`, `'must satisfy regular expression '<pattern>''`).
 * Types are not checked here (the operation's valibot schema does that, operation.ts).
 */
import { EcrError } from '../ecr-errors.ts';
import { ECR_INPUT_MODEL } from './ecr-input-model.ts';
import type { ConstrainedShape, InputModel } from './input-model.ts';

export type ViolationKind = 'null' | 'minLength' | 'maxLength' | 'minValue' | 'maxValue' | 'pattern' | 'enum';

export interface Violation {
  readonly kind: ViolationKind;
  /** The member's path as AWS writes it. */
  readonly path: string;
  readonly value: unknown;
  /** The shape's type: string members are worded without "Member" in InvalidParameterException messages. */
  readonly type: ConstrainedShape['type'];
  /** The constraint's number (length/value bound), pattern text or enum values. */
  readonly bound: number | string | readonly string[] | null;
}

const patterns = new Map<string, RegExp>();

/** The model's pattern as a whole-value match (Unicode mode when the pattern allows it). */
export function fullMatch(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    try {
      re = new RegExp(`^(?:${pattern})$`, 'u');
    } catch {
      re = new RegExp(`^(?:${pattern})$`);
    }
    patterns.set(pattern, re);
  }
  return re;
}

const isNumberType = (t: ConstrainedShape['type']): boolean => t === 'integer' || t === 'long' || t === 'float' || t === 'double';

/** A member path, rendered only when it is reported (most requests have no violation). */
interface PathNode {
  readonly parent: PathNode | null;
  /** a member name, or a list position (zero-based) */
  readonly key: string | number;
}

function rendered(path: PathNode | null): string {
  if (!path) return '';
  const head = rendered(path.parent);
  if (typeof path.key === 'number') return `${head}.${path.key + 1}.member`;
  return head === '' ? path.key : `${head}.${path.key}`;
}

const members = new Map<ConstrainedShape, [string, string][]>();
const membersOf = (shape: ConstrainedShape): [string, string][] => {
  let list = members.get(shape);
  if (!list) members.set(shape, (list = Object.entries(shape.members ?? {})));
  return list;
};

function report(
  out: Violation[],
  kind: ViolationKind,
  path: PathNode | null,
  value: unknown,
  type: ConstrainedShape['type'],
  bound: Violation['bound'],
): void {
  out.push({ kind, path: rendered(path), value, type, bound });
}

function lengthChecks(out: Violation[], shape: ConstrainedShape, length: number, path: PathNode | null, value: unknown): void {
  if (shape.min !== undefined && length < shape.min) report(out, 'minLength', path, value, shape.type, shape.min);
  if (shape.max !== undefined && length > shape.max) report(out, 'maxLength', path, value, shape.type, shape.max);
}

function walk(model: InputModel, shapeName: string, value: unknown, path: PathNode | null, out: Violation[]): void {
  const shape = model.shapes[shapeName];
  if (!shape || value === undefined || value === null) return;
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) return;
      const record = value as Record<string, unknown>;
      for (const [member, child] of membersOf(shape)) {
        const v = record[member];
        if (v === undefined || v === null) {
          if (shape.required?.includes(member))
            report(out, 'null', { parent: path, key: member }, null, model.shapes[child]?.type ?? 'structure', null);
        } else walk(model, child, v, { parent: path, key: member }, out);
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) return;
      lengthChecks(out, shape, value.length, path, value);
      for (let i = 0; i < value.length; i++) walk(model, shape.member!, value[i], { parent: path, key: i }, out);
      return;
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) return;
      const entries = Object.entries(value as Record<string, unknown>);
      lengthChecks(out, shape, entries.length, path, value);
      for (const [k, v] of entries) {
        walk(model, shape.key!, k, { parent: { parent: path, key: k }, key: 'key' }, out);
        walk(model, shape.value!, v, { parent: { parent: path, key: k }, key: 'value' }, out);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') return;
      if (shape.enum && !shape.enum.includes(value)) report(out, 'enum', path, value, 'string', shape.enum);
      lengthChecks(out, shape, value.length, path, value);
      if (shape.pattern !== undefined && !fullMatch(shape.pattern).test(value))
        report(out, 'pattern', path, value, 'string', shape.pattern);
      return;
    }
    case 'blob': {
      // base64 on the JSON wire; the bound is on the decoded bytes (its value is left out of messages)
      if (typeof value === 'string') lengthChecks(out, shape, Buffer.byteLength(value, 'base64'), path, undefined);
      return;
    }
    default:
      if (isNumberType(shape.type) && typeof value === 'number') {
        if (shape.min !== undefined && value < shape.min) report(out, 'minValue', path, value, shape.type, shape.min);
        if (shape.max !== undefined && value > shape.max) report(out, 'maxValue', path, value, shape.type, shape.max);
      }
  }
}

/** Every violation of the model's constraints in `body` (empty for an operation the model does not know). */
export function inputViolations(operation: string, body: unknown, model: InputModel = ECR_INPUT_MODEL): Violation[] {
  const input = model.operations[operation]?.input;
  const out: Violation[] = [];
  if (!input) return out;
  if (body === undefined || body === null) body = {};
  walk(model, input, body, null, out);
  return out;
}

/** AWS's constraint text: `Member must have length less than or equal to 100`. */
export function constraintText(v: Violation): string {
  switch (v.kind) {
    case 'null':
      return 'Member must not be null';
    case 'minLength':
      return `Member must have length greater than or equal to ${v.bound as number}`;
    case 'maxLength':
      return `Member must have length less than or equal to ${v.bound as number}`;
    case 'minValue':
      return `Member must have value greater than or equal to ${v.bound as number}`;
    case 'maxValue':
      return `Member must have value less than or equal to ${v.bound as number}`;
    case 'pattern':
      return `Member must satisfy regular expression pattern: ${v.bound as string}`;
    case 'enum':
      return `Member must satisfy enum value set: [${(v.bound as readonly string[]).join(', ')}]`;
  }
}

/** ECR's own wording of a violation inside `Invalid parameter at '...' failed to satisfy constraint: '...'`. */
export function invalidParameterText(v: Violation): string {
  if (v.type !== 'string' || v.kind === 'null') return constraintText(v);
  if (v.kind === 'pattern') return `must satisfy regular expression '${v.bound as string}'`;
  return constraintText(v).replace(/^Member /, '');
}

function renderedValue(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return ' null';
  const inner = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  if (Array.isArray(value)) return ` '[${value.map(inner).join(', ')}]'`;
  return ` '${inner(value)}'`;
}

/** The error AWS answers for the violations (all of them, or the first, as the operation's model says). */
export function modelValidationError(operation: string, violations: readonly Violation[], model: InputModel = ECR_INPUT_MODEL): EcrError {
  const first = violations[0];
  if (!first) throw new Error('modelValidationError needs at least one violation');
  if (model.operations[operation]?.validationException) {
    const n = violations.length;
    const parts = violations.map((v) => `Value${renderedValue(v.value)} at '${v.path}' failed to satisfy constraint: ${constraintText(v)}`);
    return new EcrError('ValidationException', `${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`);
  }
  return new EcrError(
    'InvalidParameterException',
    `Invalid parameter at '${first.path}' failed to satisfy constraint: '${invalidParameterText(first)}'`,
  );
}
