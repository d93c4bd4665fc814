/**
 * end-3 (GET/HEAD a manifest by tag or digest), end-7 (PUT), end-9 (DELETE).
 * A manifest is kept and served byte for byte; its digest is the sha256 (or, pushed by a sha512 digest, the sha512) of
 * exactly the bytes received.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DomainFailure } from '../../domain/errors.ts';
import { parseManifest } from '../../domain/manifest.ts';
import { digestAlgorithm, isTag } from '../../domain/names.ts';
import type { FaceDeps } from '../face-deps.ts';
import { BodyError, readBody } from '../request-body.ts';
import { negotiate } from './content-negotiation.ts';
import { repoPath, type OciHandler, type OciRouter } from './oci-context.ts';
import { OciError } from './oci-error.ts';
import type { RegistryScope } from '../../domain/scope.ts';
import type { Image, Repository } from '../../domain/state.ts';
import { createPullConversions } from '../pull-conversions.ts';
import { createPullRecorder } from '../pull-recorder.ts';
import { getRepository } from '../../queries/repository.ts';
import { parseReference } from './validate-params.ts';

/** The largest manifest accepted (ECR and distribution both stop at 4 MiB). */
export const MANIFEST_LIMIT = 4 * 1024 * 1024;

type Served = { mediaType: string; digest: string; bytes: Uint8Array };

/** "Archived images cannot be pulled" (ECR user guide, "Archiving an image"): a 404 until UpdateImageStorageClass restores them. */
function refuseArchived(image: Image, stored: Image, reference: string): void {
  if (image.storageClass === 'ARCHIVE' || stored.storageClass === 'ARCHIVE')
    throw new OciError(
      404,
      'MANIFEST_UNKNOWN',
      `manifest unknown: the image ${image.digest} is archived; restore it (UpdateImageStorageClass to STANDARD) to pull it`,
      { reference },
    );
}

/**
 * What a GET of `reference` serves: the stored manifest, one converted for the Accept header, or an
 * earlier conversion. Only a conversion is waited for: a pull of the stored bytes takes no extra turn.
 */
function chooseManifest(
  repo: Repository,
  ref: ReturnType<typeof parseReference>,
  reference: string,
  accept: string,
  conversions: ReturnType<typeof createPullConversions>,
): { served: Served | Promise<Served>; pulled: Image | undefined } {
  const digest = ref.digest ?? repo.tags.get(ref.tag) ?? '';
  const stored = repo.images.get(digest);
  // a manifest converted on an earlier pull by tag is found by its own digest
  const earlier = stored || ref.digest === null ? undefined : conversions.byDigest(repo, ref.digest);
  if (earlier) return { served: earlier, pulled: undefined };
  if (!stored) throw new OciError(404, 'MANIFEST_UNKNOWN', `manifest unknown: ${reference}`, { reference });
  const chosen = negotiate(repo, stored, accept, ref.tag !== null);
  if (!chosen.ok) throw new OciError(404, 'MANIFEST_UNKNOWN', chosen.message, { reference });
  refuseArchived(chosen.image, stored, reference);
  const served = chosen.convert ? conversions.convert(repo, chosen.image, chosen.convert, ref.tag ?? '', chosen.schema1Type) : chosen.image;
  return { served, pulled: chosen.image };
}

/**
 * The image a GET of `reference` serves as it is stored, when that is all the request needs (the
 * front lane answers it: front-lane.ts); undefined when the request needs more than that: a
 * conversion, an earlier conversion, a refusal (no such manifest, archived, not acceptable).
 * What chooseManifest serves in that case too.
 */
export function storedManifest(repo: Repository, ref: ReturnType<typeof parseReference>, accept: string): Image | undefined {
  const stored = repo.images.get(ref.digest ?? repo.tags.get(ref.tag) ?? '');
  if (!stored) return undefined;
  const chosen = negotiate(repo, stored, accept, ref.tag !== null);
  if (!chosen.ok || chosen.convert || chosen.image.storageClass === 'ARCHIVE' || stored.storageClass === 'ARCHIVE') return undefined;
  return chosen.image;
}

/** The handlers of the routes a pull or push repeats most, for the hot lane (hot-routes.ts) too. */
export interface ManifestHandlers {
  get: OciHandler;
  put: OciHandler;
}

export function registerManifestRoutes(router: OciRouter, deps: FaceDeps): ManifestHandlers {
  const { engine } = deps;
  const get = manifestGet(deps);
  router.get('/*name/manifests/:reference', get);
  const put = manifestPut(deps);
  router.put('/*name/manifests/:reference', put);

  router.delete('/*name/manifests/:reference', async (ctx) => {
    const ref = parseReference(ctx.params.reference ?? '');
    const scope = ctx.state.scope;
    const repository = ctx.params.name ?? '';
    if (ref.digest !== null) await engine.execute({ type: 'DeleteImage', scope, repository, digest: ref.digest });
    else await engine.execute({ type: 'DeleteTag', scope, repository, tag: ref.tag, deleteImageIfUntagged: false });
    ctx.status = 202;
    ctx.body = '';
  });
  return { get, put };
}

/** end-3: GET (and HEAD) of a manifest by tag or digest. */
function manifestGet(deps: FaceDeps): OciHandler {
  const { engine } = deps;
  const recordPull = createPullRecorder(engine, deps.clock, deps.log);
  const conversions = createPullConversions(deps);
  return async (ctx) => {
    const reference = ctx.params.reference ?? '';
    // an image a pull through cache rule covers and the registry does not hold: served as fetched
    const fetching = deps.pullThrough?.manifest(ctx.state.scope, ctx.params.name ?? '', reference);
    const fetched = fetching === undefined ? undefined : await fetching;
    if (fetched) {
      ctx.status = 200;
      ctx.type = fetched.mediaType;
      ctx.set('Docker-Content-Digest', fetched.digest);
      ctx.set('ETag', `"${fetched.digest}"`);
      if (ctx.method === 'HEAD') {
        ctx.body = '';
        ctx.length = fetched.bytes.byteLength;
      } else ctx.body = fetched.bytes;
      return;
    }
    const repo = getRepository(engine.state, ctx.state.scope, ctx.params.name ?? '');
    const ref = parseReference(reference);
    const chosen = chooseManifest(repo, ref, reference, ctx.get('accept'), conversions);
    const served = chosen.served instanceof Promise ? await chosen.served : chosen.served;
    const pulled = chosen.pulled;
    ctx.status = 200;
    ctx.type = served.mediaType;
    ctx.set('Docker-Content-Digest', served.digest);
    ctx.set('ETag', `"${served.digest}"`);
    if (ctx.method === 'HEAD') {
      ctx.body = '';
      ctx.length = served.bytes.byteLength;
      return;
    }
    ctx.body = Buffer.from(served.bytes.buffer, served.bytes.byteOffset, served.bytes.byteLength);
    if (pulled) recordPull(ctx.state.scope, repo.name, pulled);
  };
}

/** end-7: PUT of a manifest, by tag or by digest (with `?tag=` for more tags). */
function manifestPut(deps: FaceDeps): OciHandler {
  const store = manifestStore(deps);
  return async (ctx) => {
    const name = ctx.params.name ?? '';
    const ref = parseReference(ctx.params.reference ?? '');
    // A PUT by digest may name tags too (`?tag=a&tag=b`); each is applied after the
    // manifest and listed in an OCI-Tag header. A PUT by tag ignores them.
    const raw = ref.digest === null ? undefined : ctx.query.tag;
    const extraTags = raw === undefined ? [] : [...new Set(Array.isArray(raw) ? raw : [raw])];
    for (const tag of extraTags) if (!isTag(tag)) throw new OciError(400, 'TAG_INVALID', `invalid tag '${tag.slice(0, 200)}'`);
    const stored = await store(ctx.req, ctx.state.scope, name, ref, extraTags);
    for (const tag of extraTags) ctx.append('OCI-Tag', tag);
    ctx.status = 201;
    ctx.set('Location', `${repoPath(name)}/manifests/${stored.digest}`);
    ctx.set('Docker-Content-Digest', stored.digest);
    if (stored.subject !== undefined) ctx.set('OCI-Subject', stored.subject);
    ctx.body = '';
  };
}

/** What a PUT of a manifest stored: its digest, and the digest of its subject (if it has one). */
export interface StoredManifest {
  digest: string;
  subject: string | undefined;
}

/**
 * end-7 after the path's checks: reads the manifest from `req`, checks it and puts it (tagged with
 * the reference's tag and `extraTags`); throws what the request is refused with. Koa's route and the
 * front lane (front-lane.ts) both store a manifest through this.
 */
export function manifestStore(
  deps: FaceDeps,
): (
  req: IncomingMessage,
  scope: RegistryScope,
  name: string,
  ref: ReturnType<typeof parseReference>,
  extraTags: readonly string[],
) => Promise<StoredManifest> {
  const { engine } = deps;
  return async (req, scope, name, ref, extraTags) => {
    let bytes: Buffer;
    try {
      bytes = await readBody(req, MANIFEST_LIMIT, { timeoutMs: deps.limits.bodyTimeoutMs });
    } catch (err) {
      if (err instanceof BodyError && err.kind === 'too-large')
        throw new OciError(413, 'MANIFEST_INVALID', `manifest exceeds the limit of ${MANIFEST_LIMIT} bytes`);
      throw err;
    }
    // by digest: that digest's algorithm (sha256 or sha512); by tag: sha256, the canonical one
    const algorithm = ref.digest === null ? 'sha256' : digestAlgorithm(ref.digest);
    const digest = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
    if (ref.digest !== null && ref.digest !== digest)
      throw new OciError(400, 'DIGEST_INVALID', `the manifest's digest is ${digest}, not ${ref.digest}`, { digest: ref.digest });
    const parsed = parseManifest(bytes, req.headers['content-type'] || undefined);
    if (!parsed.ok) throw new OciError(400, 'MANIFEST_INVALID', `manifest invalid: ${parsed.message}`);
    for (const tag of [ref.tag, ...extraTags]) {
      try {
        await engine.execute({ type: 'PutManifest', scope, repository: name, digest, bytes, manifest: parsed.manifest, tag, via: 'oci' });
      } catch (err) {
        if (err instanceof DomainFailure && err.error.code === 'ImageTagAlreadyExists')
          throw new OciError(
            400,
            'TAG_INVALID',
            `tag invalid: The image tag '${tag}' already exists in the '${name}' repository and cannot be overwritten because the repository is immutable.`,
          );
        throw err;
      }
    }
    return { digest, subject: parsed.manifest.subject?.digest };
  };
}
