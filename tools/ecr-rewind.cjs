#!/usr/bin/env -S node --initial-old-space-size=64
// --initial-old-space-size=64: V8 counts the external bytes allocated since its last full
// collection (node:http copies every fragment of a request body into a fresh ArrayBuffer, 16 MiB
// per 16 MiB push) against the old generation's limit, and a small heap leaves that limit only
// ~8 MB of headroom: pushes then set off back-to-back full collections (31 in a bench run, 2 with
// the flag; ~25% of the server's CPU per push). The flag raises only the limit's floor: a heap
// past 64 MB is unaffected. It must be given to node at start (NODE_OPTIONS refuses it, and
// v8.setFlagsFromString comes too late), hence here; `env -S` splits the line (coreutils 8.30+).
// The `ecr-rewind` bin: runs the command line's CommonJS build, dist/cjs/cli/main.js
// (`npm run build`; an install of the package, from the registry, a git URL or a folder,
// builds it through `prepare`). No TypeScript loader is involved, so a start costs only
// what it loads, and Node 20 loads the ~270 modules of a start about 100 ms sooner as
// CommonJS than as ES modules (src/cli/main.ts). The bin itself is CommonJS too (.cjs in this
// ES module package): as an ES module it would load Node's ES module loader first (~1% of a start).

// msgpackr's CommonJS entry loads its optional native string decoder (msgpackr-extract); its ES
// module entry, which the library build and the tests use, does not. The bin decodes as they do:
// journal replay measured no faster with the native decoder, and loading it costs a start ~1%.
process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= 'true';

let cli;
try {
  // V8's code cache of the modules a start loads, kept between starts (src/cli/compile-cache.ts)
  require('../dist/cjs/cli/compile-cache.js').installCompileCache();
  cli = require('../dist/cjs/cli/main.js');
} catch (err) {
  // the build itself is missing (not a module it requires: the require stack follows the first line)
  if (err?.code !== 'MODULE_NOT_FOUND' || !String(err.message).split('\n', 1)[0].includes('dist')) throw err;
  process.stderr.write('ecr-rewind: the compiled code (dist/) is missing: run `npm run build` in the package folder\n');
  process.exit(1);
}
cli.main(process.argv);
