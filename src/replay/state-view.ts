/**
 * A readable view of a registry state, for `ecr-rewind state` and
 * GET /_rewind/state: repositories with their settings, images with their tags
 * and sizes, in a stable order (by account, region, name; images by push time).
 */
import { severityCounts } from '../domain/scanning/match-findings.ts';
import { imageScans } from '../domain/scanning/image-scans.ts';
import type { ScanRecord } from '../domain/scanning/scanning-state.ts';
import type { RegistryState, RepoSettings } from '../domain/state.ts';
import { stateHash } from '../projections/canonical-state.ts';

export interface ImageView {
  digest: string;
  mediaType: string;
  tags: string[];
  size: number;
  pushedAt: string;
  subject?: string;
  artifactType?: string;
  manifests?: string[];
  lastPulledAt?: string;
  /** The latest scan of each type (domain/scanning), with its findings. */
  scans?: { basic?: ScanView; enhanced?: ScanView };
}

export interface ScanView {
  status: string;
  completedAt?: string;
  counts: Record<string, number>;
  findings: { id: string; package: string; version: string; severity: string }[];
}

export interface RepositoryView {
  account: string;
  region: string;
  name: string;
  createdAt: string;
  settings: RepoSettings;
  images: ImageView[];
  blobs: number;
}

export interface StateView {
  seq: number;
  hash: string;
  repositories: RepositoryView[];
  uploads: { id: string; repository: string; offset: number }[];
  blobs: { count: number; bytes: number };
  registries: { scope: string; settings: unknown }[];
  /** The advisory list image scans match against, when one was put. */
  advisories?: { count: number; updatedAt: string; source: string | null };
}

function scanView(r: ScanRecord): ScanView {
  return {
    status: r.status,
    ...(r.completedAt === null ? {} : { completedAt: iso(r.completedAt) }),
    counts: severityCounts(r.findings),
    findings: r.findings.map((f) => ({ id: f.id, package: f.package, version: f.version, severity: f.severity })),
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

function scansOf(image: Parameters<typeof imageScans>[0]): Pick<ImageView, 'scans'> {
  const s = imageScans(image);
  if (!s || (s.basic === null && s.enhanced === null)) return {};
  return { scans: { ...(s.basic ? { basic: scanView(s.basic) } : {}), ...(s.enhanced ? { enhanced: scanView(s.enhanced) } : {}) } };
}
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function viewState(state: RegistryState): StateView {
  const repositories = [...state.repos.entries()]
    .sort((a, b) => byText(a[0], b[0]))
    .map(([, r]): RepositoryView => {
      const tagsOf = new Map<string, string[]>();
      for (const [tag, digest] of r.tags) tagsOf.set(digest, [...(tagsOf.get(digest) ?? []), tag]);
      const images = [...r.images.values()]
        .sort((a, b) => a.pushedAt - b.pushedAt || byText(a.digest, b.digest))
        .map(
          (i): ImageView => ({
            digest: i.digest,
            mediaType: i.mediaType,
            tags: (tagsOf.get(i.digest) ?? []).sort(),
            size: i.size,
            pushedAt: iso(i.pushedAt),
            ...(i.subject === undefined ? {} : { subject: i.subject }),
            ...(i.artifactType === undefined ? {} : { artifactType: i.artifactType }),
            ...(i.manifests.length > 0 ? { manifests: [...i.manifests] } : {}),
            ...(i.lastPulledAt === undefined ? {} : { lastPulledAt: iso(i.lastPulledAt) }),
            ...scansOf(i),
          }),
        );
      return {
        account: r.account,
        region: r.region,
        name: r.name,
        createdAt: iso(r.createdAt),
        settings: r.settings,
        images,
        blobs: r.blobs.size,
      };
    });
  let bytes = 0;
  for (const size of state.blobs.values()) bytes += size;
  return {
    seq: state.seq,
    hash: stateHash(state),
    repositories,
    uploads: [...state.uploads.values()].map((u) => ({ id: u.id, repository: u.repo, offset: u.offset })),
    blobs: { count: state.blobs.size, bytes },
    registries: [...state.registries.entries()].sort((a, b) => byText(a[0], b[0])).map(([scope, settings]) => ({ scope, settings })),
    ...(state.scanning
      ? { advisories: { count: state.scanning.advisories.length, updatedAt: iso(state.scanning.updatedAt), source: state.scanning.source } }
      : {}),
  };
}
