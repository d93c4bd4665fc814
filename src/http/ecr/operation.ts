/**
 * One ECR operation: a valibot schema of its input (the member types) and
 * a handler from the validated input to the wire form of the SDK's response.
 */
import * as v from 'valibot';
import { DomainFailure } from '../../domain/errors.ts';
import type { Command } from '../../domain/commands.ts';
import type { RecordedEvent } from '../../domain/events.ts';
import type { RegistryScope } from '../../domain/scope.ts';
import type { FaceDeps } from '../face-deps.ts';
import type { PullConversions } from '../pull-conversions.ts';
import type { PullRecorder } from '../pull-recorder.ts';
import type { TokenSigner } from '../token-auth.ts';
import { EcrError } from './ecr-errors.ts';
import type { Caller } from './sigv4-scope.ts';

export interface Call {
  readonly deps: FaceDeps;
  readonly caller: Caller;
  readonly signer: TokenSigner;
  /** Pull bookkeeping (lastRecordedPullTime), off the request path. */
  readonly recordPull: PullRecorder;
  /** Manifests converted on pull (BatchGetImage's acceptedMediaTypes). */
  readonly conversions: PullConversions;
}

export interface Operation<O> {
  readonly input: v.GenericSchema;
  handle(input: never, call: Call): Promise<O> | O;
}

export function op<S extends v.GenericSchema, O>(input: S, handle: (input: v.InferOutput<S>, call: Call) => Promise<O> | O): Operation<O> {
  return { input, handle: handle as (input: never, call: Call) => Promise<O> | O };
}

/** The registry an operation acts on: `registryId` when given, else the caller's account, in the caller's region. */
export const scopeOf = (call: Call, registryId?: string): RegistryScope => ({
  account: registryId ?? call.caller.scope.account,
  region: call.caller.scope.region,
});

/** Runs a command through the engine, turning a domain refusal into the ECR error. */
export function execute(call: Call, command: Command, fields: Record<string, unknown> = {}): Promise<RecordedEvent[]> {
  return withFields(fields, () => call.deps.engine.execute(command));
}

/** A domain refusal as the ECR error, with the members AWS puts beside its message (registryId, uploadId, ...). */
export const withFieldsError = (err: unknown, fields: Record<string, unknown>): unknown =>
  err instanceof DomainFailure ? EcrError.fromDomain(err.error, fields) : err;

/** Runs `work`, answering a domain refusal with the ECR error carrying `fields`. */
export async function withFields<T>(fields: Record<string, unknown>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw withFieldsError(err, fields);
  }
}

/** A member path as AWS writes it: `imageIds.1.member.imageTag` (list members one-based). */
export function awsPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `.${key + 1}.member` : `${out === '' ? '' : '.'}${String(key)}`;
  return out;
}

/** What parseInput reads of a schema: its type, its own message, and the schemas inside it. */
interface SchemaParts {
  readonly type: string;
  readonly message?: unknown;
  readonly wrapped?: SchemaParts;
  readonly pipe?: readonly SchemaParts[];
  readonly entries?: Readonly<Record<string, SchemaParts>>;
  readonly item?: SchemaParts;
}

const TYPE_NAMES = new Set(['string', 'number', 'boolean', 'object', 'array']);

/** An optional member's schema, or a structure's object schema inside its pipe (shapes.ts `structure`). */
function inner(schema: SchemaParts | undefined): SchemaParts | undefined {
  if (schema?.wrapped) return inner(schema.wrapped);
  return schema?.pipe?.find((s) => s.entries !== undefined) ?? schema;
}

/** The schema of the member at `path` (object keys, array indexes). */
function memberSchema(root: SchemaParts, path: readonly PropertyKey[]): SchemaParts | undefined {
  let schema: SchemaParts | undefined = root;
  for (const key of path) schema = typeof key === 'number' ? inner(schema)?.item : inner(schema)?.entries?.[String(key)];
  return schema;
}

/** A member's type as the messages name it: string, number, boolean, object, array or int. */
const typeConstraint = (type: string): string | undefined =>
  TYPE_NAMES.has(type) ? `Member must be of type ${type}` : type === 'integer' ? 'Member must be of type int' : undefined;

/** The constraint a member failed: its type, its enum (shapes.ts `enumOf`), or the message its schema gives. */
function constraintOf(root: SchemaParts, issue: v.BaseIssue<unknown>, path: readonly PropertyKey[]): string {
  // an absent required member: valibot says "key", the answer says what the member's schema expects
  if (issue.type === 'object' && issue.input === undefined && issue.expected?.startsWith('"')) {
    const member = memberSchema(root, path);
    if (typeof member?.message === 'string') return member.message;
    if (member) return typeConstraint(member.type) ?? 'Member is invalid';
  }
  return typeConstraint(issue.type) ?? issue.message;
}

/**
 * Checks `body` against the operation's schema: the member types (the model's constraints were
 * checked before, by model/model-validation.ts) and what the model does not say. The first problem
 * becomes an InvalidParameterException naming the member as AWS does.
 */
export function parseInput(schema: v.GenericSchema, body: unknown): unknown {
  const result = v.safeParse(schema, body, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue.path?.map((item) => item.key as PropertyKey) ?? [];
  const where = path.length ? awsPath(path) : 'request';
  const what = constraintOf(schema as SchemaParts, issue, path);
  throw new EcrError('InvalidParameterException', `Invalid parameter at '${where}' failed to satisfy constraint: '${what}'`);
}
