/**
 * GET /_rewind/ui: the timeline inspector page, served from the package's own
 * files (src/ui/ui-bundle.ts): no CDN, nothing fetched from the network.
 */
import type Router from '@koa/router';
import { uiAssets, type UiAssets } from '../../ui/ui-bundle.ts';
import type { FaceDeps } from '../face-deps.ts';

const TYPES: Record<keyof UiAssets, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

export function addUiRoutes(router: Router, deps: FaceDeps): void {
  const send = (name: keyof UiAssets) => async (ctx: Parameters<Parameters<Router['get']>[1]>[0]) => {
    let files: UiAssets;
    try {
      files = await uiAssets();
    } catch (err) {
      deps.log.error({ err }, 'the inspector page could not be bundled');
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = 'The inspector page is not built: run `npm run build` (or install the development dependencies to bundle it on demand).\n';
      return;
    }
    ctx.type = TYPES[name];
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('Content-Security-Policy', "default-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'");
    ctx.body = files[name];
  };
  router.get('/ui', send('index.html'));
  router.get('/ui/', send('index.html'));
  router.get('/ui/app.js', send('app.js'));
  router.get('/ui/app.css', send('app.css'));
}
