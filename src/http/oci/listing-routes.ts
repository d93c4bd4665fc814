/**
 * Read-only listings: end-8a/b tags, GET /v2/_catalog, end-12 referrers.
 * Pages are linked with `Link: <...?n=N&last=L>; rel="next"`.
 */
import { findRepository } from '../../queries/repository.ts';
import { MEDIA_TYPES } from '../../domain/manifest.ts';
import { listRepositories } from '../../queries/oci-catalog.ts';
import type { Page, PageRequest } from '../../queries/oci-page.ts';
import { listReferrers } from '../../queries/oci-referrers.ts';
import { listTags } from '../../queries/oci-tags.ts';
import type { FaceDeps } from '../face-deps.ts';
import type { OciContext, OciRouter } from './oci-context.ts';
import { OciError } from './oci-error.ts';
import { getRepository } from '../../queries/repository.ts';

const single = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

function pageRequest(ctx: OciContext): PageRequest {
  const nText = single(ctx.query.n);
  const last = single(ctx.query.last);
  const req: PageRequest = {};
  if (nText !== undefined && nText !== '') {
    const n = Number(nText);
    if (!/^\d+$/.test(nText) || !Number.isSafeInteger(n))
      throw new OciError(400, 'UNSUPPORTED', `n must be a non-negative integer, got '${nText.slice(0, 50)}'`);
    req.n = n;
  }
  if (last !== undefined && last !== '') req.last = last;
  return req;
}

function linkNext(ctx: OciContext, path: string, result: Page, n: number): void {
  if (result.next === undefined) return;
  ctx.set('Link', `<${path}?n=${n}&last=${encodeURIComponent(result.next)}>; rel="next"`);
}

export function registerListingRoutes(router: OciRouter, deps: FaceDeps): void {
  const { engine } = deps;

  router.get('/_catalog', (ctx) => {
    const req = pageRequest(ctx);
    const result = listRepositories(engine.state, ctx.state.scope, req);
    linkNext(ctx, '/v2/_catalog', result, req.n ?? result.items.length);
    ctx.body = { repositories: result.items };
  });

  router.get('/*name/tags/list', (ctx) => {
    const repo = getRepository(engine.state, ctx.state.scope, ctx.params.name ?? '');
    const req = pageRequest(ctx);
    const result = listTags(repo, req);
    linkNext(ctx, `/v2/${repo.name}/tags/list`, result, req.n ?? result.items.length);
    ctx.body = { name: repo.name, tags: result.items };
  });

  router.get('/*name/referrers/:digest', (ctx) => {
    const name = ctx.params.name ?? '';
    const repo = findRepository(engine.state, ctx.state.scope, name);
    const artifactType = single(ctx.query.artifactType);
    const filter = artifactType === undefined || artifactType === '' ? undefined : artifactType;
    const index = listReferrers(repo, ctx.params.digest ?? '', filter);
    if (filter !== undefined) ctx.set('OCI-Filters-Applied', 'artifactType');
    ctx.type = MEDIA_TYPES.ociIndex;
    ctx.body = JSON.stringify(index);
  });
}
