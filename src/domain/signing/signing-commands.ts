/**
 * What the signing worker (src/signing/) records once it has pushed a signature (its
 * blobs through the upload service, its manifest with PutManifest), or found that it
 * cannot sign: the outcome of one (image, signing profile) pair.
 */
import type { RegistryScope } from '../scope.ts';

interface InRepo {
  scope: RegistryScope;
  repository: string;
}

export type SigningCommand =
  | ({
      type: 'RecordImageSignature';
      digest: string;
      profileArn: string;
      /** The profile's certificate (DER) when the state does not hold it as the profile's current one yet. */
      certificate: Uint8Array | null;
      /** The digest of the signature manifest, pushed to the repository already with the image as its subject. */
      signature: string;
    } & InRepo)
  | ({ type: 'RecordImageSigningFailure'; digest: string; profileArn: string; failureCode: string; failureReason: string } & InRepo);

export const SIGNING_COMMAND_TYPES: readonly SigningCommand['type'][] = ['RecordImageSignature', 'RecordImageSigningFailure'];

export const isSigningCommand = (c: { type: string }): c is SigningCommand => (SIGNING_COMMAND_TYPES as readonly string[]).includes(c.type);
