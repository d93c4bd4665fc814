/**
 * Benchmark dispatcher: `npm run bench -- <name> [args...]` runs tools/bench/<name>.ts;
 * with no name, every benchmark in tools/bench/ runs in turn. A benchmark module exports
 * `run(args: string[]): Promise<void>` and prints its own table (and may write its results
 * as JSON, tools/bench/support/results.ts). `npm run bench -- compare A B` prints the figures
 * of two runs side by side (result files or git revisions).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compareRuns } from './bench/support/results.ts';

interface BenchModule {
  run(args: string[]): Promise<void>;
}

const benchDir = join(dirname(fileURLToPath(import.meta.url)), 'bench');
const available = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (name === 'compare') {
  compareRuns(args);
  process.exit(0);
}
const selected = name === undefined || name.startsWith('-') ? available : [name];
const rest = name?.startsWith('-') ? [name, ...args] : args;
for (const bench of selected) {
  if (!available.includes(bench)) {
    console.error(`unknown benchmark "${bench}"; available: ${available.join(', ')}`);
    process.exit(2);
  }
  const mod = (await import(pathToFileURL(join(benchDir, `${bench}.ts`)).href)) as Partial<BenchModule>;
  // a file that exports no run() is a part of another benchmark (pull-through.ts of registry.ts)
  if (typeof mod.run !== 'function') continue;
  console.log(`== bench ${bench} ==`);
  await mod.run(rest);
}
