/**
 * Replication as the registry state holds it, plain data (cloned and checkpointed as it is):
 * the registry's replication configuration and its backfills (in the registry's settings), and
 * a status per destination on each image a rule matched (in `Image.extra.replication`).
 */
export interface ReplicationDestination {
  region: string;
  registryId: string;
}

export interface ReplicationRepositoryFilter {
  filter: string;
  filterType: string;
}

export interface ReplicationRule {
  destinations: ReplicationDestination[];
  repositoryFilters?: ReplicationRepositoryFilter[];
}

export type ReplicationStatus = 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';

/** An image's replication to one destination: the last copy asked for, and its outcome. */
export interface ImageReplicationStatus {
  region: string;
  registryId: string;
  status: ReplicationStatus;
  /** The index of the rule (in the configuration of the push) that named the destination. */
  rule: number;
  /** The tags the copy carries (still to copy while IN_PROGRESS). */
  tags: string[];
  failureCode?: string;
  failureReason?: string;
}

/** The key of `Image.extra` that holds the replication statuses. */
export const REPLICATION_EXTRA = 'replication';

/** An image's replication statuses (typed structurally: settings-state.ts imports this file, and state.ts that one). */
export const replicationStatuses = (image: { extra?: Record<string, unknown> }): readonly ImageReplicationStatus[] =>
  (image.extra?.[REPLICATION_EXTRA] as ImageReplicationStatus[] | undefined) ?? [];

export const sameDestination = (a: ReplicationDestination, b: ReplicationDestination): boolean =>
  a.region === b.region && a.registryId === b.registryId;

export type BackfillStatus = 'PREPARING' | 'IN_PROGRESS' | 'COMPLETE' | 'FAILED' | 'STOPPING' | 'STOPPED';

/** One replication of a backfill: an image and one of its tags (null: an untagged image). */
export interface BackfillItem {
  repository: string;
  digest: string;
  tag: string | null;
}

export interface BackfillResult {
  status: 'COMPLETE' | 'FAILED';
  failureCode?: string;
}

export interface ReplicationBackfill {
  id: string;
  destination: ReplicationDestination;
  status: BackfillStatus;
  startedAt: number;
  endedAt?: number;
  failureCode?: string;
  /** What the backfill replicates, once prepared. */
  items?: BackfillItem[];
  /** results[i] is the outcome of items[i], in order. */
  results: BackfillResult[];
}

/** Statuses of a backfill that still works (AWS: "in progress"). */
export const BACKFILL_RUNNING: readonly BackfillStatus[] = ['PREPARING', 'IN_PROGRESS', 'STOPPING'];

/**
 * Failure codes of replications. AWS documents failureCode as a free string and publishes no
 * list; these are the emulator's, named like ECR's other failure codes.
 */
export const REPLICATION_FAILURE_CODES = {
  /** The destination registry's policy does not let the source account replicate (ecr:ReplicateImage, ecr:CreateRepository). */
  AccessDenied: 'AccessDenied',
  /** The destination repository's tags are immutable and the tag names another image there: the image is copied without it. */
  ImageTagAlreadyExists: 'ImageTagAlreadyExists',
  /** The source image was deleted before it was copied. */
  ImageNotFound: 'ImageNotFound',
  /** A backfill stopped early: 50% or more of at least 100 replications failed. */
  FailureThresholdExceeded: 'FailureThresholdExceeded',
} as const;
