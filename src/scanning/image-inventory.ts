/**
 * An image's inventory: its distribution and installed OS packages, read from its
 * layers (layer-files.ts stacks them, package-databases.ts reads the databases).
 *
 * Anything whose config is not a container image config (signatures, SBOMs, Helm
 * charts, other OCI artifacts) is an 'artifact' inventory and is not read further.
 * A distribution without os-release is named after its package manager's usual one
 * (dpkg: debian, apk: alpine), so images built FROM scratch that carry a package
 * database are still scanned.
 */
import { open } from 'node:fs/promises';
import type { InstalledPackage, Inventory, OsRelease } from '../domain/scanning/scanning-state.ts';
import { DPKG_STATUS_DIR, LayerCollector, mergeLayers, readMerged, type LayerFiles } from './layer-files.ts';
import { walkLayer, type StoredBlob } from './layer-reader.ts';
import { apkPackages, dpkgPackages, osReleaseOf } from './package-databases.ts';
import { TarWalker } from './tar-walker.ts';

export const IMAGE_CONFIG_TYPES: readonly string[] = [
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
];

/** Finds a stored blob by digest (undefined when the registry does not hold it). */
export type BlobLookup = (digest: string) => Promise<StoredBlob | undefined>;

export class LayerUnreadableError extends Error {
  constructor(
    readonly digest: string,
    reason: string,
  ) {
    super(`ScanError: layer ${digest} could not be read: ${reason}`);
    this.name = 'LayerUnreadableError';
  }
}

interface ManifestDoc {
  artifactType?: unknown;
  config?: { mediaType?: unknown; digest?: unknown };
  layers?: { mediaType?: unknown; digest?: unknown; urls?: unknown }[];
}

/**
 * Layer contributions by layer digest. Layers are content-addressed, so an entry never
 * goes stale; the cache only bounds memory (a layer's wanted files are small).
 */
export class LayerCache {
  readonly #entries = new Map<string, LayerFiles>();
  constructor(readonly limit = 512) {}
  get(digest: string): LayerFiles | undefined {
    const hit = this.#entries.get(digest);
    if (hit) {
      this.#entries.delete(digest);
      this.#entries.set(digest, hit);
    }
    return hit;
  }
  set(digest: string, files: LayerFiles): void {
    this.#entries.set(digest, files);
    while (this.#entries.size > this.limit) this.#entries.delete(this.#entries.keys().next().value!);
  }
}

export async function readLayerFiles(blob: StoredBlob): Promise<LayerFiles> {
  const collector = new LayerCollector();
  await walkLayer(blob, new TarWalker(collector.select, collector.onEntry));
  return collector.finish();
}

async function readJson(blob: StoredBlob | undefined): Promise<Record<string, unknown> | undefined> {
  if (!blob || blob.size > 4 * 1024 * 1024) return undefined;
  const fh = await open(blob.file, 'r');
  try {
    const buf = Buffer.alloc(blob.size);
    await fh.read(buf, 0, blob.size, blob.offset);
    const doc = JSON.parse(buf.toString('utf8')) as unknown;
    return typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  } finally {
    await fh.close();
  }
}

const artifact = (reason: string): Inventory => ({ kind: 'artifact', reason, os: null, architecture: null, databases: [], packages: [] });

/** Reads the inventory of the image whose manifest is `manifestBytes`. Throws LayerUnreadableError. */
export async function readInventory(manifestBytes: Uint8Array, lookup: BlobLookup, cache?: LayerCache): Promise<Inventory> {
  const doc = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as ManifestDoc;
  const configType = typeof doc.config?.mediaType === 'string' ? doc.config.mediaType : '';
  if (typeof doc.artifactType === 'string' && doc.artifactType !== '')
    return artifact(`The artifact type '${doc.artifactType}' is not a container image.`);
  if (!IMAGE_CONFIG_TYPES.includes(configType)) return artifact(`The config media type '${configType}' is not a container image config.`);
  const config = typeof doc.config?.digest === 'string' ? await readJson(await lookup(doc.config.digest)) : undefined;
  const architecture = typeof config?.architecture === 'string' ? config.architecture : null;

  const layers: { digest: string; files: LayerFiles }[] = [];
  for (const d of doc.layers ?? []) {
    if (typeof d.digest !== 'string') continue;
    let files = cache?.get(d.digest);
    if (!files) {
      const blob = await lookup(d.digest);
      if (!blob) {
        if (Array.isArray(d.urls) && d.urls.length > 0) continue; // a foreign layer kept elsewhere
        throw new LayerUnreadableError(d.digest, 'the registry does not hold it');
      }
      try {
        files = await readLayerFiles(blob);
      } catch (err) {
        throw new LayerUnreadableError(d.digest, err instanceof Error ? err.message : String(err));
      }
      cache?.set(d.digest, files);
    }
    layers.push({ digest: d.digest, files });
  }
  const merged = mergeLayers(layers);

  const release = readMerged(merged, 'etc/os-release') ?? readMerged(merged, 'usr/lib/os-release');
  let os: OsRelease | null = release ? osReleaseOf(release.content.toString('utf8')) : null;
  const databases: string[] = [];
  const packages: InstalledPackage[] = [];
  const dpkgFiles = ['var/lib/dpkg/status', ...[...merged.keys()].filter((p) => p.startsWith(`${DPKG_STATUS_DIR}/`)).sort()];
  for (const path of dpkgFiles) {
    const file = readMerged(merged, path);
    if (!file) continue;
    databases.push(path);
    packages.push(...dpkgPackages(file.content.toString('utf8'), { path, layer: file.layer }));
  }
  for (const path of ['lib/apk/db/installed', 'usr/lib/apk/db/installed']) {
    const file = readMerged(merged, path);
    if (!file) continue;
    databases.push(path);
    packages.push(...apkPackages(file.content.toString('utf8'), { path, layer: file.layer }));
    break;
  }
  if (os === null && databases.length > 0)
    os = { id: packages[0]?.manager === 'apk' || databases[0]!.includes('apk') ? 'alpine' : 'debian', versionId: null, prettyName: null };
  return { kind: 'image', reason: null, os, architecture, databases, packages };
}
