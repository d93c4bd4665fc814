/**
 * The inspector page's files (index.html, app.js, app.css) as the server sends them.
 *
 * `npm run build` bundles src/ui/page/ with esbuild into <build>/ui/static/ beside each
 * compiled copy of this file (tools/finish-build.ts), and that is what an installed package
 * serves. Run from sources (tsx: `npx ecr-rewind serve` in a clone, `npm test`) there is
 * no static/ folder next to this file, and the page is bundled in memory on the first
 * request, once per process (~100 ms; esbuild is a development dependency).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { callerFile } from '../support/module-file.ts';

export interface UiAssets {
  'index.html': Buffer;
  'app.js': Buffer;
  'app.css': Buffer;
}

const here = dirname(callerFile());
const pageDir = join(here, 'page/');
const staticDir = join(here, 'static/');

/** Bundles the page (esbuild): app.js and app.css, minified, no source maps. */
export async function bundleUi(): Promise<UiAssets> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [`${pageDir}main.tsx`],
    bundle: true,
    write: false,
    minify: process.env.ECR_REWIND_UI_DEBUG !== '1',
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: 'out',
    entryNames: 'app',
    logLevel: 'silent',
    legalComments: 'none',
  });
  const file = (suffix: string): Buffer => {
    const f = out.outputFiles.find((o) => o.path.endsWith(suffix));
    if (!f) throw new Error(`the ui bundle has no ${suffix}`);
    return Buffer.from(f.contents);
  };
  return { 'index.html': await readFile(`${pageDir}index.html`), 'app.js': file('app.js'), 'app.css': file('app.css') };
}

let assets: Promise<UiAssets> | undefined;

/** The page's files: the built ones when the package was built, else bundled now (once). */
export function uiAssets(): Promise<UiAssets> {
  assets ??= (async () => {
    if (existsSync(`${staticDir}app.js`)) {
      const read = (name: string) => readFile(`${staticDir}${name}`);
      return { 'index.html': await read('index.html'), 'app.js': await read('app.js'), 'app.css': await read('app.css') };
    }
    return bundleUi();
  })();
  assets.catch(() => {
    assets = undefined; // a failed bundle is tried again on the next request
  });
  return assets;
}
