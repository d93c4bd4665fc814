/**
 * The grammar of names that both faces accept: repository names follow ECR
 * (which is stricter than OCI: lowercase, 2-256 chars), tags follow OCI,
 * digests are `algorithm:hex` and only sha256 is stored.
 */

/** ECR's repositoryName pattern, anchored. */
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;

export const isRepositoryName = (name: string): boolean =>
  name.length >= 2 && name.length <= 256 && REPOSITORY_NAME.test(name);

export const isTag = (tag: string): boolean => TAG.test(tag);

/** Any well-formed digest (the OCI grammar). */
export const isDigest = (ref: string): boolean => DIGEST.test(ref);

/** A digest this emulator can store and verify. */
export const isSha256Digest = (ref: string): boolean => SHA256.test(ref);
