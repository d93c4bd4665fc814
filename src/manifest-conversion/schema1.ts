/**
 * A Docker schema 2 (or OCI) image manifest as a signed Docker schema 1 manifest, built the way
 * Docker's own schema 1 builder (distribution's `ConfigManifestBuilder`) builds it from the image
 * config: one `fsLayers`/`history` pair per config history entry, newest first; history entries
 * without a layer (`empty_layer`) point at the gzipped empty tar; v1 ids chain each entry to its
 * parent (`sha256(blobSum hex + " " + parent)`); the newest entry's v1Compatibility is the config
 * itself (without `history` and `rootfs`, keys sorted) with its id, parent and `throwaway`.
 */
import { createHash } from 'node:crypto';

/** The gzipped empty tar (1,024 zero bytes) that stands for a layer-less history entry. */
export const GZIPPED_EMPTY_TAR = Buffer.from([
  31, 139, 8, 0, 0, 9, 110, 136, 0, 255, 98, 24, 5, 163, 96, 20, 140, 88, 0, 8, 0, 0, 255, 255, 46, 175, 181, 239, 0, 4, 0, 0,
]);
export const GZIPPED_EMPTY_TAR_DIGEST = 'sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4';

interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

interface ImageConfig {
  architecture?: string;
  created?: string;
  history?: HistoryEntry[];
  [key: string]: unknown;
}

const hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Go's encoding/json escapes <, > and & (and U+2028/9) in strings. */
export function goJson(value: unknown, indent?: string): string {
  const text = indent === undefined ? JSON.stringify(value) : JSON.stringify(value, null, indent);
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface Schema1Input {
  /** repository name and tag the manifest is for */
  name: string;
  tag: string;
  /** the image config bytes (the blob the schema 2 / OCI manifest's config names) */
  config: Uint8Array;
  /** the manifest's layer digests, oldest first */
  layers: readonly string[];
}

/** The unsigned schema 1 payload (3-space indented, as distribution writes it). */
export function schema1Payload(input: Schema1Input): Buffer {
  const configText = Buffer.from(input.config).toString('utf8');
  const config = JSON.parse(configText) as ImageConfig;
  let history = Array.isArray(config.history) ? config.history : [];
  // an image without history: one entry per layer
  if (history.length === 0) history = input.layers.map(() => ({ created: config.created ?? '1970-01-01T00:00:00Z' }));
  const fsLayers: { blobSum: string }[] = new Array(history.length);
  const v1: { v1Compatibility: string }[] = new Array(history.length);
  let layerIndex = 0;
  let parent = '';
  const blobSumOf = (h: HistoryEntry): string => {
    if (h.empty_layer) return GZIPPED_EMPTY_TAR_DIGEST;
    const digest = input.layers[layerIndex++];
    if (digest === undefined) throw new Error('the image config has more layer history entries than the manifest has layers');
    return digest;
  };
  for (let i = 0; i < history.length - 1; i++) {
    const h = history[i]!;
    const blobSum = blobSumOf(h);
    const id = hex(`${blobSum.slice(blobSum.indexOf(':') + 1)} ${parent}`);
    const entry: Record<string, unknown> = { id };
    if (parent) entry.parent = parent;
    if (h.comment) entry.comment = h.comment;
    entry.created = h.created ?? '0001-01-01T00:00:00Z';
    entry.container_config = { Cmd: [h.created_by ?? ''] };
    if (h.author) entry.author = h.author;
    if (h.empty_layer) entry.throwaway = true;
    fsLayers[history.length - 1 - i] = { blobSum };
    v1[history.length - 1 - i] = { v1Compatibility: goJson(entry) };
    parent = id;
  }
  const latest = history[history.length - 1]!;
  const blobSum = blobSumOf(latest);
  fsLayers[0] = { blobSum };
  const id = hex(`${blobSum.slice(blobSum.indexOf(':') + 1)} ${parent} ${configText}`);
  const top: Record<string, unknown> = {};
  for (const key of Object.keys(config).filter((k) => k !== 'history' && k !== 'rootfs')) top[key] = config[key];
  top.id = id;
  if (parent) top.parent = parent;
  if (latest.empty_layer) top.throwaway = true;
  const sorted = Object.fromEntries(
    Object.keys(top)
      .sort()
      .map((k) => [k, top[k]]),
  );
  v1[0] = { v1Compatibility: goJson(sorted) };
  const manifest = {
    schemaVersion: 1,
    name: input.name,
    tag: input.tag,
    architecture: config.architecture ?? '',
    fsLayers,
    history: v1,
  };
  return Buffer.from(goJson(manifest, '   '), 'utf8');
}
