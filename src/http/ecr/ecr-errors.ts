/**
 * ECR's error vocabulary on the wire: `{"__type": "<ExceptionName>", "message": ...}`
 * with HTTP 400 (500 for ServerException). Every domain error code maps to
 * AWS's exact exception name through one exhaustive table.
 */
import type { DomainError, DomainErrorCode } from '../../domain/errors.ts';

export type EcrErrorName =
  | 'InvalidParameterException'
  | 'ValidationException'
  | 'ServerException'
  | 'RepositoryNotFoundException'
  | 'RepositoryAlreadyExistsException'
  | 'RepositoryNotEmptyException'
  | 'UploadNotFoundException'
  | 'InvalidLayerPartException'
  | 'LayerPartTooSmallException'
  | 'EmptyUploadException'
  | 'InvalidLayerException'
  | 'LayerAlreadyExistsException'
  | 'LayersNotFoundException'
  | 'ReferencedImagesNotFoundException'
  | 'ImageNotFoundException'
  | 'ImageAlreadyExistsException'
  | 'ImageTagAlreadyExistsException'
  | 'ImageDigestDoesNotMatchException'
  | 'RepositoryPolicyNotFoundException'
  | 'RegistryPolicyNotFoundException'
  | 'LifecyclePolicyNotFoundException'
  | 'LifecyclePolicyPreviewNotFoundException'
  | 'LifecyclePolicyPreviewInProgressException'
  | 'LayerInaccessibleException'
  | 'TooManyTagsException'
  | 'InvalidTagParameterException'
  | 'TemplateNotFoundException'
  | 'TemplateAlreadyExistsException'
  | 'SigningConfigurationNotFoundException'
  | 'ExclusionAlreadyExistsException'
  | 'ExclusionNotFoundException'
  | 'LimitExceededException'
  | 'UnsupportedImageTypeException'
  | 'ScanNotFoundException'
  | 'ImageArchivedException'
  | 'ReplicationBackfillNotFoundException'
  | 'ReplicationBackfillInProgressException'
  | 'ReplicationBackfillInvalidStatusException'
  | 'PullThroughCacheRuleNotFoundException'
  | 'PullThroughCacheRuleAlreadyExistsException'
  | 'UnsupportedUpstreamRegistryException'
  | 'SecretNotFoundException'
  | 'UnableToGetUpstreamImageException'
  | 'UnableToGetUpstreamLayerException'
  // AWS's answer to a call the caller may not make (IAM): a read-only server refuses writes with it,
  // a 400 that the SDKs do not retry
  | 'AccessDeniedException'
  // protocol-level errors (no domain code)
  | 'UnknownOperationException'
  | 'SerializationException'
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'ThrottlingException'
  | 'RequestTimeoutException';

export const DOMAIN_TO_ECR: Record<DomainErrorCode, EcrErrorName> = {
  RepositoryNotFound: 'RepositoryNotFoundException',
  RepositoryAlreadyExists: 'RepositoryAlreadyExistsException',
  RepositoryNotEmpty: 'RepositoryNotEmptyException',
  InvalidName: 'InvalidParameterException',
  InvalidTag: 'InvalidParameterException',
  InvalidDigest: 'InvalidParameterException',
  InvalidParameter: 'InvalidParameterException',
  UploadNotFound: 'UploadNotFoundException',
  UploadOffsetMismatch: 'InvalidLayerPartException',
  UploadLengthMismatch: 'InvalidLayerPartException',
  UploadEmpty: 'EmptyUploadException',
  LayerPartTooSmall: 'LayerPartTooSmallException',
  DigestMismatch: 'InvalidLayerException',
  BlobNotFound: 'LayersNotFoundException',
  BlobAlreadyExists: 'LayerAlreadyExistsException',
  BlobUnreadable: 'ServerException',
  LayersNotFound: 'LayersNotFoundException',
  ReferencedImagesNotFound: 'ReferencedImagesNotFoundException',
  ManifestInvalid: 'InvalidParameterException',
  ImageNotFound: 'ImageNotFoundException',
  ImageAlreadyExists: 'ImageAlreadyExistsException',
  ImageTagAlreadyExists: 'ImageTagAlreadyExistsException',
  ImageDigestDoesNotMatch: 'ImageDigestDoesNotMatchException',
  ReadOnly: 'AccessDeniedException',
  PositionNotFound: 'InvalidParameterException',
  MarkAlreadyExists: 'InvalidParameterException',
  Unsupported: 'UnsupportedImageTypeException',
  RepositoryPolicyNotFound: 'RepositoryPolicyNotFoundException',
  RegistryPolicyNotFound: 'RegistryPolicyNotFoundException',
  LifecyclePolicyNotFound: 'LifecyclePolicyNotFoundException',
  LifecyclePolicyPreviewNotFound: 'LifecyclePolicyPreviewNotFoundException',
  LifecyclePolicyPreviewInProgress: 'LifecyclePolicyPreviewInProgressException',
  TooManyTags: 'TooManyTagsException',
  InvalidTagParameter: 'InvalidTagParameterException',
  TemplateNotFound: 'TemplateNotFoundException',
  TemplateAlreadyExists: 'TemplateAlreadyExistsException',
  SigningConfigurationNotFound: 'SigningConfigurationNotFoundException',
  ExclusionAlreadyExists: 'ExclusionAlreadyExistsException',
  ExclusionNotFound: 'ExclusionNotFoundException',
  LimitExceeded: 'LimitExceededException',
  ImageTagLimitExceeded: 'LimitExceededException',
  Validation: 'ValidationException',
  ScanNotFound: 'ScanNotFoundException',
  UnsupportedImageType: 'UnsupportedImageTypeException',
  ImageArchived: 'ImageArchivedException',
  ReplicationBackfillNotFound: 'ReplicationBackfillNotFoundException',
  ReplicationBackfillInProgress: 'ReplicationBackfillInProgressException',
  ReplicationBackfillInvalidStatus: 'ReplicationBackfillInvalidStatusException',
  PullThroughCacheRuleNotFound: 'PullThroughCacheRuleNotFoundException',
  PullThroughCacheRuleAlreadyExists: 'PullThroughCacheRuleAlreadyExistsException',
  UnsupportedUpstreamRegistry: 'UnsupportedUpstreamRegistryException',
  SecretNotFound: 'SecretNotFoundException',
  UnableToGetUpstreamImage: 'UnableToGetUpstreamImageException',
  UnableToGetUpstreamLayer: 'UnableToGetUpstreamLayerException',
  Unavailable: 'ServerException',
};

const STATUS: Partial<Record<EcrErrorName, number>> = {
  ServerException: 500,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 403,
  RequestTimeoutException: 408,
};

/** An error answered to the client as it is. */
export class EcrError extends Error {
  constructor(
    readonly type: EcrErrorName,
    message: string,
    /** Members AWS puts beside `message` (e.g. lastValidByteReceived). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'EcrError';
  }

  get status(): number {
    return STATUS[this.type] ?? 400;
  }

  static fromDomain(error: DomainError, fields: Record<string, unknown> = {}): EcrError {
    const extra: Record<string, unknown> = { ...fields };
    const lastValid = error.detail?.lastValidByteReceived;
    if (typeof lastValid === 'number') extra.lastValidByteReceived = lastValid;
    return new EcrError(DOMAIN_TO_ECR[error.code], error.message, extra);
  }
}

export const invalidParameter = (message: string): EcrError => new EcrError('InvalidParameterException', message);
