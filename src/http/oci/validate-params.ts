/**
 * Parameter middleware (router.param) for the /v2 path grammar: a malformed
 * repository name, digest or reference is a 400 before any handler runs.
 * Repository names follow ECR (lowercase, 2-256 characters); sha256 and
 * sha512 digests are stored.
 */
import type { RouterParameterMiddleware } from '@koa/router';
import { isDigest, isRepositoryName, isStoredDigest, isTag } from '../../domain/names.ts';
import { OciError } from './oci-error.ts';
import type { OciState } from './oci-context.ts';

export const validName: RouterParameterMiddleware<OciState> = (name, _ctx, next) => {
  assertName(name);
  return next();
};

export function assertName(name: string): void {
  if (!isRepositoryName(name))
    throw new OciError(400, 'NAME_INVALID', `invalid repository name '${name.slice(0, 300)}'`, { name: name.slice(0, 300) });
}

export const validDigest: RouterParameterMiddleware<OciState> = (digest, _ctx, next) => {
  assertDigest(digest);
  return next();
};

/**
 * A reference that is neither a digest nor a valid tag: a PUT (or DELETE) is refused as TAG_INVALID;
 * a GET or HEAD names no manifest, so it is MANIFEST_UNKNOWN (404), as the distribution-spec v1.1
 * conformance suites (e.g. `.INVALID_MANIFEST_NAME`) and the reference registry expect.
 */
export const validReference: RouterParameterMiddleware<OciState> = (reference, ctx, next) => {
  assertReference(reference, ctx.method);
  return next();
};

export function assertReference(reference: string, method: string): void {
  if (reference.includes(':')) assertDigest(reference);
  else if (!isTag(reference)) {
    if (method === 'GET' || method === 'HEAD')
      throw new OciError(404, 'MANIFEST_UNKNOWN', `manifest unknown: '${reference.slice(0, 200)}' is not a tag`, {
        reference: reference.slice(0, 200),
      });
    throw new OciError(400, 'TAG_INVALID', `invalid tag '${reference.slice(0, 200)}'`);
  }
}

export function assertDigest(digest: string): void {
  // a stored digest (sha256 or sha512, what nearly every request names) is a digest: one test
  if (isStoredDigest(digest)) return;
  if (!isDigest(digest)) throw new OciError(400, 'DIGEST_INVALID', `invalid digest '${digest.slice(0, 200)}'`);
  throw new OciError(400, 'DIGEST_INVALID', `unsupported digest '${digest.slice(0, 200)}': only sha256 and sha512 are supported`);
}

/** A manifest reference: a digest or a tag (already validated). */
export const parseReference = (reference: string): { digest: string; tag: null } | { digest: null; tag: string } =>
  reference.includes(':') ? { digest: reference, tag: null } : { digest: null, tag: reference };
