#!/usr/bin/env -S node --initial-old-space-size=64 --min-semi-space-size=32 --max-semi-space-size=32
// --initial-old-space-size=64: V8 counts the external bytes allocated since its last full
// collection (node:http copies every fragment of a request body into a fresh ArrayBuffer, 16 MiB
// per 16 MiB push) against the old generation's limit, and a small heap leaves that limit only
// ~8 MB of headroom: pushes then set off back-to-back full collections (31 in a bench run, 2 with
// the flag; ~25% of the server's CPU per push). The flag raises only the limit's floor: a heap
// past 64 MB is unaffected. It must be given to node at start (NODE_OPTIONS refuses it, and
// v8.setFlagsFromString comes too late), hence here; `env -S` splits the line (coreutils 8.30+).
// --min-semi-space-size=32 --max-semi-space-size=32: the young generation starts at, and grows to,
// 32 MB semi-spaces (V8's default: from 1 MB, growing to 16). A start allocates ~25 MB before its
// first request; in 1 MB semi-spaces that set off 9 scavenges, which copied the modules' and the
// state's objects as they grew (~15 ms of pauses; main-thread instructions per start, spawn to the
// first health 200: 1,176M -> 1,115M, from a snapshot of 10,000 images 1,376M -> 1,300M). The
// registry bench's push rows set off 45 scavenges instead of 81, for no change in their speed. It
// costs resident memory: +9 MB after a start, ~+30 MB once both semi-spaces have been used.
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
