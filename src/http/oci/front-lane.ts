/**
 * The /v2 front lane: GET and HEAD of a manifest the registry holds and serves as it is stored (what
 * every `docker pull` asks first), answered at node:http's 'request', before Koa builds a context.
 *
 * It answers only what it can answer whole, and hands every other request to Koa untouched (nothing
 * read, nothing written, nothing started): another method or route, a path with anything but the
 * characters of names, tags and digests (a query, a percent sign), credentials auth refuses, a name or
 * reference the router's checks refuse, a repository a pull through cache rule covers or a fetch
 * runs for, a manifest that is missing, archived, converted for the Accept header or not acceptable,
 * a media type Koa has not written yet. Koa then answers it, its errors included, exactly as before.
 *
 * The answer is the one the router's route and Koa give (test/oci/front-lane.test.ts compares the
 * bytes): status, the headers in Koa's order (Node adds Date, Connection and Keep-Alive after them,
 * as for Koa), the body; the pull is recorded; the request log's line is written as for Koa's requests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KnownContentType } from '../content-types.ts';
import type { FaceDeps } from '../face-deps.ts';
import { createPullRecorder } from '../pull-recorder.ts';
import { watchRequest } from '../request-log.ts';
import { findRepository } from '../../queries/repository.ts';
import { API_VERSION_HEADER } from './error-middleware.ts';
import { hotPath } from './hot-routes.ts';
import { storedManifest } from './manifest-routes.ts';
import { assertName, assertReference, parseReference } from './validate-params.ts';

/** Answers the request and says true, or says false and leaves it to Koa. */
export type FrontLane = (req: IncomingMessage, res: ServerResponse) => boolean;

/** `/v2/<name>/manifests/<reference>` spelled only with the characters of names, tags and digests. */
const PLAIN_MANIFEST_PATH = /^\/v2\/[a-z0-9._/-]+\/manifests\/[A-Za-z0-9._:-]+$/;

export function ociFrontLane(deps: FaceDeps, knownType: KnownContentType): FrontLane {
  const { engine, auth, log } = deps;
  const level = deps.config.logRequests;
  const recordPull = createPullRecorder(engine, deps.clock, log);
  return (req, res) => {
    const method = req.method;
    const path = req.url;
    if ((method !== 'GET' && method !== 'HEAD') || path === undefined || !PLAIN_MANIFEST_PATH.test(path)) return false;
    const hot = hotPath(method, path);
    if (hot?.route !== 'manifest') return false;
    const { name, last: reference } = hot;
    const authorized = auth.authenticate(req.headers.authorization || undefined);
    if (!authorized.ok || !valid(name, reference, method)) return false;
    const scope = authorized.scope;
    if (deps.pullThrough?.mayFetch(scope, name, reference)) return false;
    const repo = findRepository(engine.state, scope, name);
    const image = repo && storedManifest(repo, parseReference(reference), req.headers.accept || '');
    const type = image && knownType(image.mediaType);
    if (repo === undefined || image === undefined || type === undefined) return false;
    const bytes = image.bytes;
    if (log.isLevelEnabled(level))
      watchRequest(log, level, {
        method,
        path,
        req,
        res,
        status: () => res.statusCode,
        length: () => bytes.byteLength,
        name: () => name,
      });
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
