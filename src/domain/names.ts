/**
 * The grammar of names that both faces accept: repository names follow ECR
 * (which is stricter than OCI: lowercase, 2-256 chars), tags follow OCI,
 * digests are `algorithm:hex`; sha256 and sha512 (OCI's registered algorithms) are stored.
 */

/**
 * ECR's repositoryName pattern as AWS's model states it (components separated by `.`, `_`, `__` or
 * runs of `-`); AWS matches it against the whole name.
 */
export const REPOSITORY_NAME_PATTERN = '[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*';
const REPOSITORY_NAME = new RegExp(`^(?:${REPOSITORY_NAME_PATTERN})$`);
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const STORED = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export const isRepositoryName = (name: string): boolean => name.length >= 2 && name.length <= 256 && REPOSITORY_NAME.test(name);

/** A tag on the /v2 face: the OCI distribution grammar (at most 128 characters). */
export const isTag = (tag: string): boolean => TAG.test(tag);

/**
 * The characters ECR accepts in an image tag on its API (its documented error: "must satisfy regular
 * expression '[a-zA-Z0-9-_.]+'"); the model bounds the length to 1-300.
 */
export const ECR_TAG_PATTERN = '[a-zA-Z0-9-_.]+';
const ECR_TAG = /^[a-zA-Z0-9_.-]+$/;
export const isEcrApiTag = (tag: string): boolean => tag.length >= 1 && tag.length <= 300 && ECR_TAG.test(tag);

/** Any well-formed digest (the OCI grammar). */
export const isDigest = (ref: string): boolean => DIGEST.test(ref);

/** A sha256 digest (what ECR's API computes and accepts for layers and images). */
export const isSha256Digest = (ref: string): boolean => SHA256.test(ref);

/** The digest algorithms this emulator can store and verify. */
export type DigestAlgorithm = 'sha256' | 'sha512';

/** A digest this emulator can store and verify: sha256 or sha512, lowercase hex of the right length. */
export const isStoredDigest = (ref: string): boolean => STORED.test(ref);

/** The algorithm of a stored digest (isStoredDigest). */
export const digestAlgorithm = (ref: string): DigestAlgorithm => (ref.startsWith('sha512:') ? 'sha512' : 'sha256');
