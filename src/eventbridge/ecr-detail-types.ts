/**
 * The detail-types ECR sends to EventBridge (source aws.ecr), and which journal events
 * give each. A feature that records the facts behind one adds its mapper to
 * `ecrEventMappers` (ecr-event-mapping.ts) and moves its row here to `mapped`.
 *
 * | detail-type                    | from journal events                              | status |
 * | ------------------------------ | ------------------------------------------------ | ------ |
 * | ECR Image Action               | ManifestPut, TagPut (PUSH); TagDeleted, ImageDeleted, ImageExpired (DELETE) of manifests without a subject | mapped |
 * | ECR Referrer Action            | the same events for manifests with a subject (signatures, SBOMs; managed signing's signatures too) | mapped |
 * | ECR Image Scan                 | ImageScanCompleted of a basic scan (enhanced scans are Amazon Inspector's) | mapped |
 * | ECR Scan Resource Change       | enhanced scanning's resource changes             | to add (scanning) |
 * | ECR Lifecycle Action           | none: AWS's event reference lists no such type; a lifecycle expiry (ImageExpired) gives ECR Image Action DELETE | not sent |
 * | ECR Pull Through Cache Action  | UpstreamImageCached (a fetch from an upstream; failed fetches are not journaled) | mapped |
 * | ECR Replication Action         | ImageReplicated, ImageReplicationFailed (in the destination registry) | mapped |
 * | ECR Artifact Action            | UpdateImageStorageClass (ImageStorageClassChanged): archive and restore | to add (detail fields not confirmed) |
 *
 * Managed signing: AWS documents no signing event; a signature shows as the
 * ECR Referrer Action PUSH of the signature manifest.
 */
export const ECR_DETAIL_TYPES = {
  imageAction: 'ECR Image Action',
  referrerAction: 'ECR Referrer Action',
  imageScan: 'ECR Image Scan',
  scanResourceChange: 'ECR Scan Resource Change',
  lifecycleAction: 'ECR Lifecycle Action',
  pullThroughCacheAction: 'ECR Pull Through Cache Action',
  replicationAction: 'ECR Replication Action',
  artifactAction: 'ECR Artifact Action',
} as const;

export type EcrDetailType = (typeof ECR_DETAIL_TYPES)[keyof typeof ECR_DETAIL_TYPES];

/** The detail-types this build derives from the journal. */
export const MAPPED_DETAIL_TYPES: readonly EcrDetailType[] = [
  ECR_DETAIL_TYPES.imageAction,
  ECR_DETAIL_TYPES.referrerAction,
  ECR_DETAIL_TYPES.imageScan,
  ECR_DETAIL_TYPES.pullThroughCacheAction,
  ECR_DETAIL_TYPES.replicationAction,
];
