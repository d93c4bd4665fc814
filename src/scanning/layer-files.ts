/**
 * The files a scan needs from an image's filesystem, collected per layer and
 * merged across layers the way a container runtime stacks them (OCI image spec,
 * "Representing Changes"): a layer's `.wh.<name>` entry deletes `<name>` (and
 * everything under it) from the layers below, `.wh..wh..opq` in a folder hides
 * everything the layers below put in that folder, and an entry of a later layer
 * replaces the same path of an earlier one (a symlink or other non-folder entry at
 * a folder's path hides what was below it).
 *
 * Wanted files: `etc/os-release` and `usr/lib/os-release`, the dpkg database
 * (`var/lib/dpkg/status` and the files of `var/lib/dpkg/status.d/`, where distroless
 * images keep one file per package), and the apk database (`lib/apk/db/installed`,
 * or `usr/lib/apk/db/installed`).
 */
import type { TarEntry } from './tar-walker.ts';

const WANTED_FILES = new Set([
  'etc/os-release',
  'usr/lib/os-release',
  'var/lib/dpkg/status',
  'lib/apk/db/installed',
  'usr/lib/apk/db/installed',
]);
export const DPKG_STATUS_DIR = 'var/lib/dpkg/status.d';

/** Folders on the way to a wanted file: a whiteout of one of them, or a non-folder in its place, hides wanted files. */
const WANTED_FOLDERS = new Set<string>();
for (const f of [...WANTED_FILES, `${DPKG_STATUS_DIR}/x`]) {
  const parts = f.split('/');
  for (let i = 1; i < parts.length; i++) WANTED_FOLDERS.add(parts.slice(0, i).join('/'));
}

const parentOf = (p: string): string => {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
};
const baseOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** Whether a path is one whose content the scan reads. */
export function isWantedFile(path: string): boolean {
  if (WANTED_FILES.has(path)) return true;
  return parentOf(path) === DPKG_STATUS_DIR && !path.endsWith('.md5sums');
}

const isWantedPath = (path: string): boolean => isWantedFile(path) || WANTED_FOLDERS.has(path);

export type LayerEntry = { kind: 'file'; content: Buffer } | { kind: 'symlink'; target: string };

/** What one layer contributes: wanted files and links, and what it hides of the layers below. */
export interface LayerFiles {
  /** path -> file content or symlink target, for wanted paths */
  entries: Map<string, LayerEntry>;
  /** Paths deleted in the layers below (whiteouts, and non-folders at wanted folders' paths). */
  removed: string[];
  /** Folders whose lower contents are hidden (opaque whiteouts). */
  opaque: string[];
}

/** Collects a layer's wanted entries from its tar (used as TarWalker's select and onEntry). */
export class LayerCollector {
  readonly files: LayerFiles = { entries: new Map(), removed: [], opaque: [] };
  /** Regular files kept in this layer by path, to resolve hard links to them. */
  readonly #hardlinks: [string, string][] = [];

  readonly select = (entry: TarEntry): boolean => isWantedFile(entry.path);

  readonly onEntry = (entry: TarEntry, content: Buffer | null): void => {
    const name = baseOf(entry.path);
    if (name.startsWith('.wh.')) {
      const dir = parentOf(entry.path);
      if (name === '.wh..wh..opq') {
        if (WANTED_FOLDERS.has(dir)) this.files.opaque.push(dir);
      } else {
        const target = dir === '' ? name.slice(4) : `${dir}/${name.slice(4)}`;
        if (isWantedPath(target)) this.files.removed.push(target);
      }
      return;
    }
    if (!isWantedPath(entry.path)) return;
    switch (entry.type) {
      case 'file':
        if (content) this.files.entries.set(entry.path, { kind: 'file', content });
        return;
      case 'symlink':
        if (isWantedFile(entry.path)) this.files.entries.set(entry.path, { kind: 'symlink', target: entry.linkname });
        else this.files.removed.push(entry.path);
        return;
      case 'hardlink':
        this.#hardlinks.push([entry.path, entry.linkname]);
        return;
      case 'directory':
        return;
      default:
        this.files.removed.push(entry.path);
    }
  };

  /** Finishes the layer: hard links to wanted files of the same layer get their content. */
  finish(): LayerFiles {
    for (const [path, target] of this.#hardlinks) {
      const linked = this.files.entries.get(target.replace(/^\.?\/+/, ''));
      if (linked) this.files.entries.set(path, linked);
      else this.files.removed.push(path);
    }
    return this.files;
  }
}

export interface MergedEntry {
  entry: LayerEntry;
  /** Digest of the layer it comes from. */
  layer: string;
}

const under = (path: string, folder: string): boolean => path === folder || path.startsWith(`${folder}/`);

/** The wanted files of the image: its layers' contributions stacked, first layer at the bottom. */
export function mergeLayers(layers: readonly { digest: string; files: LayerFiles }[]): Map<string, MergedEntry> {
  const merged = new Map<string, MergedEntry>();
  for (const { digest, files } of layers) {
    for (const folder of files.opaque) for (const p of [...merged.keys()]) if (p.startsWith(`${folder}/`)) merged.delete(p);
    for (const gone of files.removed) for (const p of [...merged.keys()]) if (under(p, gone)) merged.delete(p);
    for (const [path, entry] of files.entries) merged.set(path, { entry, layer: digest });
  }
  return merged;
}

/** Resolves a symlink target written at `from` into a normalized image path. */
export function resolveLink(from: string, target: string): string {
  const parts = target.startsWith('/')
    ? []
    : parentOf(from)
        .split('/')
        .filter((p) => p !== '');
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

/** The content at `path` in the merged files, following symlinks between wanted files (at most 8). */
export function readMerged(merged: Map<string, MergedEntry>, path: string): { content: Buffer; path: string; layer: string } | undefined {
  let p = path;
  for (let hops = 0; hops < 8; hops++) {
    const m = merged.get(p);
    if (!m) return undefined;
    if (m.entry.kind === 'file') return { content: m.entry.content, path: p, layer: m.layer };
    p = resolveLink(p, m.entry.target);
  }
  return undefined;
}
