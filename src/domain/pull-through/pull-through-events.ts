/** Pull through cache facts. Part of the one closed union in ../events.ts. */
interface InRegistry {
  account: string;
  region: string;
}
interface InRepository extends InRegistry {
  repository: string;
}

export interface PullThroughEventMap {
  PullThroughCacheRuleCreated: InRegistry & {
    ecrRepositoryPrefix: string;
    upstreamRegistryUrl: string;
    upstreamRegistry: string;
    /** The ARN only: the secret's value is never journaled. */
    credentialArn: string | null;
    customRoleArn: string | null;
    upstreamRepositoryPrefix: string;
  };
  PullThroughCacheRuleUpdated: InRegistry & { ecrRepositoryPrefix: string; credentialArn: string | null; customRoleArn: string | null };
  PullThroughCacheRuleDeleted: InRegistry & { ecrRepositoryPrefix: string };
  /**
   * Image `digest` of `upstreamRepository` at the rule's upstream was cached (pulled by `tag`, or by
   * digest when null); the push events (repository, blobs, manifests, tag) come before it in the frame.
   */
  UpstreamImageCached: InRepository & {
    digest: string;
    tag: string | null;
    ecrRepositoryPrefix: string;
    upstreamRegistryUrl: string;
    upstreamRepository: string;
  };
  /** The upstream was asked for `tag` and still has it at `digest`. */
  UpstreamTagChecked: InRepository & { tag: string; digest: string };
}
