/**
 * The ECR face: AWS JSON 1.1 on `POST /` with
 * `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Operation>`, plus the
 * layer download URLs GetDownloadUrlForLayer hands out (GET /_ecr/layers/...).
 *
 * A request is authenticated as AWS does it (a SigV4 Authorization header,
 * parsed but not verified), its JSON validated against the operation's model,
 * and answered with the operation's result or `{"__type", "message"}`.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { DomainFailure } from '../../domain/errors.ts';
import type { FaceDeps } from '../face-deps.ts';
import { BodyError, readJsonBody } from '../request-body.ts';
import { createPullConversions } from '../pull-conversions.ts';
import { createPullRecorder } from '../pull-recorder.ts';
import { noteRequest } from '../request-log.ts';
import { InvalidNextToken } from '../../queries/ecr-pagination.ts';
import { EcrError } from './ecr-errors.ts';
import { LAYER_URL_PREFIX, serveLayer } from './layer-download.ts';
import { MAX_LAYER_PART_BYTES } from './body-limits.ts';
import { BodyBudget } from '../body-budget.ts';
import { ecrService, isImplemented, NOT_YET_IMPLEMENTED } from './ecr-service.ts';
import { inputViolations, modelValidationError } from './model/model-validation.ts';
import { parseInput, type Call } from './operation.ts';
import { callerOf } from './sigv4-scope.ts';

export const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** JSON around the largest member, and every other request. */
const JSON_ROOM = 64 * 1024;
const DEFAULT_BODY_LIMIT = 1024 * 1024;
/**
 * Request bodies as AWS bounds their members: UploadLayerPart's layerPartBlob is at most
 * 20,971,520 bytes (base64 in JSON), PutImage's imageManifest at most 4,194,304 characters
 * (each of which JSON may spell with up to 6). Every other operation's input is small.
 */
const BODY_LIMITS: Readonly<Record<string, number>> = {
  UploadLayerPart: Math.ceil(MAX_LAYER_PART_BYTES / 3) * 4 + JSON_ROOM,
  PutImage: 4_194_304 * 6 + JSON_ROOM,
};

function answerError(ctx: Context, err: EcrError): void {
  noteRequest(ctx, { error: err.type, reason: err.message });
  ctx.status = err.status;
  ctx.set('x-amzn-ErrorType', err.type);
  ctx.type = CONTENT_TYPE;
  ctx.body = JSON.stringify({ __type: err.type, message: err.message, ...err.fields });
}

/** The request body as JSON, within its operation's cap, the memory budget and the body deadline. */
async function readInput(ctx: Context, name: string, deps: FaceDeps, budget: BodyBudget): Promise<{ body: unknown; release: () => void }> {
  const limit = BODY_LIMITS[name] ?? DEFAULT_BODY_LIMIT;
  const declared = Number(ctx.get('content-length') || NaN);
  const release = await budget.take(Number.isFinite(declared) ? Math.min(declared, limit) : limit, deps.limits.ecrBodyWaitMs);
  if (!release) throw new EcrError('ThrottlingException', 'Rate exceeded: too many large requests at once; retry');
  try {
    return { body: await readJsonBody(ctx.req, limit, { timeoutMs: deps.limits.bodyTimeoutMs }), release };
  } catch (err) {
    release();
    if (!(err instanceof BodyError)) throw err;
    // the rest of such a body is not worth reading: the connection closes after the answer
    ctx.set('Connection', 'close');
    if (err.kind === 'timeout') throw new EcrError('RequestTimeoutException', err.message);
    throw err.kind === 'too-large'
      ? new EcrError('InvalidParameterException', `the ${name} request is larger than ECR accepts (${limit} bytes): ${err.message}`)
      : new EcrError('SerializationException', 'Start of structure or map found where not expected.');
  }
}

export function createEcrFace(deps: FaceDeps): Middleware {
  const { signer } = deps;
  const recordPull = createPullRecorder(deps.engine, deps.clock, deps.log);
  const conversions = createPullConversions(deps);
  const budget = new BodyBudget(deps.limits.ecrBodyBudgetBytes);
  async function handle(ctx: Context, target: string): Promise<void> {
    // Not from the IdSource: request ids are not state, and reads must not shift a seeded recording's ids.
    const requestId = randomUUID();
    ctx.set('x-amzn-RequestId', requestId);
    noteRequest(ctx, { operation: target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target, requestId });
    let release: (() => void) | undefined;
    try {
      if (!target.startsWith(TARGET_PREFIX)) throw new EcrError('UnknownOperationException', `Unknown operation ${target}`);
      const name = target.slice(TARGET_PREFIX.length);
      const caller = callerOf(ctx.get('authorization') || undefined, deps.config.account);
      const read = await readInput(ctx, name, deps, budget);
      release = read.release;
      const body = read.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new EcrError('SerializationException', 'Start of structure or map found where not expected.');
      const repositoryName = (body as { repositoryName?: unknown }).repositoryName;
      if (typeof repositoryName === 'string') noteRequest(ctx, { repository: repositoryName });
      if (!isImplemented(name)) {
        if (NOT_YET_IMPLEMENTED.includes(name)) throw new EcrError('ServerException', `not implemented in ecr-rewind: ${name}`);
        throw new EcrError('UnknownOperationException', `Unknown operation ${name}`);
      }
      const operation = ecrService[name];
      const violations = inputViolations(name, body);
      if (violations.length > 0) throw modelValidationError(name, violations);
      const input = parseInput(operation.input, body);
      const call: Call = { deps, caller, signer, recordPull, conversions };
      const result = await operation.handle(input as never, call);
      ctx.status = 200;
      ctx.type = CONTENT_TYPE;
      // As bytes: a string body is measured (Buffer.byteLength flattens the rope JSON.stringify
      // builds) and then encoded again by the socket's writev; a page of 100 DescribeImages
      // details allocated twice its size more than this does.
      ctx.body = Buffer.from(JSON.stringify(result));
    } catch (err) {
      if (err instanceof EcrError) return answerError(ctx, err);
      if (err instanceof DomainFailure) return answerError(ctx, EcrError.fromDomain(err.error));
      if (err instanceof InvalidNextToken) return answerError(ctx, new EcrError('InvalidParameterException', err.message));
      deps.log.error({ err, target }, 'ECR request failed');
      answerError(ctx, new EcrError('ServerException', 'An internal error occurred in ecr-rewind'));
    } finally {
      release?.();
    }
  }

  return async (ctx, next) => {
    const target = ctx.get('x-amz-target');
    if (ctx.method === 'POST' && ctx.path === '/' && target) return handle(ctx, target);
    if ((ctx.method === 'GET' || ctx.method === 'HEAD') && ctx.path.startsWith(LAYER_URL_PREFIX)) return serveLayer(ctx, deps, signer);
    await next();
  };
}
