#!/usr/bin/env node
// The `ecr-rewind` bin: runs the compiled command line, bundled in dist/bin/ (`npm run
// build`, tools/build-bin.ts; an install of the package, from the registry, a git URL or a
// folder, builds it through `prepare`). No TypeScript loader is involved, and one bundle
// (split where the sources load code lazily) spares Node's loader ~450 files at start-up.
let cli;
try {
  cli = await import('../dist/bin/cli.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist')) throw err;
  process.stderr.write('ecr-rewind: the compiled code (dist/) is missing: run `npm run build` in the package folder\n');
  process.exit(1);
}
await cli.main(process.argv);
