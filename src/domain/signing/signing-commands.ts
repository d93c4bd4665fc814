/**
 * What the signing worker (src/signing/) records once it has made a signature, or
 * found that it cannot: the outcome of one (image, signing profile) pair.
 */
import type { ParsedManifest } from '../manifest.ts';
import type { RegistryScope } from '../scope.ts';

interface InRepo {
  scope: RegistryScope;
  repository: string;
}

/** A blob the worker wrote to the blob store, and the upload id that records it if the registry lacks it. */
export interface StoredBlob {
  digest: string;
  size: number;
  uploadId: string;
}

export type SigningCommand =
  | ({
      type: 'RecordImageSignature';
      digest: string;
      profileArn: string;
      /** The profile's certificate (DER) when the state does not hold it as the profile's current one yet. */
      certificate: Uint8Array | null;
      /** The signature manifest's config and envelope, already in the blob store. */
      blobs: StoredBlob[];
      signature: { digest: string; bytes: Uint8Array; manifest: ParsedManifest };
    } & InRepo)
  | ({ type: 'RecordImageSigningFailure'; digest: string; profileArn: string; failureCode: string; failureReason: string } & InRepo);

export const SIGNING_COMMAND_TYPES: readonly SigningCommand['type'][] = ['RecordImageSignature', 'RecordImageSigningFailure'];

export const isSigningCommand = (c: { type: string }): c is SigningCommand => (SIGNING_COMMAND_TYPES as readonly string[]).includes(c.type);
