/**
 * A Notary Project signature of an OCI manifest, stored as a referrer
 * (notaryproject/specifications: signature-specification.md, signature-envelope-jws.md):
 *
 * - the envelope is a flattened JWS JSON object `{payload, protected, header, signature}`
 *   (media type application/jose+json) whose payload is
 *   `{"targetArtifact": <descriptor of the signed manifest>}` and whose protected header
 *   names ES384, the payload's content type, the `notary.x509` signing scheme (critical) and
 *   the signing time; the unprotected header carries the certificate chain (`x5c`);
 * - the signature manifest is an OCI image manifest with artifactType
 *   application/vnd.cncf.notary.signature, the empty config, the envelope as its one layer,
 *   the signed manifest as its `subject`, and the chain's SHA-256 thumbprints annotated.
 *
 * Everything is a pure function of its inputs (ECDSA is deterministic, RFC 6979): the
 * same image, key and signing time give the same bytes.
 */
import { createHash } from 'node:crypto';
import { MEDIA_TYPES } from '../domain/manifest.ts';
import type { SigningKey } from './signing-keys.ts';
import { thumbprint } from './test-certificate.ts';
import { p384 } from './p384.ts';

export const NOTARY_SIGNATURE_ARTIFACT_TYPE = 'application/vnd.cncf.notary.signature';
export const JWS_MEDIA_TYPE = 'application/jose+json';
export const NOTARY_PAYLOAD_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
export const THUMBPRINT_ANNOTATION = 'io.cncf.notary.x509chain.thumbprint#S256';
export const SIGNING_AGENT = 'ecr-rewind managed signing';

const EMPTY_CONFIG = Buffer.from('{}');

export interface SignedDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface SignatureArtifact {
  /** The empty config blob `{}`. */
  config: { bytes: Buffer; digest: string };
  /** The JWS envelope blob. */
  envelope: { bytes: Buffer; digest: string };
  /** The signature manifest. */
  manifest: { bytes: Buffer; digest: string };
}

const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const b64url = (b: Uint8Array | string): string => Buffer.from(b).toString('base64url');

/** RFC 3339 in whole seconds (the spec says the fractional second SHOULD NOT be used). */
export const rfc3339 = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** The JWS envelope signing `target` at `signingTime` (epoch ms). */
export function jwsEnvelope(target: SignedDescriptor, key: SigningKey, signingTime: number): Buffer {
  const payload = b64url(JSON.stringify({ targetArtifact: { mediaType: target.mediaType, digest: target.digest, size: target.size } }));
  const protectedHeader = b64url(
    JSON.stringify({
      alg: 'ES384',
      cty: NOTARY_PAYLOAD_TYPE,
      crit: ['io.cncf.notary.signingScheme'],
      'io.cncf.notary.signingScheme': 'notary.x509',
      'io.cncf.notary.signingTime': rfc3339(signingTime),
    }),
  );
  // JWS ES384: the raw r || s of ECDSA P-384 over SHA-384 of "protected.payload".
  const signature = p384().sign(Buffer.from(`${protectedHeader}.${payload}`, 'ascii'), key.secretKey);
  return Buffer.from(
    JSON.stringify({
      payload,
      protected: protectedHeader,
      header: { x5c: [Buffer.from(key.certificate).toString('base64')], 'io.cncf.notary.signingAgent': SIGNING_AGENT },
      signature: b64url(signature),
    }),
  );
}

/** The signature artifact (config, envelope, manifest) of `target`. */
export function signatureArtifact(target: SignedDescriptor, key: SigningKey, signingTime: number): SignatureArtifact {
  const envelope = jwsEnvelope(target, key, signingTime);
  const config = { bytes: EMPTY_CONFIG, digest: sha256(EMPTY_CONFIG) };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      artifactType: NOTARY_SIGNATURE_ARTIFACT_TYPE,
      config: { mediaType: MEDIA_TYPES.ociEmpty, digest: config.digest, size: config.bytes.length },
      layers: [{ mediaType: JWS_MEDIA_TYPE, digest: sha256(envelope), size: envelope.length }],
      subject: { mediaType: target.mediaType, digest: target.digest, size: target.size },
      annotations: {
        [THUMBPRINT_ANNOTATION]: JSON.stringify([thumbprint(key.certificate)]),
        'org.opencontainers.image.created': rfc3339(signingTime),
      },
    }),
  );
  return { config, envelope: { bytes: envelope, digest: sha256(envelope) }, manifest: { bytes: manifest, digest: sha256(manifest) } };
}
