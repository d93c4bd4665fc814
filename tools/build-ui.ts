/**
 * Part of `npm run build`: bundles the inspector page (src/ui/page/) into
 * dist/ui/static/, where the compiled src/ui/ui-bundle.js finds it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleUi } from '../src/ui/ui-bundle.ts';

const out = join(process.argv[2] ?? 'dist', 'ui', 'static');
await mkdir(out, { recursive: true });
const assets = await bundleUi();
for (const [name, bytes] of Object.entries(assets)) await writeFile(join(out, name), bytes);
console.log(
  `ui bundle: ${Object.entries(assets)
    .map(([n, b]) => `${n} ${(b.length / 1024).toFixed(1)} KiB`)
    .join(', ')} -> ${out}`,
);
