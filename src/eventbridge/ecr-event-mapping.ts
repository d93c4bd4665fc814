/**
 * ECR's EventBridge events, derived from the journal: one mapper per journal event type,
 * from the event and the registry state right before it to zero or more events. Pure:
 * the same journal gives the same events, at the same positions, live or replayed.
 *
 * ECR reports one event per API call, where the journal may hold several facts of one
 * command (a push by tag is ManifestPut then TagPut; a delete of an image's last tag is
 * TagDeleted then ImageDeleted). Events of one command sit next to each other and carry
 * the same time, so a mapper looks at its neighbours (`prev`, `next`) and the pair gives
 * one event: a push at its ManifestPut, a delete at its ImageDeleted. (Two commands of the
 * same millisecond that form such a pair also read as one.)
 */
import type { EventType, RecordedEvent, RepoRef } from '../domain/events.ts';
import { repoKey } from '../domain/scope.ts';
import type { Image, RegistryState } from '../domain/state.ts';
import { ECR_DETAIL_TYPES } from './ecr-detail-types.ts';
import { envelope, type EventBridgeDraft, type EventBridgeEvent } from './eventbridge-event.ts';

export interface MappingContext {
  /** The registry state right before the event (read only). */
  readonly before: RegistryState;
  /** The journal events next to it, when known (`next` is undefined at the end of what is durable). */
  readonly prev: RecordedEvent | undefined;
  readonly next: RecordedEvent | undefined;
}

type Of<K extends EventType> = Extract<RecordedEvent, { type: K }>;
export type EcrEventMapper<K extends EventType> = (e: Of<K>, ctx: MappingContext) => EventBridgeDraft[];

/** Facts of one command: adjacent, same time. */
const sameCommand = (a: RecordedEvent, b: RecordedEvent | undefined): boolean =>
  b !== undefined && a.time === b.time && Math.abs(a.seq - b.seq) === 1;

const sameImage = (a: RepoRef & { digest: string }, b: RepoRef & { digest: string }): boolean =>
  a.digest === b.digest && a.repository === b.repository && a.account === b.account && a.region === b.region;

const imageIn = (state: RegistryState, d: RepoRef & { digest: string }): Image | undefined =>
  state.repos.get(repoKey(d, d.repository))?.images.get(d.digest);

interface ImageFacts {
  mediaType: string;
  artifactType: string | null;
  subject: string | null;
}

/** ECR Image Action, or ECR Referrer Action for a manifest with a subject. */
function action(
  ref: RepoRef & { digest: string },
  facts: ImageFacts,
  actionType: 'PUSH' | 'DELETE',
  tag: string | undefined,
): EventBridgeDraft {
  return {
    detailType: facts.subject === null ? ECR_DETAIL_TYPES.imageAction : ECR_DETAIL_TYPES.referrerAction,
    account: ref.account,
    region: ref.region,
    resources: [],
    detail: {
      result: 'SUCCESS',
      'repository-name': ref.repository,
      'image-digest': ref.digest,
      'action-type': actionType,
      ...(tag === undefined ? {} : { 'image-tag': tag }),
      'manifest-media-type': facts.mediaType,
      ...(facts.artifactType === null ? {} : { 'artifact-media-type': facts.artifactType }),
    },
  };
}

const factsOf = (image: Image | undefined): ImageFacts | undefined =>
  image && { mediaType: image.mediaType, artifactType: image.artifactType ?? null, subject: image.subject ?? null };

function firstTagOf(state: RegistryState, d: RepoRef & { digest: string }): string | undefined {
  for (const [tag, digest] of state.repos.get(repoKey(d, d.repository))?.tags ?? []) if (digest === d.digest) return tag;
  return undefined;
}

/** finding-severity-counts: the severities that occur, as ECR reports them (none when there are no findings). */
function severityCounts(findings: readonly { severity: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}

const tagsOf = (state: RegistryState, d: RepoRef & { digest: string }): string[] => {
  const out: string[] = [];
  for (const [tag, digest] of state.repos.get(repoKey(d, d.repository))?.tags ?? []) if (digest === d.digest) out.push(tag);
  return out;
};

/** One mapper per journal event type. */
type Mappers = { readonly [K in EventType]: EcrEventMapper<K> };

const repositoryArn = (r: RepoRef): string => `arn:aws:ecr:${r.region}:${r.account}:repository/${r.repository}`;

export const ecrEventMappers: { readonly [K in EventType]?: EcrEventMapper<K> } = {
  ...replicationMappers(),
  ...pullThroughMappers(),
  /**
   * ECR Image Scan: a basic scan ended (enhanced scans are Amazon Inspector's, which sends
   * events of its own). The tags are the image's when the scan ended.
   */
  ImageScanCompleted: (e, { before }) => {
    if (e.data.scanType !== 'BASIC') return [];
    return [
      {
        detailType: ECR_DETAIL_TYPES.imageScan,
        account: e.data.account,
        region: e.data.region,
        resources: [`arn:aws:ecr:${e.data.region}:${e.data.account}:repository/${e.data.repository}`],
        detail: {
          'scan-status': e.data.status,
          'repository-name': e.data.repository,
          'finding-severity-counts': severityCounts(e.data.findings),
          'image-digest': e.data.digest,
          'image-tags': tagsOf(before, e.data),
        },
      },
    ];
  },
  ManifestPut: (e, { next }) => {
    const tag = next?.type === 'TagPut' && sameCommand(e, next) && sameImage(e.data, next.data) ? next.data.tag : undefined;
    return [action(e.data, { mediaType: e.data.mediaType, artifactType: e.data.artifactType, subject: e.data.subject }, 'PUSH', tag)];
  },
  TagPut: (e, { before, prev }) => {
    if (prev?.type === 'ManifestPut' && sameCommand(e, prev) && sameImage(e.data, prev.data)) return []; // reported with its manifest
    const facts = factsOf(imageIn(before, e.data));
    return facts ? [action(e.data, facts, 'PUSH', e.data.tag)] : [];
  },
  TagDeleted: (e, { before, next }) => {
    if (next?.type === 'ImageDeleted' && sameCommand(e, next) && sameImage(e.data, next.data)) return []; // reported with the image
    const facts = factsOf(imageIn(before, e.data));
    return facts ? [action(e.data, facts, 'DELETE', e.data.tag)] : [];
  },
  ImageDeleted: (e, { before, prev }) => {
    const facts = factsOf(imageIn(before, e.data));
    if (!facts) return [];
    const tag =
      prev?.type === 'TagDeleted' && sameCommand(e, prev) && sameImage(e.data, prev.data) ? prev.data.tag : firstTagOf(before, e.data);
    return [action(e.data, facts, 'DELETE', tag)];
  },
  // A lifecycle expiry deletes the image as a delete by the API does: ECR Image Action DELETE
  // (AWS documents no event type of its own for lifecycle actions).
  ImageExpired: (e, { before }) => {
    const facts = factsOf(imageIn(before, e.data));
    return facts ? [action(e.data, facts, 'DELETE', e.data.tags[0])] : [];
  },
};

/**
 * ECR Replication Action, in the destination registry, for each copy (a push's or a backfill's).
 * Its detail has the fields AWS's EventBridge schema names (action-type, result, repository-name,
 * image-digest, image-tag, source-account, source-region); the values REPLICATE and
 * SUCCESS|FAILURE are the emulator's reading of them.
 */
function replicationMappers(): Pick<Mappers, 'ImageReplicated' | 'ImageReplicationFailed'> {
  const draft = (
    d: RepoRef & { digest: string; destinationRegion: string; destinationRegistryId: string; tags: string[] },
    result: 'SUCCESS' | 'FAILURE',
  ): EventBridgeDraft => {
    const at = { account: d.destinationRegistryId, region: d.destinationRegion, repository: d.repository };
    return {
      detailType: ECR_DETAIL_TYPES.replicationAction,
      account: at.account,
      region: at.region,
      resources: [repositoryArn(at)],
      detail: {
        'action-type': 'REPLICATE',
        result,
        'repository-name': d.repository,
        'image-digest': d.digest,
        ...(d.tags[0] === undefined ? {} : { 'image-tag': d.tags[0] }),
        'source-account': d.account,
        'source-region': d.region,
      },
    };
  };
  return {
    ImageReplicated: (e) => [draft(e.data, 'SUCCESS')],
    ImageReplicationFailed: (e) => [draft(e.data, 'FAILURE')],
  };
}

/**
 * ECR Pull Through Cache Action, as the sample event of ECR's user guide ("Event for a pull through
 * cache action"): rule-version, sync-status, ecr-repository-prefix, repository-name,
 * upstream-registry-url, image-tag, image-digest. Only fetches that succeeded are journaled, so
 * sync-status is SUCCESS (a failed fetch changes nothing and is not in the journal).
 */
function pullThroughMappers(): Pick<Mappers, 'UpstreamImageCached'> {
  return {
    UpstreamImageCached: (e) => [
      {
        detailType: ECR_DETAIL_TYPES.pullThroughCacheAction,
        account: e.data.account,
        region: e.data.region,
        resources: [repositoryArn(e.data)],
        detail: {
          'rule-version': '1',
          'sync-status': 'SUCCESS',
          'ecr-repository-prefix': e.data.ecrRepositoryPrefix,
          'repository-name': e.data.repository,
          'upstream-registry-url': e.data.upstreamRegistryUrl,
          ...(e.data.tag === null ? {} : { 'image-tag': e.data.tag }),
          'image-digest': e.data.digest,
        },
      },
    ],
  };
}

/** The EventBridge events of one journal event, ids from its position. */
export function toEventBridge(e: RecordedEvent, ctx: MappingContext): EventBridgeEvent[] {
  const mapper = ecrEventMappers[e.type] as EcrEventMapper<typeof e.type> | undefined;
  if (!mapper) return [];
  return mapper(e as never, ctx).map((d, i) => envelope(e.seq, i, e.time, d));
}
