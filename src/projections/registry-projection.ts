/**
 * The "registry" projection: every repository, image, tag, blob link and upload
 * (domain/state.ts), folded by domain/evolve.ts. Its snapshot form turns the
 * Maps into arrays of entries; bump VERSION whenever that form or the meaning of
 * the state changes, so older snapshots are rebuilt by replay instead of misread.
 */
import { repoKey } from '../domain/scope.ts';
import type { Image, RegistrySettings, RegistryState, Repository, Upload } from '../domain/state.ts';

export const REGISTRY_PROJECTION = { name: 'registry', version: 1 } as const;

interface RepositorySnapshot {
  account: string;
  region: string;
  name: string;
  createdAt: number;
  blobs: [string, number][];
  images: Image[];
  tags: [string, string][];
  referrers: [string, string[]][];
  settings: Repository['settings'];
}

interface RegistrySnapshot {
  seq: number;
  registries: [string, RegistrySettings][];
  repos: RepositorySnapshot[];
  uploads: Upload[];
  blobs: [string, number][];
}

export function encodeRegistryState(s: RegistryState): RegistrySnapshot {
  return {
    seq: s.seq,
    registries: [...s.registries],
    repos: [...s.repos.values()].map((r) => ({
      account: r.account,
      region: r.region,
      name: r.name,
      createdAt: r.createdAt,
      blobs: [...r.blobs],
      images: [...r.images.values()],
      tags: [...r.tags],
      referrers: [...r.referrers],
      settings: r.settings,
    })),
    uploads: [...s.uploads.values()],
    blobs: [...s.blobs],
  };
}

export function decodeRegistryState(raw: unknown): RegistryState {
  const s = raw as RegistrySnapshot;
  return {
    seq: s.seq,
    registries: new Map(s.registries),
    repos: new Map(
      s.repos.map((r) => [
        repoKey(r, r.name),
        {
          account: r.account,
          region: r.region,
          name: r.name,
          createdAt: r.createdAt,
          blobs: new Map(r.blobs),
          images: new Map(r.images.map((i) => [i.digest, i])),
          tags: new Map(r.tags),
          referrers: new Map(r.referrers),
          settings: r.settings,
        },
      ]),
    ),
    uploads: new Map(s.uploads.map((u) => [u.id, u])),
    blobs: new Map(s.blobs),
  };
}
