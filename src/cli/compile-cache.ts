/**
 * A compile cache for the bin's CommonJS modules: V8's code cache, kept in one file per Node
 * version, so a start deserializes the ~360 modules it loads instead of parsing and compiling
 * ~2.4 MB of JavaScript again.
 *
 * Node 22 has this built in (`module.enableCompileCache()`); Node 20 has not. The library that
 * does it for Node 20 (v8-compile-cache) keeps only what V8 compiles when a module loads, and
 * cut a start's main thread by 5% here. This cache is taken a moment after the start instead,
 * when it also holds the functions the start and its first requests compiled: −14% (callgrind,
 * main thread, spawn to the first health 200: 1,348M → 1,155M instructions; from a snapshot of
 * 10,000 images 1,554M → 1,325M).
 *
 * How: `Module.prototype._compile` is replaced, as v8-compile-cache does, by one that compiles
 * the module's wrapper with `vm.Script` and the cached data for that file, then runs it with the
 * same arguments Node passes. An entry is used only for the source it was made from (same
 * CRC-32, as Node 22's cache checks; V8 also checks the length), and V8 itself refuses data from another V8 version or other flags (the file name
 * names both). Anything unusual goes to Node's own `_compile`: an ES module, a source
 * `vm.Script` refuses, and a source with a dynamic `import(`: Node 20 gives a script made from
 * cached data no way to load modules dynamically (and its way for fresh scripts is experimental
 * and warns). A cache that cannot be read or written is ignored: it never changes what runs.
 *
 * `ECR_REWIND_COMPILE_CACHE=off` turns it off; `ECR_REWIND_COMPILE_CACHE=DIR` puts it in DIR.
 * The default folder is `$XDG_CACHE_HOME/ecr-rewind/compile-cache` (else ~/.cache/...).
 *
 * This file is loaded by the bin before anything else, so it imports only Node's modules.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { crc32 } from 'node:zlib';

type CompiledModule = Module & { require(id: string): unknown };
type ModuleInternals = typeof Module & {
  prototype: { _compile(content: string, filename: string, format?: string): unknown };
  wrap(source: string): string;
  _resolveFilename(request: string, parent: Module, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: Module): string[] | null;
  _extensions: unknown;
  _cache: unknown;
};

interface Entry {
  crc: number;
  data: Buffer;
}

export interface CompileCacheStats {
  file: string | undefined;
  hits: number;
  misses: number;
  saved: number;
}

const stats: CompileCacheStats = { file: undefined, hits: 0, misses: 0, saved: 0 };
/** How long after the install the cache is written: the start and its first requests have compiled by then. */
const SAVE_AFTER_MS = 1500;
const MAGIC = 'ecr-rewind compile cache 2\n';
/** `import (` as a call, also across white space; in a string or a comment it only costs the cache. */
const DYNAMIC_IMPORT = /\bimport\s*\(/;

/** What the cache did in this process (tests). */
export function compileCacheStats(): CompileCacheStats {
  return { ...stats };
}

function cacheFile(): string | undefined {
  const setting = process.env.ECR_REWIND_COMPILE_CACHE;
  if (setting === 'off' || setting === '0') return undefined;
  const folder = setting || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ecr-rewind', 'compile-cache');
  const flags = createHash('sha1').update(process.execArgv.join('\0')).digest('hex').slice(0, 8);
  return join(folder, `node-${process.versions.v8}-${process.arch}-${flags}.bin`);
}

/**
 * The file: MAGIC, the CRC-32 of the rest (u32), then per entry [u16 name length][name][u32 CRC-32
 * of the source][u32 data length][data]. A file whose rest does not match its CRC is ignored
 * whole: V8 checks what the data was made by, not that its bytes are intact.
 */
function readEntries(file: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return entries;
  }
  const bodyStart = MAGIC.length + 4;
  if (bytes.length < bodyStart || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) return entries;
  if (crc32(bytes.subarray(bodyStart)) !== bytes.readUInt32LE(MAGIC.length)) return entries;
  let at = bodyStart;
  while (at + 2 <= bytes.length) {
    const nameEnd = at + 2 + bytes.readUInt16LE(at);
    if (nameEnd + 8 > bytes.length) break;
    const dataStart = nameEnd + 8;
    const dataEnd = dataStart + bytes.readUInt32LE(nameEnd + 4);
    if (dataEnd > bytes.length) break;
    entries.set(bytes.toString('utf8', at + 2, nameEnd), {
      crc: bytes.readUInt32LE(nameEnd),
      data: bytes.subarray(dataStart, dataEnd),
    });
    at = dataEnd;
  }
  return entries;
}

function writeEntries(file: string, entries: Map<string, Entry>): void {
  const parts: Buffer[] = [];
  for (const [name, { crc, data }] of entries) {
    const nameBytes = Buffer.from(name);
    const head = Buffer.alloc(2);
    head.writeUInt16LE(nameBytes.length);
    const sizes = Buffer.alloc(8);
    sizes.writeUInt32LE(crc, 0);
    sizes.writeUInt32LE(data.length, 4);
    parts.push(head, nameBytes, sizes, data);
  }
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  const body = Buffer.concat(parts);
  const bodyCrc = Buffer.alloc(4);
  bodyCrc.writeUInt32LE(crc32(body));
  try {
    writeFileSync(temporary, Buffer.concat([Buffer.from(MAGIC, 'latin1'), bodyCrc, body]));
    renameSync(temporary, file);
  } catch (err) {
    try {
      unlinkSync(temporary);
    } catch {
      // not written at all
    }
    throw err;
  }
}

/** The `require` Node gives a module (its makeRequireFunction), for a module compiled here. */
function requireFor(mod: CompiledModule, internals: ModuleInternals): NodeJS.Require {
  const require = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: unknown) =>
    internals._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => internals._resolveLookupPaths(request, mod);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = internals._extensions as NodeJS.Require['extensions'];
  require.cache = internals._cache as NodeJS.Require['cache'];
  return require;
}

/** Installs the cache for every CommonJS module loaded from now on. Returns false when it is off. */
export function installCompileCache(): boolean {
  const file = cacheFile();
  if (!file) return false;
  stats.file = file;
  const internals = Module as ModuleInternals;
  const nodeCompile = internals.prototype._compile;
  const entries = readEntries(file);
  const fresh: { name: string; crc: number; script: Script }[] = [];

  internals.prototype._compile = function compileWithCache(this: CompiledModule, content: string, filename: string, format?: string) {
    if (format === 'module' || DYNAMIC_IMPORT.test(content)) return nodeCompile.call(this, content, filename, format);
    const crc = crc32(content);
    const entry = entries.get(filename);
    const cachedData = entry?.crc === crc ? entry.data : undefined;
    let script: Script;
    try {
      script = new Script(internals.wrap(content), { filename, cachedData });
    } catch {
      return nodeCompile.call(this, content, filename, format);
    }
    if (cachedData && !script.cachedDataRejected) stats.hits++;
    else {
      stats.misses++;
      fresh.push({ name: filename, crc, script });
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(this, internals), this, filename, dirname(filename));
  };

  const save = () => {
    if (fresh.length === 0) return;
    try {
      const latest = readEntries(file);
      for (const [name, entry] of entries) if (!latest.has(name)) latest.set(name, entry);
      // modules of installs since removed (an npx folder, an older checkout) are not kept forever
      for (const name of latest.keys()) if (!existsSync(name)) latest.delete(name);
      for (const { name, crc, script } of fresh.splice(0)) latest.set(name, { crc, data: script.createCachedData() });
      writeEntries(file, latest);
      stats.saved++;
    } catch {
      // a cache that cannot be written is only a slower next start
    }
  };
  setTimeout(save, SAVE_AFTER_MS).unref();
  process.once('exit', save);
  return true;
}
