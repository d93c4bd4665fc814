/** Pull through cache: the rules (ECR operations), and what the cache (src/pull-through/) records of a fetch. */
import type { ParsedManifest } from '../manifest.ts';
import type { RegistryScope } from '../scope.ts';

interface InRegistry {
  scope: RegistryScope;
}
interface InRepo extends InRegistry {
  repository: string;
}

export interface RuleInput {
  ecrRepositoryPrefix: string;
  upstreamRegistryUrl: string;
  upstreamRegistry?: string | undefined;
  credentialArn?: string | undefined;
  customRoleArn?: string | undefined;
  upstreamRepositoryPrefix?: string | undefined;
}

/** A blob of a fetched image: staged and verified in the store already (`uploadId`), or held by the store from before (null). */
export interface FetchedBlob {
  digest: string;
  size: number;
  uploadId: string | null;
}

export type PullThroughCommand =
  | ({ type: 'CreatePullThroughCacheRule'; rule: RuleInput } & InRegistry)
  | ({
      type: 'UpdatePullThroughCacheRule';
      ecrRepositoryPrefix: string;
      credentialArn: string | undefined;
      customRoleArn: string | undefined;
    } & InRegistry)
  | ({ type: 'DeletePullThroughCacheRule'; ecrRepositoryPrefix: string } & InRegistry)
  /**
   * An image fetched from the upstream of rule `ecrRepositoryPrefix`: its blobs, its manifests (an
   * index's children first, the pulled one last) and the tag it was pulled by. Recorded in one frame;
   * `pulled`: a client pulled it (/v2) as it was fetched, so the frame records that pull too (ImagePulled).
   */
  | ({
      type: 'CacheUpstreamImage';
      ecrRepositoryPrefix: string;
      upstreamRepository: string;
      blobs: FetchedBlob[];
      manifests: { digest: string; bytes: Uint8Array; manifest: ParsedManifest }[];
      tag: string | null;
      pulled?: boolean;
    } & InRepo)
  /** The upstream still has `tag` at the cached `digest`. */
  | ({ type: 'RecordUpstreamTagCheck'; tag: string; digest: string } & InRepo);
