/**
 * The last step of `npm run build`, after tsc has compiled dist/ (ES modules) and dist/cjs/
 * (the CommonJS build the bin runs, tsconfig.cjs.json): marks dist/cjs/ as CommonJS (the
 * package itself is `"type": "module"`), and bundles the inspector page (src/ui/page/) into
 * ui/static/ of each build, where its compiled src/ui/ui-bundle.js finds it.
 *
 *   tsx tools/finish-build.ts [dist]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleUi } from '../src/ui/ui-bundle.ts';

const dist = process.argv[2] ?? 'dist';
await writeFile(join(dist, 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
const assets = await bundleUi();
for (const build of [dist, join(dist, 'cjs')]) {
  const out = join(build, 'ui', 'static');
  await mkdir(out, { recursive: true });
  for (const [name, bytes] of Object.entries(assets)) await writeFile(join(out, name), bytes);
}
console.log(
  `ui bundle: ${Object.entries(assets)
    .map(([n, b]) => `${n} ${(b.length / 1024).toFixed(1)} KiB`)
    .join(', ')} -> ${dist}/ui/static, ${dist}/cjs/ui/static`,
);
