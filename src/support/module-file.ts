/**
 * Where the calling module's file is, in every form this code runs in: the sources under
 * tsx (src/), the ES module build (dist/, what `import 'ecr-rewind'` loads) and the
 * CommonJS build the bin runs (dist/cjs/, see tsconfig.cjs.json). The same source is
 * compiled to both formats and neither `import.meta` (a syntax error in CommonJS) nor
 * `__filename` (absent from ES modules) exists in both, so the file is read from the
 * call site V8 records for the caller.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The file of the module whose code called this function. */
export function callerFile(): string {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 2;
    Error.prepareStackTrace = (_err, sites) => sites;
    const sites = new Error().stack as unknown as NodeJS.CallSite[];
    const name = sites[1]?.getFileName();
    if (name === undefined || name === null) throw new Error('the calling module has no file');
    return name.startsWith('file:') ? fileURLToPath(name) : name;
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/**
 * The package's own package.json, from the folder of `file` up: the first one that has a
 * name (dist/cjs/package.json only says that folder is CommonJS).
 */
export function packageJsonAbove(file: string): string {
  for (let dir = dirname(file); ; ) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && typeof (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown }).name === 'string')
      return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json with a name above ${file}`);
    dir = up;
  }
}
