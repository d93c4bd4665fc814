/** The histories and manifests the decider specifications start from. */
import { createHash } from 'node:crypto';
import type { Command } from '../../../src/domain/commands.ts';
import { coreEvents as ev, type DomainEvent, type EventOf, repositoryCreated } from '../../../src/domain/events.ts';
import { parseManifest, type ParsedManifest } from '../../../src/domain/manifest.ts';
import type { RegistryScope } from '../../../src/domain/scope.ts';
import { type CreationTemplate, defaultRepoSettings } from '../../../src/domain/settings/settings-state.ts';
import { settingsEvents } from '../../../src/domain/settings/settings-event-factories.ts';

export const scope: RegistryScope = { account: '000000000000', region: 'us-east-1' };
/** The repository most specifications work in. */
export const at = { account: scope.account, region: scope.region, repository: 'team/app' };
export const inRepo = { scope, repository: 'team/app' } as const;

export const digestOf = (s: string | Uint8Array): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;

export const created = (repository = 'team/app', where: RegistryScope = scope): EventOf<'RepositoryCreated'> =>
  repositoryCreated({ account: where.account, region: where.region, repository }, defaultRepoSettings(), 'api');

export const layer = digestOf('layer');
export const config = digestOf('config');

/** team/app with two blobs: `layer` (5 bytes, upload u1) and `config` (6 bytes, upload u2). */
export const withBlobs: DomainEvent[] = [
  created(),
  ev.UploadStarted({ ...at, uploadId: 'u1', via: 'oci' }),
  ev.UploadCompleted({ uploadId: 'u1', digest: layer, size: 5 }),
  ev.UploadStarted({ ...at, uploadId: 'u2', via: 'oci' }),
  ev.UploadCompleted({ uploadId: 'u2', digest: config, size: 6 }),
];

export interface Manifest {
  bytes: Uint8Array;
  digest: string;
  manifest: ParsedManifest;
}

function parsed(doc: unknown): Manifest {
  const bytes = Buffer.from(JSON.stringify(doc));
  const result = parseManifest(bytes);
  if (!result.ok) throw new Error(result.message);
  return { bytes, digest: digestOf(bytes), manifest: result.manifest };
}

/** The sizes of the blobs `withBlobs` uploads: a descriptor must say the size of what it names. */
const blobSizes = new Map([
  [layer, 5],
  [config, 6],
]);

/** An OCI image manifest over `config` (6 bytes) and `layers` (their sizes in `withBlobs`, 5 bytes for others). */
export function image(layers: string[] = [layer], extra: Record<string, unknown> = {}): Manifest {
  return parsed({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 6 },
    layers: layers.map((d) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: d, size: blobSizes.get(d) ?? 5 })),
    ...extra,
  });
}

/** An OCI index over the given child manifests (each descriptor with its child's size). */
export function index(children: Manifest[]): Manifest {
  return parsed({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: children.map((c) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: c.digest,
      size: c.bytes.byteLength,
    })),
  });
}

/** The PutManifest command of `m` into team/app. */
export const putManifest = (m: Manifest, tag: string | null, via: 'oci' | 'ecr' = 'oci'): Extract<Command, { type: 'PutManifest' }> => ({
  type: 'PutManifest',
  ...inRepo,
  tag,
  via,
  ...m,
});

/** The ManifestPut event `putManifest(m, ...)` causes for an image manifest in team/app (or `repository` of `where`). */
export const manifestPut = (m: Manifest, size: number, repository = 'team/app', where: RegistryScope = scope): EventOf<'ManifestPut'> =>
  ev.ManifestPut({
    account: where.account,
    region: where.region,
    repository,
    digest: m.digest,
    mediaType: m.manifest.mediaType,
    bytes: m.bytes,
    size,
    blobs: m.manifest.blobs.map((b) => b.digest),
    manifests: m.manifest.manifests.map((d) => d.digest),
    subject: m.manifest.subject?.digest ?? null,
    artifactType: m.manifest.artifactType ?? m.manifest.config?.mediaType ?? null,
    configMediaType: m.manifest.config?.mediaType ?? null,
  });

/** team/app with `withBlobs` and image() pushed under `tags` (its ManifestPut and TagPuts). */
export function withImage(tags: string[] = ['v1']): DomainEvent[] {
  const m = image();
  return [...withBlobs, manifestPut(m, 11), ...tags.map((tag) => ev.TagPut({ ...at, tag, digest: m.digest, previous: null }))];
}

/** A repository creation template (CREATE_ON_PUSH unless told otherwise). */
export const template = (prefix: string, more: Partial<CreationTemplate> = {}): CreationTemplate => ({
  prefix,
  encryptionType: 'AES256',
  resourceTags: [],
  imageTagMutability: 'MUTABLE',
  imageTagMutabilityExclusionFilters: [],
  appliedFor: ['CREATE_ON_PUSH'],
  ...more,
});

export const templateCreated = (t: CreationTemplate): EventOf<'RepositoryCreationTemplateCreated'> =>
  settingsEvents.RepositoryCreationTemplateCreated({ account: scope.account, region: scope.region, template: t });
