/**
 * Reads what the domain needs from a manifest's bytes: its kind, the blobs and
 * child manifests it references, its subject and artifact type. Pure: the bytes
 * are kept as they came; this only looks at them.
 */
import { isDigest } from './names.ts';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.dockerList,
];

export const isIndexMediaType = (mt: string): boolean => mt === MEDIA_TYPES.ociIndex || mt === MEDIA_TYPES.dockerList;

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly urls?: readonly string[];
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: Readonly<Record<string, unknown>>;
}

export interface ParsedManifest {
  readonly mediaType: string;
  readonly isIndex: boolean;
  /** Config then layers (image manifests); blobs that must exist in the repository. */
  readonly blobs: readonly Descriptor[];
  readonly config?: Descriptor;
  /** Child manifests (indexes) that must exist in the repository. */
  readonly manifests: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export type ParseResult = { ok: true; manifest: ParsedManifest } | { ok: false; message: string };

const fail = (message: string): ParseResult => ({ ok: false, message });

function descriptor(value: unknown, where: string): Descriptor | string {
  if (typeof value !== 'object' || value === null) return `${where} is not a descriptor`;
  const d = value as Record<string, unknown>;
  if (typeof d.digest !== 'string' || !isDigest(d.digest)) return `${where} has an invalid digest`;
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) return `${where} has an invalid size`;
  if (typeof d.mediaType !== 'string') return `${where} has no mediaType`;
  return d as unknown as Descriptor;
}

function descriptors(value: unknown, where: string): Descriptor[] | string {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return `${where} is not an array`;
  const out: Descriptor[] = [];
  for (const [i, v] of value.entries()) {
    const d = descriptor(v, `${where}[${i}]`);
    if (typeof d === 'string') return d;
    out.push(d);
  }
  return out;
}

/** How deep a manifest's JSON may nest: real manifests go 4 or 5 levels deep (annotations, platforms). */
export const MAX_MANIFEST_DEPTH = 64;

/** Whether JSON text nests arrays and objects deeper than `max` (strings are skipped). */
function nestsDeeper(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * @param bytes the manifest exactly as received
 * @param contentType the Content-Type it came with, if any (may be omitted for ECR PutImage)
 */
export function parseManifest(bytes: Uint8Array, contentType?: string): ParseResult {
  let doc: unknown;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (nestsDeeper(text, MAX_MANIFEST_DEPTH)) return fail(`manifest nests arrays and objects deeper than ${MAX_MANIFEST_DEPTH} levels`);
  try {
    doc = JSON.parse(text);
  } catch {
    return fail('manifest is not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail('manifest is not a JSON object');
  const m = doc as Record<string, unknown>;
  if (m.schemaVersion !== 2) return fail('unsupported manifest schemaVersion (only 2 is accepted)');
  const declared = typeof m.mediaType === 'string' ? m.mediaType : undefined;
  const type = contentType?.split(';')[0]?.trim();
  const headerType = type && MANIFEST_MEDIA_TYPES.includes(type) ? type : undefined;
  if (declared && headerType && declared !== headerType)
    return fail(`manifest mediaType ${declared} does not match Content-Type ${headerType}`);
  let mediaType = declared ?? headerType;
  if (!mediaType) mediaType = Array.isArray(m.manifests) ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest;
  if (!MANIFEST_MEDIA_TYPES.includes(mediaType)) return fail(`unsupported manifest media type ${mediaType}`);
  const isIndex = isIndexMediaType(mediaType);

  let subject: Descriptor | undefined;
  if (m.subject !== undefined) {
    const s = descriptor(m.subject, 'subject');
    if (typeof s === 'string') return fail(s);
    subject = s;
  }
  const artifactType = typeof m.artifactType === 'string' ? m.artifactType : undefined;
  const annotations = typeof m.annotations === 'object' && m.annotations !== null ? (m.annotations as Record<string, string>) : undefined;

  if (isIndex) {
    if (m.layers !== undefined || m.config !== undefined) return fail('an index has no config or layers');
    const manifests = descriptors(m.manifests, 'manifests');
    if (typeof manifests === 'string') return fail(manifests);
    if (m.manifests === undefined) return fail('an index needs a manifests array');
    return { ok: true, manifest: { mediaType, isIndex, blobs: [], manifests, subject, artifactType, annotations } };
  }
  if (m.manifests !== undefined) return fail('an image manifest has no manifests array');
  const config = descriptor(m.config, 'config');
  if (typeof config === 'string') return fail(config);
  const layers = descriptors(m.layers, 'layers');
  if (typeof layers === 'string') return fail(layers);
  if (m.layers === undefined) return fail('an image manifest needs a layers array');
  return {
    ok: true,
    manifest: {
      mediaType,
      isIndex,
      config,
      blobs: [config, ...layers],
      manifests: [],
      subject,
      artifactType,
      annotations,
    },
  };
}

/** Layers that live elsewhere (foreign layers with URLs) need not be in the registry. */
export const isForeign = (d: Descriptor): boolean => (d.urls?.length ?? 0) > 0;
