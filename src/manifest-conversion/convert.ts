/**
 * Manifest conversion on pull, as ECR documents it ("Container image manifest formats": when an
 * image is pulled by tag and the client does not understand the stored format, ECR converts it):
 *
 *   requested by client | stored as Docker schema 2        | stored as OCI
 *   Docker schema 1     | converted to schema 1             | converted to schema 1
 *   Docker schema 2     | as stored                         | converted to Docker schema 2
 *   OCI                 | converted to OCI                  | as stored
 *
 * Schema 2 <-> OCI changes the media types only (the manifest's, the config's and the layers'):
 * same blobs, same config. Schema 1 is built from the image config (schema1.ts) and signed
 * (pretty-jws.ts). Every conversion is deterministic: the same image gives the same bytes and digest.
 * Manifest lists and indexes are not converted (the faces pick a platform's image instead).
 */
import { createHash } from 'node:crypto';
import { MEDIA_TYPES } from '../domain/manifest.ts';
import { prettySign } from './pretty-jws.ts';
import { schema1Payload } from './schema1.ts';
import { schema1SigningKey } from './signing-key.ts';

export const SCHEMA1_MEDIA_TYPES = {
  signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  unsigned: 'application/vnd.docker.distribution.manifest.v1+json',
} as const;

/** The manifest media types a client may ask for (ECR's BatchGetImage acceptedMediaTypes). */
export const PULLABLE_MEDIA_TYPES: readonly string[] = [
  SCHEMA1_MEDIA_TYPES.unsigned,
  SCHEMA1_MEDIA_TYPES.signed,
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.ociIndex,
];

export type ConversionTarget = 'oci' | 'docker' | 'schema1';

const DOCKER_TO_OCI: Readonly<Record<string, string>> = {
  'application/vnd.docker.container.image.v1+json': 'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.diff.tar': 'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.docker.image.rootfs.diff.tar.zstd': 'application/vnd.oci.image.layer.v1.tar+zstd',
};
const OCI_TO_DOCKER: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(DOCKER_TO_OCI).map(([d, o]) => [o, d]));

/**
 * What to answer for a stored image manifest of type `stored`, given the types the client accepts:
 * `as-is` when it accepts the stored type, a conversion target from ECR's table, or `none` (no
 * format the client understands can be made from it).
 */
export function conversionFor(stored: string, accepted: readonly string[]): 'as-is' | ConversionTarget | 'none' {
  if (accepted.includes(stored)) return 'as-is';
  const schema1 = accepted.includes(SCHEMA1_MEDIA_TYPES.signed) || accepted.includes(SCHEMA1_MEDIA_TYPES.unsigned);
  if (stored === MEDIA_TYPES.dockerManifest) {
    if (accepted.includes(MEDIA_TYPES.ociManifest)) return 'oci';
    if (schema1) return 'schema1';
  }
  if (stored === MEDIA_TYPES.ociManifest) {
    if (accepted.includes(MEDIA_TYPES.dockerManifest)) return 'docker';
    if (schema1) return 'schema1';
  }
  return 'none';
}

export interface ConvertedManifest {
  readonly mediaType: string;
  readonly bytes: Buffer;
  /** sha256 of the bytes (of the signed payload for schema 1, as Docker computes it) */
  readonly digest: string;
}

const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Descriptor {
  mediaType?: string;
  [key: string]: unknown;
}

/** Schema 2 <-> OCI: the same document with the media types of the other format. */
export function convertImageManifest(bytes: Uint8Array, to: 'oci' | 'docker'): ConvertedManifest {
  const doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as { mediaType?: string; config?: Descriptor; layers?: Descriptor[] };
  const table = to === 'oci' ? DOCKER_TO_OCI : OCI_TO_DOCKER;
  const retype = (d: Descriptor | undefined): Descriptor | undefined =>
    d && typeof d.mediaType === 'string' && table[d.mediaType] ? { ...d, mediaType: table[d.mediaType] } : d;
  const mediaType = to === 'oci' ? MEDIA_TYPES.ociManifest : MEDIA_TYPES.dockerManifest;
  const out: Record<string, unknown> = {};
  // keep the stored key order; a Docker manifest always names its media type second
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'mediaType') continue;
    out[k] = k === 'config' ? retype(v as Descriptor) : k === 'layers' && Array.isArray(v) ? (v as Descriptor[]).map(retype) : v;
    if (k === 'schemaVersion') out.mediaType = mediaType;
  }
  if (out.mediaType === undefined) out.mediaType = mediaType;
  // OCI-only members (subject, artifactType, annotations) have no place in a Docker manifest
  if (to === 'docker') for (const k of ['subject', 'artifactType', 'annotations']) delete out[k];
  const converted = Buffer.from(JSON.stringify(out, null, to === 'docker' ? 3 : 2), 'utf8');
  return { mediaType, bytes: converted, digest: sha256(converted) };
}

/**
 * Schema 1, signed, for an image manifest whose config bytes are given; `time` is written into the
 * signature (the image's push time keeps the bytes the same on every pull).
 */
export function convertToSchema1(
  manifest: Uint8Array,
  config: Uint8Array,
  ref: { name: string; tag: string },
  time: string,
  mediaType: string = SCHEMA1_MEDIA_TYPES.signed,
): ConvertedManifest {
  const doc = JSON.parse(Buffer.from(manifest).toString('utf8')) as { layers?: { digest: string }[] };
  const payload = schema1Payload({ ...ref, config, layers: (doc.layers ?? []).map((l) => l.digest) });
  const signed = prettySign(payload, schema1SigningKey().privateKey, time);
  return { mediaType, bytes: signed, digest: sha256(payload) };
}
