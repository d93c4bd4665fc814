/**
 * One ECR operation: a zod schema of its input (AWS's model constraints) and
 * a handler from the validated input to the wire form of the SDK's response.
 */
import type { z } from 'zod';
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
  readonly input: z.ZodType;
  handle(input: never, call: Call): Promise<O> | O;
}

export function op<S extends z.ZodType, O>(input: S, handle: (input: z.output<S>, call: Call) => Promise<O> | O): Operation<O> {
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

/**
 * Checks `body` against the operation's zod schema: the member types (the model's constraints were
 * checked before, by model/model-validation.ts) and what the model does not say. The first problem
 * becomes an InvalidParameterException naming the member as AWS does.
 */
export function parseInput(schema: z.ZodType, body: unknown): unknown {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? awsPath(issue.path) : 'request';
  const what =
    issue?.code === 'invalid_type'
      ? `Member must be of type ${issue.expected}`
      : issue?.code === 'invalid_value'
        ? `Member must satisfy enum value set: [${issue.values.map(String).join(', ')}]`
        : (issue?.message ?? 'Member is invalid');
  throw new EcrError('InvalidParameterException', `Invalid parameter at '${where}' failed to satisfy constraint: '${what}'`);
}
