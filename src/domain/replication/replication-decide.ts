/** decide() for replication: the configuration, image copies, backfills. Pure, like ../decide.ts. */
import { no, ok, refOf, regOf, registrySettings, type DeciderTable, type Decision } from '../decision.ts';
import { domainError } from '../errors.ts';
import type { DomainEvent } from '../events.ts';
import { repoKey, type RegistryScope } from '../scope.ts';
import type { RegistryState } from '../state.ts';
import { copyImage } from './copy-image.ts';
import type { ReplicationCommand } from './replication-commands.ts';
import { replicationEvents as ev } from './replication-event-factories.ts';
import { destinationsFor, replicationRules } from './replication-rules.ts';
import {
  BACKFILL_RUNNING,
  REPLICATION_FAILURE_CODES,
  replicationStatuses,
  sameDestination,
  type BackfillItem,
  type ReplicationBackfill,
  type ReplicationDestination,
  type ReplicationRule,
} from './replication-state.ts';

/** "up to 25 unique destinations across all rules" (ECR user guide, private image replication). */
export const MAX_REPLICATION_DESTINATIONS = 25;
/** "a registry can have at most 10 replication backfills in progress at once" (StartReplicationBackfill). */
export const MAX_BACKFILLS_IN_PROGRESS = 10;
/** A backfill fails once 50% or more of its replications failed, judged after at least 100 (ECR user guide). */
export const BACKFILL_FAILURE_SAMPLE = 100;

const invalid = (message: string): Decision => no(domainError('InvalidParameter', message));

function configurationProblem(scope: RegistryScope, rules: readonly ReplicationRule[]): string | undefined {
  const unique: ReplicationDestination[] = [];
  for (const [i, rule] of rules.entries()) {
    if (rule.destinations.length === 0)
      return `Invalid parameter at 'replicationConfiguration.rules.${i + 1}.member.destinations' failed to satisfy constraint: 'Member must have at least 1 destination'`;
    for (const d of rule.destinations) {
      if (d.region === scope.region && d.registryId === scope.account)
        return `Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: 'Replication destination region ${d.region} and registry ${d.registryId} must not be the source registry'`;
      if (!unique.some((u) => sameDestination(u, d))) unique.push(d);
    }
  }
  if (unique.length > MAX_REPLICATION_DESTINATIONS)
    return `Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: 'The replication configuration has ${unique.length} unique destinations; at most ${MAX_REPLICATION_DESTINATIONS} are allowed across all rules'`;
  return undefined;
}

const backfillOf = (state: RegistryState, scope: RegistryScope, id: string): ReplicationBackfill | undefined =>
  registrySettings(state, scope).replicationBackfills?.[id];

const backfillNotFound = (scope: RegistryScope, id: string) =>
  no(
    domainError(
      'ReplicationBackfillNotFound',
      `The replication backfill with id '${id}' does not exist in the registry with id '${scope.account}'`,
    ),
  );

/** What a backfill to `destination` replicates: each image and tag of the repositories whose rules name it. */
function backfillItems(state: RegistryState, scope: RegistryScope, destination: ReplicationDestination): BackfillItem[] {
  const rules = replicationRules(state, scope);
  const items: BackfillItem[] = [];
  const repos = [...state.repos.values()]
    .filter((r) => r.account === scope.account && r.region === scope.region)
    .filter((r) => destinationsFor(rules, r.name).some((d) => sameDestination(d, destination)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const repo of repos) {
    const children = new Set<string>();
    for (const image of repo.images.values()) for (const c of image.manifests) children.add(c);
    const tagsOf = new Map<string, string[]>();
    for (const [tag, digest] of repo.tags) tagsOf.set(digest, [...(tagsOf.get(digest) ?? []), tag]);
    const images = [...repo.images.values()]
      .filter((i) => !(children.has(i.digest) && !tagsOf.has(i.digest)))
      .sort((a, b) => a.pushedAt - b.pushedAt || (a.digest < b.digest ? -1 : 1));
    for (const image of images) {
      const tags = (tagsOf.get(image.digest) ?? []).sort();
      if (tags.length === 0) items.push({ repository: repo.name, digest: image.digest, tag: null });
      for (const tag of tags) items.push({ repository: repo.name, digest: image.digest, tag });
    }
  }
  return items;
}

/** The end of a backfill after result `done` of `total`, or undefined while it goes on. */
function backfillEnd(
  results: { status: string }[],
  total: number,
): { status: 'COMPLETE' | 'FAILED'; failureCode: string | null } | undefined {
  const failed = results.filter((r) => r.status === 'FAILED').length;
  if (results.length >= BACKFILL_FAILURE_SAMPLE && failed * 2 >= results.length && results.length < total)
    return { status: 'FAILED', failureCode: REPLICATION_FAILURE_CODES.FailureThresholdExceeded };
  if (results.length < total) return undefined;
  return failed * 2 >= total && failed > 0
    ? { status: 'FAILED', failureCode: REPLICATION_FAILURE_CODES.FailureThresholdExceeded }
    : { status: 'COMPLETE', failureCode: null };
}

export const replicationDeciders: DeciderTable<ReplicationCommand> = {
  PutReplicationConfiguration: (_state, c) => {
    const problem = configurationProblem(c.scope, c.rules);
    if (problem) return invalid(problem);
    return ok(ev.ReplicationConfigurationPut({ rules: c.rules, ...regOf(c.scope) }));
  },

  ReplicateImage: (state, c) => {
    const source = state.repos.get(repoKey(c.scope, c.repository));
    const image = source?.images.get(c.digest);
    const status = image && replicationStatuses(image).find((s) => sameDestination(s, c.destination));
    // copied already (a worker resumed after a restart), or the image is gone: nothing to record
    if (!source || status?.status !== 'IN_PROGRESS') return ok();
    const to = { account: c.destination.registryId, region: c.destination.region };
    const copy = copyImage(state, source, c.digest, status.tags, to);
    const d = {
      digest: c.digest,
      destinationRegion: c.destination.region,
      destinationRegistryId: c.destination.registryId,
      rule: status.rule,
      tags: status.tags,
      ...refOf(c.scope, c.repository),
    };
    const outcome = copy.failure
      ? ev.ImageReplicationFailed({ ...d, failureCode: copy.failure.code, failureReason: copy.failure.reason })
      : ev.ImageReplicated(d);
    return ok(...copy.events, outcome);
  },

  StartReplicationBackfill: (state, c) => {
    if (!replicationRules(state, c.scope).some((r) => r.destinations.some((d) => sameDestination(d, c.destination))))
      return invalid(
        `Invalid parameter at 'destination' failed to satisfy constraint: 'The destination region ${c.destination.region} and registry ${c.destination.registryId} is not in the registry's replication configuration'`,
      );
    const running = Object.values(registrySettings(state, c.scope).replicationBackfills ?? {}).filter((b) =>
      BACKFILL_RUNNING.includes(b.status),
    );
    if (running.some((b) => b.destination.region === c.destination.region))
      return no(
        domainError(
          'ReplicationBackfillInProgress',
          `A replication backfill to region '${c.destination.region}' is already in progress in the registry with id '${c.scope.account}'`,
        ),
      );
    if (running.length >= MAX_BACKFILLS_IN_PROGRESS)
      return no(
        domainError(
          'LimitExceeded',
          `The registry with id '${c.scope.account}' already has ${MAX_BACKFILLS_IN_PROGRESS} replication backfills in progress`,
        ),
      );
    return ok(
      ev.ReplicationBackfillStarted({
        backfillId: c.backfillId,
        destinationRegion: c.destination.region,
        destinationRegistryId: c.destination.registryId,
        ...regOf(c.scope),
      }),
    );
  },

  PrepareReplicationBackfill: (state, c) => {
    const b = backfillOf(state, c.scope, c.backfillId);
    if (!b) return backfillNotFound(c.scope, c.backfillId);
    if (b.status !== 'PREPARING') return ok();
    const items = backfillItems(state, c.scope, b.destination);
    const events: DomainEvent[] = [ev.ReplicationBackfillPrepared({ backfillId: b.id, items, ...regOf(c.scope) })];
    if (items.length === 0)
      events.push(ev.ReplicationBackfillEnded({ backfillId: b.id, status: 'COMPLETE', failureCode: null, ...regOf(c.scope) }));
    return ok(...events);
  },

  ReplicateBackfillItem: (state, c) => {
    const b = backfillOf(state, c.scope, c.backfillId);
    if (!b) return backfillNotFound(c.scope, c.backfillId);
    const item = b.items?.[c.index];
    // done already, or not the next item of a running backfill: nothing to record
    if (b.status !== 'IN_PROGRESS' || !item || b.results.length !== c.index) return ok();
    const source = state.repos.get(repoKey(c.scope, item.repository));
    const to = { account: b.destination.registryId, region: b.destination.region };
    const copy = source
      ? copyImage(state, source, item.digest, item.tag === null ? [] : [item.tag], to)
      : { events: [], failure: { code: REPLICATION_FAILURE_CODES.ImageNotFound, reason: `repository '${item.repository}' is gone` } };
    const status = copy.failure ? ('FAILED' as const) : ('COMPLETE' as const);
    const events: DomainEvent[] = [
      ...copy.events,
      ev.ReplicationBackfillItemReplicated({
        backfillId: b.id,
        index: c.index,
        digest: item.digest,
        tag: item.tag,
        status,
        failureCode: copy.failure?.code ?? null,
        ...refOf(c.scope, item.repository),
      }),
    ];
    const end = backfillEnd([...b.results, { status }], b.items?.length ?? 0);
    if (end) events.push(ev.ReplicationBackfillEnded({ backfillId: b.id, ...end, ...regOf(c.scope) }));
    return ok(...events);
  },

  StopReplicationBackfill: (state, c) => {
    const b = backfillOf(state, c.scope, c.backfillId);
    if (!b) return backfillNotFound(c.scope, c.backfillId);
    if (b.status === 'PREPARING')
      return ok(ev.ReplicationBackfillEnded({ backfillId: b.id, status: 'STOPPED', failureCode: null, ...regOf(c.scope) }));
    if (b.status === 'IN_PROGRESS') return ok(ev.ReplicationBackfillStopRequested({ backfillId: b.id, ...regOf(c.scope) }));
    return no(
      domainError(
        'ReplicationBackfillInvalidStatus',
        `The replication backfill with id '${b.id}' is ${b.status}: only a PREPARING or IN_PROGRESS replication backfill can be stopped`,
      ),
    );
  },

  FinishReplicationBackfill: (state, c) => {
    const b = backfillOf(state, c.scope, c.backfillId);
    if (!b) return backfillNotFound(c.scope, c.backfillId);
    if (b.status !== 'STOPPING') return ok();
    return ok(ev.ReplicationBackfillEnded({ backfillId: b.id, status: 'STOPPED', failureCode: null, ...regOf(c.scope) }));
  },
};
