/**
 * Every domain error as the /v2 face answers it: one exhaustive table, so a
 * new DomainErrorCode does not compile until it has an OCI status and code.
 */
import type { DomainError, DomainErrorCode } from '../../domain/errors.ts';
import { OciError, type OciErrorCode } from './oci-error.ts';

export const OCI_ERRORS: Record<DomainErrorCode, { status: number; code: OciErrorCode }> = {
  RepositoryNotFound: { status: 404, code: 'NAME_UNKNOWN' },
  RepositoryAlreadyExists: { status: 409, code: 'DENIED' },
  RepositoryNotEmpty: { status: 409, code: 'DENIED' },
  InvalidName: { status: 400, code: 'NAME_INVALID' },
  InvalidTag: { status: 400, code: 'TAG_INVALID' },
  InvalidDigest: { status: 400, code: 'DIGEST_INVALID' },
  InvalidParameter: { status: 400, code: 'UNSUPPORTED' },
  UploadNotFound: { status: 404, code: 'BLOB_UPLOAD_UNKNOWN' },
  UploadOffsetMismatch: { status: 416, code: 'BLOB_UPLOAD_INVALID' },
  UploadLengthMismatch: { status: 400, code: 'SIZE_INVALID' },
  UploadEmpty: { status: 400, code: 'BLOB_UPLOAD_INVALID' },
  LayerPartTooSmall: { status: 400, code: 'BLOB_UPLOAD_INVALID' },
  DigestMismatch: { status: 400, code: 'DIGEST_INVALID' },
  BlobNotFound: { status: 404, code: 'BLOB_UNKNOWN' },
  BlobAlreadyExists: { status: 409, code: 'DENIED' },
  BlobUnreadable: { status: 500, code: 'BLOB_UNKNOWN' },
  LayersNotFound: { status: 400, code: 'MANIFEST_BLOB_UNKNOWN' },
  ReferencedImagesNotFound: { status: 400, code: 'MANIFEST_BLOB_UNKNOWN' },
  ManifestInvalid: { status: 400, code: 'MANIFEST_INVALID' },
  ImageNotFound: { status: 404, code: 'MANIFEST_UNKNOWN' },
  ImageAlreadyExists: { status: 409, code: 'DENIED' },
  ImageTagAlreadyExists: { status: 400, code: 'TAG_INVALID' },
  ImageDigestDoesNotMatch: { status: 400, code: 'DIGEST_INVALID' },
  ReadOnly: { status: 405, code: 'UNSUPPORTED' },
  PositionNotFound: { status: 404, code: 'UNSUPPORTED' },
  MarkAlreadyExists: { status: 409, code: 'DENIED' },
  Unsupported: { status: 405, code: 'UNSUPPORTED' },
  RepositoryPolicyNotFound: { status: 404, code: 'UNSUPPORTED' },
  RegistryPolicyNotFound: { status: 404, code: 'UNSUPPORTED' },
  LifecyclePolicyNotFound: { status: 404, code: 'UNSUPPORTED' },
  LifecyclePolicyPreviewNotFound: { status: 404, code: 'UNSUPPORTED' },
  LifecyclePolicyPreviewInProgress: { status: 409, code: 'UNSUPPORTED' },
  TooManyTags: { status: 400, code: 'UNSUPPORTED' },
  InvalidTagParameter: { status: 400, code: 'UNSUPPORTED' },
  TemplateNotFound: { status: 404, code: 'UNSUPPORTED' },
  TemplateAlreadyExists: { status: 409, code: 'UNSUPPORTED' },
  SigningConfigurationNotFound: { status: 404, code: 'UNSUPPORTED' },
  ExclusionAlreadyExists: { status: 409, code: 'UNSUPPORTED' },
  ExclusionNotFound: { status: 404, code: 'UNSUPPORTED' },
  LimitExceeded: { status: 429, code: 'TOOMANYREQUESTS' },
  // ECR's registry answers `denied: Adding tag ... exceeds the maximum allowed number of tags per image which is '1000'`
  ImageTagLimitExceeded: { status: 403, code: 'DENIED' },
  Validation: { status: 400, code: 'UNSUPPORTED' },
  ScanNotFound: { status: 404, code: 'UNSUPPORTED' },
  UnsupportedImageType: { status: 400, code: 'UNSUPPORTED' },
  ImageArchived: { status: 400, code: 'UNSUPPORTED' },
  ReplicationBackfillNotFound: { status: 404, code: 'UNSUPPORTED' },
  ReplicationBackfillInProgress: { status: 409, code: 'UNSUPPORTED' },
  ReplicationBackfillInvalidStatus: { status: 409, code: 'UNSUPPORTED' },
  PullThroughCacheRuleNotFound: { status: 404, code: 'UNSUPPORTED' },
  PullThroughCacheRuleAlreadyExists: { status: 409, code: 'UNSUPPORTED' },
  UnsupportedUpstreamRegistry: { status: 400, code: 'UNSUPPORTED' },
  SecretNotFound: { status: 400, code: 'UNSUPPORTED' },
  // the upstream of a pull through cache rule did not give it: the registry answers as for any image it does not have
  UnableToGetUpstreamImage: { status: 404, code: 'MANIFEST_UNKNOWN' },
  UnableToGetUpstreamLayer: { status: 404, code: 'BLOB_UNKNOWN' },
  Unavailable: { status: 503, code: 'UNAVAILABLE' },
};

export function ociErrorOf(error: DomainError): OciError {
  const { status, code } = OCI_ERRORS[error.code];
  const headers: Record<string, string> = {};
  const last = error.detail?.lastValidByteReceived;
  if (status === 416 && typeof last === 'number') headers.Range = `0-${Math.max(0, last)}`;
  const retry = error.detail?.retryAfterSeconds;
  if (status === 503 && typeof retry === 'number') headers['Retry-After'] = String(retry);
  return new OciError(status, code, error.message, error.detail ?? null, headers);
}
