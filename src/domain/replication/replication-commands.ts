/** Replication: the configuration (an ECR operation), and what the replication worker (src/replication/) records. */
import type { RegistryScope } from '../scope.ts';
import type { ReplicationDestination, ReplicationRule } from './replication-state.ts';

interface InRegistry {
  scope: RegistryScope;
}

export type ReplicationCommand =
  | ({ type: 'PutReplicationConfiguration'; rules: ReplicationRule[] } & InRegistry)
  /** Copies the image to the destination of one of its IN_PROGRESS statuses (with the tags the status carries). */
  | ({ type: 'ReplicateImage'; repository: string; digest: string; destination: ReplicationDestination } & InRegistry)
  | ({ type: 'StartReplicationBackfill'; backfillId: string; destination: ReplicationDestination } & InRegistry)
  /** Lists what a PREPARING backfill replicates. */
  | ({ type: 'PrepareReplicationBackfill'; backfillId: string } & InRegistry)
  /** Copies item `index` of an IN_PROGRESS backfill (the next one without a result). */
  | ({ type: 'ReplicateBackfillItem'; backfillId: string; index: number } & InRegistry)
  | ({ type: 'StopReplicationBackfill'; backfillId: string } & InRegistry)
  /** A STOPPING backfill has no replication under way any more: STOPPED. */
  | ({ type: 'FinishReplicationBackfill'; backfillId: string } & InRegistry);
