// Where the code finds its own files (src/support/module-file.ts) in the three forms it runs in:
// the sources under tsx, the ES module build (dist/) and the CommonJS build the bin runs
// (dist/cjs/). The builds are checked in node processes of their own, as they are loaded.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { callerFile, packageJsonAbove } from '../../src/support/module-file.ts';
import { packageVersion } from '../../src/support/version.ts';
import { run } from '../../src/testkit/commands.ts';
import { assertBuilt, ROOT } from '../support/bin.ts';

const version = async (): Promise<string> =>
  (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

test('from the sources: the calling file, and the package.json above it', async (t) => {
  t.is(callerFile(), fileURLToPath(import.meta.url));
  t.is(packageJsonAbove(callerFile()), join(ROOT, 'package.json'));
  t.is(packageVersion(), await version());
});

test('a folder with a package.json that has no name is passed over', (t) => {
  t.is(packageJsonAbove(join(ROOT, 'dist', 'cjs', 'support', 'module-file.js')), join(ROOT, 'package.json'));
  t.throws(() => packageJsonAbove('/no-such-folder/x.js'), { message: /no package\.json with a name above/ });
});

for (const [build, load] of [
  ['ES module build', (file: string) => `import(${JSON.stringify(join(ROOT, 'dist', file))})`],
  ['CommonJS build', (file: string) => `Promise.resolve(require(${JSON.stringify(join(ROOT, 'dist', 'cjs', file))}))`],
] as const) {
  test(`the ${build}: its version and its built page`, async (t) => {
    assertBuilt();
    const script = `
      Promise.all([${load('support/version.js')}, ${load('ui/ui-bundle.js')}])
        .then(async ([v, ui]) => {
          const assets = await ui.uiAssets();
          console.log(JSON.stringify({ version: v.packageVersion(), appJs: assets['app.js'].length }));
        });`;
    const r = await run(process.execPath, ['-e', script], { cwd: ROOT, timeoutMs: 30_000 });
    t.is(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { version: string; appJs: number };
    t.is(out.version, await version());
    const dir = build === 'CommonJS build' ? join(ROOT, 'dist', 'cjs') : join(ROOT, 'dist');
    t.is(out.appJs, (await readFile(join(dir, 'ui', 'static', 'app.js'))).length);
  });
}
