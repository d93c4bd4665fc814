/**
 * The registry as clients see it: the state every projection query reads.
 * It is plain data (Maps, arrays, strings, numbers, Uint8Array) so that it can
 * be cloned (marks, reset) and checkpointed (snapshots).
 */
import { settleImages } from './deferred-images.ts';
import { DigestSizes, settleSizes } from './digest-sizes.ts';
import { settleTags } from './deferred-tags.ts';
import type { RepoKey, ScopeKey } from './scope.ts';
import type { ScanningState } from './scanning/scanning-state.ts';
import type { RegistrySettings, RepoSettings } from './settings/settings-state.ts';

export type { RegistrySettings, RepoSettings };

export interface Image {
  readonly digest: string;
  readonly mediaType: string;
  /** The manifest exactly as pushed. */
  readonly bytes: Uint8Array;
  readonly pushedAt: number;
  /** Sum of the config and layer sizes (image manifests), or of the manifest itself (indexes; ECR reports their largest child, see queries/ecr-images.ts). */
  readonly size: number;
  /** Blob digests the manifest references (config first). */
  readonly blobs: readonly string[];
  /** Child manifest digests (indexes). */
  readonly manifests: readonly string[];
  readonly subject?: string;
  /** artifactType, else the config's media type (what referrers report). */
  readonly artifactType?: string;
  readonly configMediaType?: string;
  /** ECR bookkeeping, changed by later events. */
  lastPulledAt?: number;
  storageClass: 'STANDARD' | 'ARCHIVE';
  storageClassChangedAt?: number;
  /** Image-level ECR facts owned by a feature module (`scans`: domain/scanning/scanning-state.ts). */
  extra?: Record<string, unknown>;
}

export interface Repository {
  readonly account: string;
  readonly region: string;
  readonly name: string;
  readonly createdAt: number;
  /** Blobs linked into this repository: digest -> size. */
  readonly blobs: Map<string, number>;
  readonly images: Map<string, Image>;
  /** tag -> manifest digest (changed only through domain/repository-tags.ts) */
  readonly tags: Map<string, string>;
  /**
   * digest -> its tags in the order they were put on it: derived from `tags` and kept in step
   * with it (domain/repository-tags.ts); not in the checkpoint form (rebuilt when decoded) and
   * not part of the canonical state.
   */
  readonly tagsByDigest: Map<string, readonly string[]>;
  /** subject digest -> digests of manifests that refer to it */
  readonly referrers: Map<string, string[]>;
  settings: RepoSettings;
}

export interface Upload {
  readonly id: string;
  readonly repo: RepoKey;
  readonly startedAt: number;
  /** Bytes accepted so far (the next chunk starts here). */
  offset: number;
  /** The face that started it: ECR layer uploads have part rules of their own. */
  readonly via: 'oci' | 'ecr';
  /** ECR: the last part number accepted. */
  lastPart: number;
  /** ECR: the length of that part (parts other than the last are at least 5 MiB). */
  lastPartLength?: number;
  /** ECR: the first part that a later part proved was not the last and that was under 5 MiB (CompleteLayerUpload refuses the layer). */
  smallPart?: { part: number; length: number };
}

export interface RegistryState {
  /** The last event folded into this state. */
  seq: number;
  readonly registries: Map<ScopeKey, RegistrySettings>;
  readonly repos: Map<RepoKey, Repository>;
  readonly uploads: Map<string, Upload>;
  /** Every blob ever committed to the content-addressed store: digest -> size. */
  readonly blobs: Map<string, number>;
  /** How far the emulator's clock was advanced (ClockAdvanced); absent until it is. */
  clockOffsetMs?: number;
  /** The advisory list image scans match against (absent until one is put). */
  scanning?: ScanningState;
}

export const emptyState = (): RegistryState => ({
  seq: 0,
  registries: new Map(),
  repos: new Map(),
  uploads: new Map(),
  blobs: new DigestSizes(),
});

/** A deep copy (manifest bytes included): what a mark keeps and a reset restores. */
export function cloneState(s: RegistryState): RegistryState {
  // structuredClone reads a Map's entries without its methods: deferred tables are filled first
  settleSizes(s.blobs);
  for (const r of s.repos.values()) {
    settleSizes(r.blobs);
    settleImages(r.images);
    settleTags(r.tags);
  }
  return structuredClone(s);
}
