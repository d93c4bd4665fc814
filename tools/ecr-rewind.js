#!/usr/bin/env node
// The `ecr-rewind` bin: runs the compiled command line in dist/ (`npm run build`; an
// install of the package, from the registry, a git URL or a folder, builds it through
// `prepare`). No TypeScript loader is involved, so a start costs only what it loads.
let cli;
try {
  cli = await import('../dist/cli.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist')) throw err;
  process.stderr.write('ecr-rewind: the compiled code (dist/) is missing: run `npm run build` in the package folder\n');
  process.exit(1);
}
await cli.main(process.argv);
