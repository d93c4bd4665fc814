// The bin's compile cache (src/cli/compile-cache.ts): CommonJS modules compiled from V8's cached
// data run exactly as Node runs them, a changed source or a damaged cache file is compiled afresh,
// and `ECR_REWIND_COMPILE_CACHE=off` leaves no file. Each case runs node processes of its own that
// load the CommonJS build (dist/cjs/), as the bin does.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { run } from '../../src/testkit/commands.ts';
import { assertBuilt, BIN, ROOT } from '../support/bin.ts';

const CACHE_MODULE = join(ROOT, 'dist', 'cjs', 'cli', 'compile-cache.js');

/** A small module tree: relative and JSON requires, require.resolve, the module's own names, a dynamic import beside. */
async function fixture(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-rewind-compile-cache-'));
  await writeFile(join(dir, 'b.js'), 'exports.value = 41 + 1;\n');
  await writeFile(join(dir, 'data.json'), '{"x": "json"}\n');
  await writeFile(join(dir, 'c.mjs'), "export const c = 'esm';\n");
  // a dynamic import: Node's own compile runs this one (a script from cached data cannot import)
  await writeFile(join(dir, 'd.js'), "module.exports = () => import('./c.mjs');\n");
  await writeFile(
    join(dir, 'a.js'),
    `const b = require('./b.js');
module.exports = {
  b: b.value,
  data: require('./data.json').x,
  filename: __filename,
  dirname: __dirname,
  resolved: require.resolve('./b.js'),
  paths: Array.isArray(require.resolve.paths('x')),
  cached: require.resolve('./b.js') in require.cache,
  thisIsExports: this === module.exports,
  line: new Error('here').stack.split('\\n')[1].replace(/:\\d+\\)$/, ')'),
};
module.exports.load = require('./d.js');
`,
  );
  await writeFile(
    join(dir, 'run.cjs'),
    `const cache = require(${JSON.stringify(CACHE_MODULE)});
const installed = cache.installCompileCache();
const a = require('./a.js');
a.load().then(({ c }) => {
  process.on('exit', () => console.log(JSON.stringify({ ...a, c, installed, stats: cache.compileCacheStats() })));
});
`,
  );
  return dir;
}

interface Output {
  b: number;
  c: string;
  installed: boolean;
  stats: { file?: string; hits: number; misses: number; saved: number };
  [key: string]: unknown;
}

async function runFixture(dir: string, cache: string): Promise<Output> {
  const r = await run(process.execPath, [join(dir, 'run.cjs')], {
    cwd: dir,
    env: { ECR_REWIND_COMPILE_CACHE: cache },
    timeoutMs: 30_000,
  });
  if (r.code !== 0) throw new Error(`node exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Output;
}

const withoutStats = ({ stats: _stats, installed: _installed, ...rest }: Output) => rest;

test('modules compiled from the cache run as Node runs them, and a second run takes them from it', async (t) => {
  assertBuilt();
  const dir = await fixture();
  try {
    const plain = await runFixture(dir, 'off');
    t.false(plain.installed);
    t.is(plain.b, 42);
    t.is(plain.c, 'esm');
    t.is(plain.resolved, join(dir, 'b.js'));

    const cache = join(dir, 'cache');
    const first = await runFixture(dir, cache);
    t.deepEqual(first.stats, { file: first.stats.file, hits: 0, misses: 2, saved: 1 });
    const second = await runFixture(dir, cache);
    t.deepEqual(second.stats, { file: first.stats.file, hits: 2, misses: 0, saved: 0 });
    // the same exports, names, resolution, `this` and stack lines with and without the cache
    t.deepEqual(withoutStats(first), withoutStats(plain));
    t.deepEqual(withoutStats(second), withoutStats(plain));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a source changed at the same length is compiled afresh, not run from the old entry', async (t) => {
  assertBuilt();
  const dir = await fixture();
  try {
    const cache = join(dir, 'cache');
    await runFixture(dir, cache);
    await writeFile(join(dir, 'b.js'), 'exports.value = 41 + 2;\n');
    const changed = await runFixture(dir, cache);
    t.is(changed.b, 43);
    t.deepEqual([changed.stats.hits, changed.stats.misses], [1, 1]);
    t.deepEqual([(await runFixture(dir, cache)).stats.hits], [2]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a damaged or cut-short cache file is ignored whole and written again', async (t) => {
  assertBuilt();
  const dir = await fixture();
  try {
    const cache = join(dir, 'cache');
    const file = (await runFixture(dir, cache)).stats.file!;
    const good = await readFile(file);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 100]! ^= 0xff;
    for (const damaged of [flipped, good.subarray(0, good.length >> 1), Buffer.from('not a cache')]) {
      await writeFile(file, damaged);
      const out = await runFixture(dir, cache);
      t.is(out.b, 42);
      t.deepEqual([out.stats.hits, out.stats.misses, out.stats.saved], [0, 2, 1]);
      t.is((await runFixture(dir, cache)).stats.hits, 2);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the bin writes its cache where ECR_REWIND_COMPILE_CACHE says, and none when it is off', async (t) => {
  assertBuilt();
  const dir = await mkdtemp(join(tmpdir(), 'ecr-rewind-compile-cache-bin-'));
  try {
    const cache = join(dir, 'cache');
    for (const setting of ['off', cache, cache]) {
      const r = await run(process.execPath, [BIN, '--version'], {
        env: { ECR_REWIND_COMPILE_CACHE: setting },
        timeoutMs: 30_000,
      });
      t.is(r.code, 0, r.stderr);
      t.regex(r.stdout, /^\d+\.\d+\.\d+/);
      if (setting === 'off') t.deepEqual(await readdir(dir), []);
    }
    const files = await readdir(cache);
    t.is(files.length, 1);
    t.regex(files[0]!, new RegExp(`^node-${process.versions.v8.replace(/[.]/g, '\\.')}-${process.arch}-[0-9a-f]{8}\\.bin$`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('entries of modules whose files are gone are dropped when the cache is next written', async (t) => {
  assertBuilt();
  const [gone, kept] = [await fixture(), await fixture()];
  try {
    const cache = join(kept, 'cache');
    const file = (await runFixture(gone, cache)).stats.file!;
    await runFixture(kept, cache);
    t.true((await readFile(file)).includes(gone), 'both installs are cached');
    await rm(gone, { recursive: true, force: true });
    await writeFile(join(kept, 'b.js'), 'exports.value = 41 + 3;\n');
    t.is((await runFixture(kept, cache)).stats.saved, 1);
    const bytes = await readFile(file);
    t.false(bytes.includes(gone), 'the removed install is dropped');
    t.true(bytes.includes(join(kept, 'a.js')));
    t.is((await runFixture(kept, cache)).stats.hits, 2);
  } finally {
    await rm(gone, { recursive: true, force: true });
    await rm(kept, { recursive: true, force: true });
  }
});
