/**
 * PutReplicationConfiguration, DescribeImageReplicationStatus, and the replication backfills:
 * StartReplicationBackfill, StopReplicationBackfill, ListReplicationBackfills,
 * DescribeReplicationBackfillResults. The copies themselves are src/replication/'s work.
 */
import * as v from 'valibot';
import { registrySettings } from '../../../domain/decision.ts';
import { replicationStatuses, type ReplicationBackfill } from '../../../domain/replication/replication-state.ts';
import { paginate } from '../../../queries/ecr-pagination.ts';
import { getRepository } from '../../../queries/repository.ts';
import { epochSeconds } from '../../../support/time.ts';
import { EcrError, invalidParameter } from '../ecr-errors.ts';
import { BACKFILL_INPUT_MODEL } from '../model/backfill-input-model.ts';
import { inputViolations, modelValidationError } from '../model/model-validation.ts';
import { execute, op, scopeOf, type Call } from '../operation.ts';
import { enumOf, imageId, maxResults, nextToken, registryId, repositoryName, structure } from '../shapes.ts';
import { imageNotFound, resolve } from './images.ts';

const destination = structure({ region: v.string(), registryId: v.string() });
const rule = structure({
  destinations: v.array(destination),
  repositoryFilters: v.optional(v.array(structure({ filter: v.string(), filterType: enumOf(['PREFIX_MATCH']) }))),
});

/** The backfill operations' model constraints (not in the generated model yet: backfill-input-model.ts). */
function checkBackfillInput(operation: string, input: unknown): void {
  const violations = inputViolations(operation, input, BACKFILL_INPUT_MODEL);
  if (violations.length > 0) throw modelValidationError(operation, violations, BACKFILL_INPUT_MODEL);
}

const backfillOf = (call: Call, account: string | undefined, id: string): ReplicationBackfill | undefined =>
  registrySettings(call.deps.engine.state, scopeOf(call, account)).replicationBackfills?.[id];

function progressOf(b: ReplicationBackfill) {
  if (b.items === undefined) return {};
  const failed = b.results.filter((r) => r.status === 'FAILED');
  return {
    progress: {
      totalReplicationCount: b.items.length,
      completedReplicationCount: b.results.length - failed.length,
      failedReplicationCount: failed.length,
      failureCodes: [...new Set(failed.map((r) => r.failureCode ?? ''))].filter((c) => c !== ''),
    },
  };
}

function summaryOf(b: ReplicationBackfill) {
  return {
    replicationBackfillId: b.id,
    destination: { region: b.destination.region, registryId: b.destination.registryId },
    status: b.status,
    ...(b.failureCode === undefined ? {} : { failureCode: b.failureCode }),
    ...progressOf(b),
    startedAt: epochSeconds(b.startedAt),
    ...(b.endedAt === undefined ? {} : { endedAt: epochSeconds(b.endedAt) }),
  };
}

const notFound = (id: string, account: string): EcrError =>
  new EcrError(
    'ReplicationBackfillNotFoundException',
    `The replication backfill with id '${id}' does not exist in the registry with id '${account}'`,
  );

export const replicationOperations = {
  PutReplicationConfiguration: op(structure({ replicationConfiguration: structure({ rules: v.array(rule) }) }), async (i, call) => {
    const rules = i.replicationConfiguration.rules.map((r) => ({
      destinations: r.destinations.map((d) => ({ region: d.region, registryId: d.registryId })),
      ...(r.repositoryFilters === undefined ? {} : { repositoryFilters: r.repositoryFilters.map((f) => ({ ...f })) }),
    }));
    await execute(call, { type: 'PutReplicationConfiguration', scope: scopeOf(call), rules });
    return { replicationConfiguration: { rules } };
  }),

  DescribeImageReplicationStatus: op(structure({ registryId, repositoryName, imageId }), (i, call) => {
    const scope = scopeOf(call, i.registryId);
    const repo = getRepository(call.deps.engine.state, scope, i.repositoryName);
    const r = resolve(repo, i.imageId);
    if ('failureCode' in r) {
      if (r.failureCode === 'ImageNotFound') throw imageNotFound(scope, i.repositoryName, i.imageId);
      throw invalidParameter(`Invalid parameter at 'imageId' failed to satisfy constraint: '${r.failureReason}'`);
    }
    const image = repo.images.get(r.digest)!;
    return {
      repositoryName: i.repositoryName,
      imageId: { imageDigest: r.digest, ...(i.imageId.imageTag !== undefined ? { imageTag: i.imageId.imageTag } : {}) },
      replicationStatuses: replicationStatuses(image).map((s) => ({
        region: s.region,
        registryId: s.registryId,
        status: s.status,
        ...(s.failureCode === undefined ? {} : { failureCode: s.failureCode }),
      })),
    };
  }),

  StartReplicationBackfill: op(structure({ registryId, destination }), async (i, call) => {
    checkBackfillInput('StartReplicationBackfill', i);
    const scope = scopeOf(call, i.registryId);
    const backfillId = call.deps.ids.uuid();
    await execute(call, { type: 'StartReplicationBackfill', scope, backfillId, destination: { ...i.destination } });
    const b = backfillOf(call, i.registryId, backfillId)!;
    return {
      replicationBackfillId: b.id,
      registryId: scope.account,
      destination: { ...b.destination },
      status: b.status,
      startedAt: epochSeconds(b.startedAt),
    };
  }),

  StopReplicationBackfill: op(structure({ registryId, replicationBackfillId: v.string() }), async (i, call) => {
    checkBackfillInput('StopReplicationBackfill', i);
    const scope = scopeOf(call, i.registryId);
    await execute(call, { type: 'StopReplicationBackfill', scope, backfillId: i.replicationBackfillId });
    const b = backfillOf(call, i.registryId, i.replicationBackfillId)!;
    return {
      registryId: scope.account,
      replicationBackfillId: b.id,
      destination: { ...b.destination },
      status: b.status,
      startedAt: epochSeconds(b.startedAt),
    };
  }),

  ListReplicationBackfills: op(structure({ registryId, maxResults: maxResults(50), nextToken }), (i, call) => {
    checkBackfillInput('ListReplicationBackfills', i);
    const scope = scopeOf(call, i.registryId);
    const all = Object.values(registrySettings(call.deps.engine.state, scope).replicationBackfills ?? {}).sort(
      (a, b) => b.startedAt - a.startedAt || (a.id < b.id ? -1 : 1),
    );
    const page = paginate(all, { maxResults: i.maxResults, nextToken: i.nextToken, defaultMax: 25, query: 'backfills' });
    return {
      registryId: scope.account,
      backfills: page.items.map(summaryOf),
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
  }),

  DescribeReplicationBackfillResults: op(
    structure({
      registryId,
      replicationBackfillId: v.string(),
      resultStatusFilter: v.optional(enumOf(['COMPLETE', 'FAILED'])),
      maxResults: maxResults(1000),
      nextToken,
    }),
    (i, call) => {
      checkBackfillInput('DescribeReplicationBackfillResults', i);
      const scope = scopeOf(call, i.registryId);
      const b = backfillOf(call, i.registryId, i.replicationBackfillId);
      if (!b) throw notFound(i.replicationBackfillId, scope.account);
      const terminal = b.status === 'COMPLETE' || b.status === 'FAILED' || b.status === 'STOPPED';
      // "Results are available only after the replication backfill reaches a terminal status."
      const results = terminal
        ? b.results
            .map((r, index) => ({ r, item: b.items![index]! }))
            .filter(({ r }) => i.resultStatusFilter === undefined || r.status === i.resultStatusFilter)
            .map(({ r, item }) => ({
              repositoryName: item.repository,
              imageId: { imageDigest: item.digest, ...(item.tag === null ? {} : { imageTag: item.tag }) },
              status: r.status,
              ...(r.failureCode === undefined ? {} : { failureCode: r.failureCode }),
            }))
        : [];
      const page = paginate(results, {
        maxResults: i.maxResults,
        nextToken: i.nextToken,
        defaultMax: 100,
        query: `${b.id}|${i.resultStatusFilter ?? ''}`,
      });
      const s = summaryOf(b);
      return {
        registryId: scope.account,
        replicationBackfillId: b.id,
        destination: s.destination,
        status: s.status,
        ...(b.failureCode === undefined ? {} : { failureCode: b.failureCode }),
        ...progressOf(b),
        ...(terminal ? { results: page.items } : {}),
        startedAt: s.startedAt,
        ...(b.endedAt === undefined ? {} : { endedAt: epochSeconds(b.endedAt) }),
        ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
      };
    },
  ),
};
