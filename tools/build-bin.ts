/**
 * Part of `npm run build`: bundles the command line (src/cli.ts) with esbuild into
 * dist/bin/, which the `ecr-rewind` bin (tools/ecr-rewind.js) runs. The library
 * (`import ... from 'ecr-rewind'`) stays the module-per-file output of tsc in dist/.
 *
 * Why a bundle: a start of `ecr-rewind serve` from tsc's output loads ~400 ES modules
 * and ~50 CommonJS files, and Node's loader (resolve, read, translate, link each one)
 * was most of its start-up time. One file per chunk costs a fraction of that.
 *
 * - `splitting`: each dynamic `import()` of the sources (the tools' commands, the ECR
 *   operations and their zod schemas, the inspector's bundler, ...) stays a chunk of its
 *   own, loaded when first used, so that the server's start does not parse it.
 * - JSON files (mime-db, through koa) are emitted as `JSON.parse('...')`: V8 parses a JSON
 *   string much faster than the same object written as a JavaScript literal.
 * - Left outside, for Node's loader: what is loaded with `createRequire` only on a terminal
 *   (pino-pretty, cli-progress), esbuild itself (a development dependency, used only from
 *   sources), and the ASN.1 libraries of the signing certificates (loaded on first use; their
 *   re-exports through tslib do not survive esbuild's CommonJS interop:
 *   `x509.AlgorithmIdentifier is not a constructor`, test/cli/serve-first-requests.test.ts).
 * - `require` for the CommonJS dependencies inside an ES module bundle comes from
 *   `createRequire` (the banner); `import.meta.url` of every chunk is dist/bin/, two
 *   folders below package.json as src/support/version.ts expects.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(process.argv[2] ?? join(root, 'dist'), 'bin');

const jsonAsParse: Plugin = {
  name: 'json-as-parse',
  setup(b) {
    b.onLoad({ filter: /\.json$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      return { contents: `module.exports = JSON.parse(${JSON.stringify(JSON.stringify(JSON.parse(text)))});`, loader: 'js' };
    });
  },
};

/**
 * koa needs mime-types 3 (and its mime-db), accepts 1.3 brings mime-types 2 with a second copy
 * of mime-db; both load at start-up (~200 KiB of JSON, and the tables built from it). accepts
 * asks mime-types only to turn a short name (`json`, `html`) into a type; the faces pass full
 * media types to `ctx.accepts`, so one copy (koa's) serves both.
 */
const oneMimeTypes: Plugin = {
  name: 'one-mime-types',
  setup(b) {
    b.onResolve({ filter: /^mime-types$/ }, async (args) => {
      if (!/[\\/]accepts[\\/]/.test(args.importer) || args.pluginData === 'top') return undefined;
      const top = await b.resolve('mime-types', { kind: args.kind, resolveDir: root, pluginData: 'top' });
      return { path: top.path };
    });
  },
};

await rm(out, { recursive: true, force: true });
const result = await build({
  entryPoints: { cli: join(root, 'src', 'cli.ts') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: out,
  external: ['pino-pretty', 'cli-progress', 'esbuild', '@peculiar/asn1-schema', '@peculiar/asn1-x509'],
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  plugins: [jsonAsParse, oneMimeTypes],
  metafile: true,
  logLevel: 'warning',
  legalComments: 'eof',
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`bin bundle: ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} KiB -> ${out}`);
