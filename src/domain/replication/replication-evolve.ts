/** Folds the replication events into the registry state (in place, like ../evolve.ts). */
import type { EvolverTable } from '../decision.ts';
import type { RecordedEvent } from '../events.ts';
import { repoKey, scopeKey } from '../scope.ts';
import type { Image, RegistrySettings, RegistryState } from '../state.ts';
import type { ReplicationEventMap } from './replication-events.ts';
import {
  REPLICATION_EXTRA,
  replicationStatuses,
  sameDestination,
  type ImageReplicationStatus,
  type ReplicationBackfill,
  type ReplicationDestination,
} from './replication-state.ts';

export type ReplicationRecordedEvent = Extract<RecordedEvent, { type: keyof ReplicationEventMap }>;

function registryOf(state: RegistryState, d: { account: string; region: string }): RegistrySettings {
  const key = scopeKey(d);
  let reg = state.registries.get(key);
  if (!reg) state.registries.set(key, (reg = {}));
  return reg;
}

const imageOf = (state: RegistryState, d: { account: string; region: string; repository: string; digest: string }): Image | undefined =>
  state.repos.get(repoKey(d, d.repository))?.images.get(d.digest);

/** Replaces (or adds) the image's status for one destination; the statuses keep their order. */
function setStatus(
  image: Image,
  to: ReplicationDestination,
  next: (prev: ImageReplicationStatus | undefined) => ImageReplicationStatus,
): void {
  const statuses = [...replicationStatuses(image)];
  const at = statuses.findIndex((s) => sameDestination(s, to));
  if (at < 0) statuses.push(next(undefined));
  else statuses[at] = next(statuses[at]);
  image.extra = { ...image.extra, [REPLICATION_EXTRA]: statuses };
}

const destinationOf = (d: { destinationRegion: string; destinationRegistryId: string }): ReplicationDestination => ({
  region: d.destinationRegion,
  registryId: d.destinationRegistryId,
});

/** A backfill of the registry, changed through `change` (a copy: marks share nothing with the live state). */
function changeBackfill(
  state: RegistryState,
  d: { account: string; region: string; backfillId: string },
  change: (b: ReplicationBackfill) => ReplicationBackfill,
): void {
  const reg = registryOf(state, d);
  const b = reg.replicationBackfills?.[d.backfillId];
  if (b) reg.replicationBackfills = { ...reg.replicationBackfills, [d.backfillId]: change(b) };
}

export const replicationEvolvers: EvolverTable<ReplicationRecordedEvent> = {
  ReplicationConfigurationPut: (state, e) => {
    registryOf(state, e.data).replication = { rules: e.data.rules };
  },
  ImageReplicationStarted: (state, e) => {
    const image = imageOf(state, e.data);
    if (!image) return;
    for (const d of e.data.destinations)
      setStatus(image, d, (prev) => ({
        region: d.region,
        registryId: d.registryId,
        status: 'IN_PROGRESS',
        rule: d.rule,
        // a copy still to make keeps the tags it was to carry
        tags: [...new Set([...(prev?.status === 'IN_PROGRESS' ? prev.tags : []), ...e.data.tags])],
      }));
  },
  ImageReplicated: (state, e) => {
    const image = imageOf(state, e.data);
    if (image)
      setStatus(image, destinationOf(e.data), () => ({
        ...destinationOf(e.data),
        status: 'COMPLETE',
        rule: e.data.rule,
        tags: e.data.tags,
      }));
  },
  ImageReplicationFailed: (state, e) => {
    const image = imageOf(state, e.data);
    if (image)
      setStatus(image, destinationOf(e.data), () => ({
        ...destinationOf(e.data),
        status: 'FAILED',
        rule: e.data.rule,
        tags: e.data.tags,
        failureCode: e.data.failureCode,
        failureReason: e.data.failureReason,
      }));
  },
  ReplicationBackfillStarted: (state, e) => {
    const reg = registryOf(state, e.data);
    const backfill: ReplicationBackfill = {
      id: e.data.backfillId,
      destination: destinationOf(e.data),
      status: 'PREPARING',
      startedAt: e.time,
      results: [],
    };
    reg.replicationBackfills = { ...reg.replicationBackfills, [e.data.backfillId]: backfill };
  },
  ReplicationBackfillPrepared: (state, e) => {
    changeBackfill(state, e.data, (b) => ({ ...b, status: 'IN_PROGRESS', items: e.data.items }));
  },
  ReplicationBackfillItemReplicated: (state, e) => {
    changeBackfill(state, e.data, (b) => {
      const image = imageOf(state, e.data);
      // the image's own status to the destination shows the copy too (unless a push's copy is still to make)
      if (image && replicationStatuses(image).find((s) => sameDestination(s, b.destination))?.status !== 'IN_PROGRESS')
        setStatus(image, b.destination, (prev) => ({
          ...b.destination,
          status: e.data.status,
          rule: prev?.rule ?? 0,
          tags: e.data.tag === null ? [] : [e.data.tag],
          ...(e.data.failureCode === null ? {} : { failureCode: e.data.failureCode }),
        }));
      const result = e.data.failureCode === null ? { status: e.data.status } : { status: e.data.status, failureCode: e.data.failureCode };
      return { ...b, results: [...b.results, result] };
    });
  },
  ReplicationBackfillStopRequested: (state, e) => {
    changeBackfill(state, e.data, (b) => ({ ...b, status: 'STOPPING' }));
  },
  ReplicationBackfillEnded: (state, e) => {
    changeBackfill(state, e.data, (b) => ({
      ...b,
      status: e.data.status,
      endedAt: e.time,
      ...(e.data.failureCode === null ? {} : { failureCode: e.data.failureCode }),
    }));
  },
};
