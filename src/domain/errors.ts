/**
 * The one vocabulary of domain errors. Each HTTP face maps every code with an
 * exhaustive table (`Record<DomainErrorCode, ...>`) to its own wire error.
 */
export const DOMAIN_ERROR_CODES = [
  'RepositoryNotFound',
  'RepositoryAlreadyExists',
  'RepositoryNotEmpty',
  'InvalidName',
  'InvalidTag',
  'InvalidDigest',
  'InvalidParameter',
  'UploadNotFound',
  'UploadOffsetMismatch',
  /** A chunk's body is not as long as its request announced (Content-Range, ECR part bounds). */
  'UploadLengthMismatch',
  'UploadEmpty',
  /** ECR: a layer part other than the last was under 5 MiB. */
  'LayerPartTooSmall',
  'DigestMismatch',
  'BlobNotFound',
  'BlobAlreadyExists',
  /** The registry knows the blob but its only copy is corrupt or missing: it is not served. */
  'BlobUnreadable',
  'LayersNotFound',
  'ReferencedImagesNotFound',
  'ManifestInvalid',
  'ImageNotFound',
  'ImageAlreadyExists',
  'ImageTagAlreadyExists',
  'ImageDigestDoesNotMatch',
  'ReadOnly',
  'PositionNotFound',
  /** A mark of that name exists and the caller did not ask to move it. */
  'MarkAlreadyExists',
  'Unsupported',
  // ECR settings (policies, resource tags, templates, ...)
  'RepositoryPolicyNotFound',
  'RegistryPolicyNotFound',
  'LifecyclePolicyNotFound',
  'LifecyclePolicyPreviewNotFound',
  'LifecyclePolicyPreviewInProgress',
  'TooManyTags',
  'InvalidTagParameter',
  'TemplateNotFound',
  'TemplateAlreadyExists',
  'SigningConfigurationNotFound',
  'ExclusionAlreadyExists',
  'ExclusionNotFound',
  'LimitExceeded',
  /** A tag would be the 1,001st on one image. */
  'ImageTagLimitExceeded',
  'Validation',
  // image scanning
  'ScanNotFound',
  'UnsupportedImageType',
  'ImageArchived',
  // replication and pull through cache
  'ReplicationBackfillNotFound',
  'ReplicationBackfillInProgress',
  'ReplicationBackfillInvalidStatus',
  'PullThroughCacheRuleNotFound',
  'PullThroughCacheRuleAlreadyExists',
  'UnsupportedUpstreamRegistry',
  /** A credentialArn the emulator holds no credentials for (--upstream-credentials, admin API). */
  'SecretNotFound',
  /** The upstream registry of a pull through cache rule did not give the image (or a layer). */
  'UnableToGetUpstreamImage',
  'UnableToGetUpstreamLayer',
  /** The registry cannot store anything now (a full disk, a journal that failed to append): retry later. */
  'Unavailable',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export interface DomainError {
  readonly code: DomainErrorCode;
  readonly message: string;
  /** Extra facts a face may put on the wire (e.g. lastValidByteReceived). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

export const domainError = (code: DomainErrorCode, message: string, detail?: Record<string, unknown>): DomainError =>
  detail === undefined ? { code, message } : { code, message, detail };

/** Thrown only across async boundaries (adapters catch it and map it); decide returns errors as values. */
export class DomainFailure extends Error {
  constructor(readonly error: DomainError) {
    super(error.message);
    this.name = 'DomainFailure';
  }
}
