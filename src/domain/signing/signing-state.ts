/**
 * Managed signing as the registry state holds it: a status per signing profile on each
 * image a signing rule matched (kept in `Image.extra.signing`), and the test certificates
 * the emulator issued per signing profile (kept in the registry's settings). Plain data:
 * cloned and checkpointed as it is.
 */
import type { Image } from '../state.ts';

export type SigningStatus = 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';

export interface ImageSigningStatus {
  profileArn: string;
  status: SigningStatus;
  /** COMPLETE: the digest of the signature manifest (a referrer of the image). */
  signature?: string;
  /** FAILED only. */
  failureCode?: string;
  failureReason?: string;
}

/** The key of `Image.extra` that holds the signing statuses. */
export const SIGNING_EXTRA = 'signing';

/** The image's signing statuses, one per signing profile (empty when no rule matched it). */
export const signingStatuses = (image: Image): readonly ImageSigningStatus[] =>
  (image.extra?.[SIGNING_EXTRA] as ImageSigningStatus[] | undefined) ?? [];

/** Signing profile ARN -> the DER certificates issued for it, oldest first (the last one signs). */
export type SigningCertificates = Record<string, Uint8Array[]>;

/**
 * Failure codes of ImageSigningStatus. AWS documents failureCode as a free string and
 * publishes no list; these are the emulator's, named like ECR's other failure codes.
 */
export const SIGNING_FAILURE_CODES = {
  /** The signing profile's ARN names another region than the image's registry (Signer profiles are regional). */
  SigningProfileNotFound: 'SigningProfileNotFound',
} as const;
