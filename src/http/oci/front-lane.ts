/**
 * The /v2 front lane: GET and HEAD of a manifest the registry holds and serves as it is stored (what
 * every `docker pull` asks first), and PUT of a manifest by tag or digest (every `docker push`),
 * answered at node:http's 'request', before Koa builds a context.
 *
 * It takes only what it can answer whole, and hands every other request to Koa untouched (nothing
 * read, nothing written, nothing started): another method or route, a path with anything but the
 * characters of names, tags and digests (a query, a percent sign), credentials auth refuses, a name or
 * reference the router's checks refuse; for a GET or HEAD also a repository a pull through cache rule
 * covers or a fetch runs for, a manifest that is missing, archived, converted for the Accept header
 * or not acceptable, a media type Koa has not written yet. Koa then answers it, its errors included,
 * exactly as before. A PUT it takes is answered by it whatever happens once its body is read: with
 * the route's code (manifest-routes.ts manifestStore) and the error middleware's errors
 * (error-middleware.ts ociErrorOf).
 *
 * The answer is the one the router's route and Koa give (test/oci/front-lane.test.ts compares the
 * bytes): status, the headers in Koa's order (Node adds Date, Connection and Keep-Alive after them,
 * as for Koa), the body; the pull is recorded; the request log's line is written as for Koa's requests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RegistryScope } from '../../domain/scope.ts';
import type { KnownContentType } from '../content-types.ts';
import type { FaceDeps } from '../face-deps.ts';
import { createPullRecorder } from '../pull-recorder.ts';
import { watchRequest } from '../request-log.ts';
import { findRepository } from '../../queries/repository.ts';
import { API_VERSION_HEADER, ociErrorOf } from './error-middleware.ts';
import { hotPath } from './hot-routes.ts';
import { manifestStore, storedManifest } from './manifest-routes.ts';
import { repoPath } from './oci-context.ts';
import { ociErrorBody } from './oci-error.ts';
import { assertName, assertReference, parseReference } from './validate-params.ts';

/** Answers the request and says true, or says false and leaves it to Koa. */
export type FrontLane = (req: IncomingMessage, res: ServerResponse) => boolean;

/** What Koa writes for `ctx.body = ''` and for a JSON body (json-bodies.ts). */
const TEXT_TYPE = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

/** `/v2/<name>/manifests/<reference>` spelled only with the characters of names, tags and digests. */
const PLAIN_MANIFEST_PATH = /^\/v2\/[a-z0-9._/-]+\/manifests\/[A-Za-z0-9._:-]+$/;

export function ociFrontLane(deps: FaceDeps, knownType: KnownContentType): FrontLane {
  const { engine, auth, log } = deps;
  const level = deps.config.logRequests;
  const recordPull = createPullRecorder(engine, deps.clock, log);
  const put = putLane(deps);
  return (req, res) => {
    const method = req.method;
    const path = req.url;
    if ((method !== 'GET' && method !== 'HEAD' && method !== 'PUT') || path === undefined || !PLAIN_MANIFEST_PATH.test(path)) return false;
    const hot = hotPath(method, path);
    if (hot?.route !== 'manifest') return false;
    const { name, last: reference } = hot;
    const authorized = auth.authenticate(req.headers.authorization || undefined);
    if (!authorized.ok || !valid(name, reference, method)) return false;
    const scope = authorized.scope;
    if (method === 'PUT') return put(req, res, path, [scope, name, reference]);
    if (deps.pullThrough?.mayFetch(scope, name, reference)) return false;
    const repo = findRepository(engine.state, scope, name);
    const image = repo && storedManifest(repo, parseReference(reference), req.headers.accept || '');
    const type = image && knownType(image.mediaType);
    if (repo === undefined || image === undefined || type === undefined) return false;
    const bytes = image.bytes;
    if (log.isLevelEnabled(level)) watch(deps, req, res, method, path, name, () => bytes.byteLength);
    const digest = image.digest;
    res.writeHead(200, [
      API_VERSION_HEADER,
      'registry/2.0',
      'Content-Type',
      type,
      'Docker-Content-Digest',
      digest,
      'ETag',
      `"${digest}"`,
      'Content-Length',
      String(bytes.byteLength),
    ]);
    if (method === 'HEAD') res.end();
    else {
      recordPull(scope, repo.name, image);
      res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
    return true;
  };
}

/** The request's log line, as the request log middleware writes it for Koa's requests. */
function watch(
  deps: FaceDeps,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  path: string,
  name: string,
  length: () => number | undefined,
) {
  watchRequest(deps.log, deps.config.logRequests, { method, path, req, res, status: () => res.statusCode, length, name: () => name });
}

/** A PUT of a manifest (by tag, or by digest without `?tag=`): 201, or the error it is refused with. */
function putLane(deps: FaceDeps) {
  const { log } = deps;
  const level = deps.config.logRequests;
  const store = manifestStore(deps);
  /** Answers; says the length of the body it wrote. */
  const answer = async (req: IncomingMessage, res: ServerResponse, path: string, put: [RegistryScope, string, string]): Promise<number> => {
    const [scope, name, reference] = put;
    let status = 201;
    let headers: string[];
    let body = '';
    try {
      const stored = await store(req, scope, name, parseReference(reference), []);
      headers = [API_VERSION_HEADER, 'registry/2.0', 'Location', `${repoPath(name)}/manifests/${stored.digest}`];
      headers.push('Docker-Content-Digest', stored.digest);
      if (stored.subject !== undefined) headers.push('OCI-Subject', stored.subject);
      headers.push('Content-Type', TEXT_TYPE, 'Content-Length', '0');
    } catch (err) {
      const e = ociErrorOf(log, req, 'PUT', path, err);
      status = e.status;
      body = JSON.stringify(ociErrorBody(e.code, e.message, e.detail));
      headers = [API_VERSION_HEADER, 'registry/2.0', ...Object.entries(e.headers).flat()];
      headers.push('Content-Type', JSON_TYPE, 'Content-Length', String(Buffer.byteLength(body)));
    }
    res.writeHead(status, headers);
    res.end(body);
    return Buffer.byteLength(body);
  };
  return (req: IncomingMessage, res: ServerResponse, path: string, put: [RegistryScope, string, string]): true => {
    let length: number | undefined;
    if (log.isLevelEnabled(level)) watch(deps, req, res, 'PUT', path, put[1], () => length);
    answer(req, res, path, put).then(
      (n) => {
        length = n;
      },
      (err: unknown) => {
        log.error({ err, path }, 'unhandled request error');
        res.destroy();
      },
    );
    return true;
  };
}

/** The router's checks of the name and the reference (they throw what the router would answer). */
function valid(name: string, reference: string, method: string): boolean {
  try {
    assertName(name);
    assertReference(reference, method);
    return true;
  } catch {
    return false;
  }
}
