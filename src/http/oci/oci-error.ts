/**
 * The error vocabulary of the OCI Distribution spec (plus TAG_INVALID, which
 * distribution and ECR send for an immutable tag). On the wire an error is
 * `{"errors":[{"code","message","detail"}]}` with the status the spec gives.
 */
export type OciErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'TAG_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'UNKNOWN'
  /** distribution's code for 503: the registry cannot serve the request now. */
  | 'UNAVAILABLE';

/** An error a /v2 handler answers with; the error middleware writes it. */
export class OciError extends Error {
  constructor(
    readonly status: number,
    readonly code: OciErrorCode,
    message: string,
    readonly detail: unknown = null,
    /** Headers the answer must carry (Range on a 416, WWW-Authenticate on a 401). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'OciError';
  }
}

export const ociErrorBody = (code: OciErrorCode, message: string, detail: unknown = null) => ({
  errors: [{ code, message, detail }],
});
