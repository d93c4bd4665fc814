/** Replication facts. Part of the one closed union in ../events.ts. */
import type { BackfillItem, ReplicationRule } from './replication-state.ts';

interface InRegistry {
  account: string;
  region: string;
}
interface InRepository extends InRegistry {
  repository: string;
}
interface ToDestination {
  destinationRegion: string;
  destinationRegistryId: string;
}

export interface ReplicationEventMap {
  ReplicationConfigurationPut: InRegistry & { rules: ReplicationRule[] };
  /** A push matched replication rules: the image is IN_PROGRESS for each destination (with `tags` to copy). */
  ImageReplicationStarted: InRepository & {
    digest: string;
    tags: string[];
    destinations: { region: string; registryId: string; rule: number }[];
  };
  /** The image (and `tags`) were copied to the destination; its repository events come before it in the frame. */
  ImageReplicated: InRepository & ToDestination & { digest: string; rule: number; tags: string[] };
  ImageReplicationFailed: InRepository &
    ToDestination & { digest: string; rule: number; tags: string[]; failureCode: string; failureReason: string };
  ReplicationBackfillStarted: InRegistry & ToDestination & { backfillId: string };
  ReplicationBackfillPrepared: InRegistry & { backfillId: string; items: BackfillItem[] };
  /**
   * Item `index` of the backfill (image `digest` of `repository`, with `tag`) was copied (its repository
   * events come before it), or failed. It names the image: the image's own status changes too.
   */
  ReplicationBackfillItemReplicated: InRepository & {
    backfillId: string;
    index: number;
    digest: string;
    tag: string | null;
    status: 'COMPLETE' | 'FAILED';
    failureCode: string | null;
  };
  ReplicationBackfillStopRequested: InRegistry & { backfillId: string };
  ReplicationBackfillEnded: InRegistry & { backfillId: string; status: 'COMPLETE' | 'FAILED' | 'STOPPED'; failureCode: string | null };
}
