/**
 * decide(state, command, ctx) -> events | DomainError. Pure and synchronous:
 * it reads only its arguments.
 */
import type { Command, CoreCommand, DecideContext } from './commands.ts';
import { domainError, type DomainError } from './errors.ts';
import { coreEvents as ev, repositoryCreated, type DomainEvent, type RepoRef } from './events.ts';
import { isForeign } from './manifest.ts';
import { isRepositoryName, REPOSITORY_NAME_PATTERN } from './names.ts';
import { repoKey, type RegistryScope } from './scope.ts';
import { createOnPush } from './settings/create-on-push.ts';
import { mergeTags, tagProblem } from './settings/resource-tags.ts';
import { decideSettings } from './settings/settings-decide.ts';
import { defaultRepoSettings } from './settings/settings-state.ts';
import type { RegistryState, Repository } from './state.ts';
import { isTagImmutable } from './tag-filter.ts';

/** ECR's quota of tags on one image. */
export const MAX_TAGS_PER_IMAGE = 1000;

/** ECR's minimum layer part size (all parts but the last). */
export const MIN_ECR_LAYER_PART = 5 * 1024 * 1024;

export type Decision = { ok: true; events: DomainEvent[] } | { ok: false; error: DomainError };

const ok = (...events: DomainEvent[]): Decision => ({ ok: true, events });
const no = (error: DomainError): Decision => ({ ok: false, error });

/**
 * Spread it last (`{ tag, digest, ...refOf(scope, name) }`): in Node 20, properties written after
 * an object spread take V8's slow path, about 1 µs each (the event factories fix the key order).
 */
const refOf = (scope: RegistryScope, repository: string): RepoRef => ({
  account: scope.account,
  region: scope.region,
  repository,
});

export const repositoryNotFound = (scope: RegistryScope, name: string): DomainError =>
  domainError(
    'RepositoryNotFound',
    `The repository with name '${name}' does not exist in the registry with id '${scope.account}'`,
  );

export function findRepository(state: RegistryState, scope: RegistryScope, name: string): Repository | undefined {
  return state.repos.get(repoKey(scope, name));
}

/**
 * The repository a push writes to: existing, or created on push by a
 * repository creation template (then its RepositoryCreated comes first).
 */
function pushTarget(
  state: RegistryState,
  scope: RegistryScope,
  name: string,
  ctx: DecideContext,
): { repo: Repository | undefined; created: DomainEvent[] } | DomainError {
  const repo = findRepository(state, scope, name);
  if (repo) return { repo, created: [] };
  if (!isRepositoryName(name)) return domainError('InvalidName', `invalid repository name '${name}'`);
  const created = createOnPush(state, scope, name, ctx);
  if (!created) return repositoryNotFound(scope, name);
  return { repo: undefined, created };
}

export function decide(state: RegistryState, command: Command, ctx: DecideContext): Decision {
  switch (command.type) {
    case 'CreateRepository':
    case 'DeleteRepository':
    case 'StartUpload':
    case 'AppendChunk':
    case 'CompleteUpload':
    case 'CancelUpload':
    case 'PushBlob':
    case 'MountBlob':
    case 'PutManifest':
    case 'DeleteTag':
    case 'DeleteImage':
    case 'DeleteBlob':
    case 'RecordPull':
    case 'SetMark':
      return decideCore(state, command, ctx);
    default:
      return decideSettings(state, command, ctx);
  }
}

function decideCore(state: RegistryState, c: CoreCommand, ctx: DecideContext): Decision {
  switch (c.type) {
    case 'CreateRepository': {
      if (!isRepositoryName(c.repository))
        return no(
          domainError(
            'InvalidName',
            c.repository.length < 2 || c.repository.length > 256
              ? `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must have length ${c.repository.length < 2 ? 'greater than or equal to 2' : 'less than or equal to 256'}'`
              : `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '${REPOSITORY_NAME_PATTERN}''`,
          ),
        );
      if (findRepository(state, c.scope, c.repository))
        return no(
          domainError(
            'RepositoryAlreadyExists',
            `The repository with name '${c.repository}' already exists in the registry with id '${c.scope.account}'`,
          ),
        );
      const tags = tagProblem([], c.settings.resourceTags ?? []);
      if (tags) return no(tags);
      const s = { ...defaultRepoSettings(), ...c.settings, resourceTags: mergeTags([], c.settings.resourceTags ?? []) };
      return ok(repositoryCreated(refOf(c.scope, c.repository), s, 'api'));
    }
    case 'DeleteRepository': {
      const repo = findRepository(state, c.scope, c.repository);
      if (!repo) return no(repositoryNotFound(c.scope, c.repository));
      if (repo.images.size > 0 && !c.force)
        return no(
          domainError(
            'RepositoryNotEmpty',
            `The repository with name '${c.repository}' in registry with id '${c.scope.account}' cannot be deleted because it still contains images`,
          ),
        );
      return ok(ev.RepositoryDeleted(refOf(c.scope, c.repository)));
    }
    case 'StartUpload': {
      const target = pushTarget(state, c.scope, c.repository, ctx);
      if ('code' in target) return no(target);
      return ok(...target.created, ev.UploadStarted({ uploadId: c.uploadId, via: c.via, ...refOf(c.scope, c.repository) }));
    }
    case 'AppendChunk': {
      const upload = state.uploads.get(c.uploadId);
      if (!upload) return no(domainError('UploadNotFound', `upload ${c.uploadId} is unknown`));
      if (c.offset !== upload.offset)
        return no(
          domainError('UploadOffsetMismatch', `chunk starts at ${c.offset}, the upload is at ${upload.offset}`, {
            lastValidByteReceived: upload.offset - 1,
          }),
        );
      if (c.length === 0) return ok();
      // ECR UploadLayerPart: every part but the last is at least 5 MiB, so a new
      // part proves the previous one was not the last.
      if (upload.via === 'ecr' && upload.lastPart > 0 && (upload.lastPartLength ?? 0) < MIN_ECR_LAYER_PART)
        return no(
          domainError('LayerPartTooSmall', `Layer part ${upload.lastPart} is ${upload.lastPartLength ?? 0} bytes; parts other than the last must be at least ${MIN_ECR_LAYER_PART} bytes`, {
            lastValidByteReceived: upload.offset - 1,
          }),
        );
      return ok(ev.ChunkAppended({ uploadId: c.uploadId, offset: c.offset, length: c.length, part: c.part }));
    }
    case 'CompleteUpload': {
      const upload = state.uploads.get(c.uploadId);
      if (!upload) return no(domainError('UploadNotFound', `upload ${c.uploadId} is unknown`));
      const events: DomainEvent[] = [];
      if (c.chunk && c.chunk.length > 0) {
        if (c.chunk.offset !== upload.offset)
          return no(domainError('UploadOffsetMismatch', `chunk starts at ${c.chunk.offset}, the upload is at ${upload.offset}`));
        events.push(ev.ChunkAppended({ uploadId: c.uploadId, offset: c.chunk.offset, length: c.chunk.length, part: 0 }));
      }
      const size = upload.offset + (c.chunk?.length ?? 0);
      if (size !== c.size) return no(domainError('DigestMismatch', `the upload holds ${size} bytes, ${c.size} were verified`));
      if (upload.via === 'ecr') {
        // ECR CompleteLayerUpload refuses empty uploads and layers the repository already has.
        if (size === 0) return no(domainError('UploadEmpty', `The upload with id '${c.uploadId}' contains no layer parts`));
        if (state.repos.get(upload.repo)?.blobs.has(c.digest))
          return no(domainError('BlobAlreadyExists', `The layer '${c.digest}' already exists in the repository`));
      }
      events.push(ev.UploadCompleted({ uploadId: c.uploadId, digest: c.digest, size: c.size }));
      return ok(...events);
    }
    case 'CancelUpload': {
      if (!state.uploads.has(c.uploadId)) return no(domainError('UploadNotFound', `upload ${c.uploadId} is unknown`));
      return ok(ev.UploadCancelled({ uploadId: c.uploadId }));
    }
    case 'PushBlob': {
      const target = pushTarget(state, c.scope, c.repository, ctx);
      if ('code' in target) return no(target);
      return ok(
        ...target.created,
        ev.UploadStarted({ uploadId: c.uploadId, via: 'oci', ...refOf(c.scope, c.repository) }),
        ...(c.size > 0 ? [ev.ChunkAppended({ uploadId: c.uploadId, offset: 0, length: c.size, part: 0 })] : []),
        ev.UploadCompleted({ uploadId: c.uploadId, digest: c.digest, size: c.size }),
      );
    }
    case 'MountBlob': {
      const size = state.blobs.get(c.digest);
      if (size === undefined) return no(domainError('BlobNotFound', `blob ${c.digest} is unknown to the registry`));
      if (c.from !== null) {
        const from = findRepository(state, c.scope, c.from);
        if (!from || !from.blobs.has(c.digest))
          return no(domainError('BlobNotFound', `blob ${c.digest} is not in repository ${c.from}`));
      }
      const target = pushTarget(state, c.scope, c.repository, ctx);
      if ('code' in target) return no(target);
      if (target.repo?.blobs.has(c.digest)) return ok();
      return ok(...target.created, ev.BlobMounted({ digest: c.digest, size, from: c.from, ...refOf(c.scope, c.repository) }));
    }
    case 'PutManifest':
      return decidePutManifest(state, c, ctx);
    case 'DeleteTag': {
      const repo = findRepository(state, c.scope, c.repository);
      if (!repo) return no(repositoryNotFound(c.scope, c.repository));
      const digest = repo.tags.get(c.tag);
      if (digest === undefined)
        return no(domainError('ImageNotFound', `Requested image not found: tag '${c.tag}' in repository '${c.repository}'`));
      const events: DomainEvent[] = [ev.TagDeleted({ tag: c.tag, digest, ...refOf(c.scope, c.repository) })];
      if (c.deleteImageIfUntagged) {
        let others = 0;
        for (const d of repo.tags.values()) if (d === digest) others++;
        if (others === 1) events.push(ev.ImageDeleted({ digest, ...refOf(c.scope, c.repository) }));
      }
      return ok(...events);
    }
    case 'DeleteImage': {
      const repo = findRepository(state, c.scope, c.repository);
      if (!repo) return no(repositoryNotFound(c.scope, c.repository));
      if (!repo.images.has(c.digest))
        return no(domainError('ImageNotFound', `Requested image not found: ${c.digest} in repository '${c.repository}'`));
      return ok(ev.ImageDeleted({ digest: c.digest, ...refOf(c.scope, c.repository) }));
    }
    case 'DeleteBlob': {
      const repo = findRepository(state, c.scope, c.repository);
      if (!repo) return no(repositoryNotFound(c.scope, c.repository));
      if (!repo.blobs.has(c.digest))
        return no(domainError('BlobNotFound', `blob ${c.digest} is not in repository ${c.repository}`));
      return ok(ev.BlobDeleted({ digest: c.digest, ...refOf(c.scope, c.repository) }));
    }
    case 'RecordPull': {
      const repo = findRepository(state, c.scope, c.repository);
      if (!repo || !repo.images.has(c.digest)) return ok();
      return ok(ev.ImagePulled({ digest: c.digest, ...refOf(c.scope, c.repository) }));
    }
    case 'SetMark':
      return ok(ev.MarkSet({ name: c.name, at: c.at }));
    default: {
      const never: never = c;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

function decidePutManifest(
  state: RegistryState,
  c: Extract<CoreCommand, { type: 'PutManifest' }>,
  ctx: DecideContext,
): Decision {
  const target = pushTarget(state, c.scope, c.repository, ctx);
  if ('code' in target) return no(target);
  const repo = target.repo;
  const m = c.manifest;
  const missingBlobs = m.blobs.filter((b) => !isForeign(b) && !repo?.blobs.has(b.digest)).map((b) => b.digest);
  if (missingBlobs.length > 0)
    return no(
      domainError('LayersNotFound', `Layers with digests [${missingBlobs.join(', ')}] required for pushing image into repository with name '${c.repository}' in the registry with id '${c.scope.account}' do not exist`, {
        digests: missingBlobs,
      }),
    );
  const missingChildren = m.manifests.filter((d) => !repo?.images.has(d.digest)).map((d) => d.digest);
  if (missingChildren.length > 0)
    return no(
      domainError('ReferencedImagesNotFound', `Manifests with digests [${missingChildren.join(', ')}] referenced by the manifest list do not exist in repository '${c.repository}'`, {
        digests: missingChildren,
      }),
    );
  const ref = refOf(c.scope, c.repository);
  const events: DomainEvent[] = [...target.created];
  const exists = repo?.images.has(c.digest) ?? false;
  const current = c.tag === null ? undefined : repo?.tags.get(c.tag);
  if (exists && (c.tag === null || current === c.digest)) {
    if (c.face === 'ecr')
      return no(
        domainError(
          'ImageAlreadyExists',
          c.tag === null
            ? `Image with digest '${c.digest}' already exists in the repository with name '${c.repository}' in registry with id '${c.scope.account}'`
            : `Image with digest '${c.digest}' and tag '${c.tag}' already exists in the repository with name '${c.repository}' in registry with id '${c.scope.account}'`,
        ),
      );
    return ok();
  }
  if (c.tag !== null && current !== undefined && current !== c.digest) {
    const settings = repo?.settings ?? defaultRepoSettings();
    if (isTagImmutable(settings.imageTagMutability, settings.imageTagMutabilityExclusionFilters, c.tag))
      return no(
        domainError(
          'ImageTagAlreadyExists',
          `The image tag '${c.tag}' already exists in the '${c.repository}' repository and cannot be overwritten because the tag is immutable.`,
        ),
      );
  }
  if (c.tag !== null && current !== c.digest && repo) {
    let tags = 0;
    for (const d of repo.tags.values()) if (d === c.digest) tags++;
    if (tags >= MAX_TAGS_PER_IMAGE)
      return no(
        domainError(
          'ImageTagLimitExceeded',
          `Adding tag '${c.tag}' to an image in the repository with name '${c.repository}' in registry with id '${c.scope.account}' exceeds the maximum allowed number of tags per image which is '${MAX_TAGS_PER_IMAGE}'`,
        ),
      );
  }
  if (!exists) {
    const size = m.isIndex ? c.bytes.byteLength : m.blobs.reduce((sum, b) => sum + b.size, 0);
    events.push(
      ev.ManifestPut({
        digest: c.digest,
        mediaType: m.mediaType,
        bytes: c.bytes,
        size,
        blobs: m.blobs.map((b) => b.digest),
        manifests: m.manifests.map((d) => d.digest),
        subject: m.subject?.digest ?? null,
        artifactType: m.artifactType ?? m.config?.mediaType ?? null,
        configMediaType: m.config?.mediaType ?? null,
        ...ref,
      }),
    );
  }
  if (c.tag !== null && current !== c.digest)
    events.push(ev.TagPut({ tag: c.tag, digest: c.digest, previous: current ?? null, ...ref }));
  return ok(...events);
}
