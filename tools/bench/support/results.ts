/**
 * Benchmark results as JSON files outside git, so that two commits compare with one command:
 *
 *   npm run bench -- scale             writes <dir>/scale-<time>-<commit>.json
 *   npm run bench -- compare A B       A and B: result files, or git revisions (the newest
 *                                      results of each benchmark run at that commit)
 *
 * <dir> is $ECR_REWIND_BENCH_RESULTS, else $XDG_CACHE_HOME/ecr-rewind/bench, else
 * ~/.cache/ecr-rewind/bench. A file holds the commit (and whether the tree had changes), the
 * machine (cores, load average before and after the run: a busy machine explains slow figures)
 * and every figure with its unit and which direction is better.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Figure {
  /** Stable identifier, the same in every run (what compare matches on). */
  key: string;
  label: string;
  unit: string;
  value: number;
  better: 'higher' | 'lower';
}

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryMiB: number;
  node: string;
  /** 1-minute load average when the run started and when it ended. */
  loadBefore: number;
  loadAfter: number;
}

export interface Results {
  bench: string;
  commit: string;
  dirty: boolean;
  date: string;
  args: string[];
  machine: Machine;
  figures: Figure[];
}

export function resultsDir(): string {
  const env = process.env.ECR_REWIND_BENCH_RESULTS;
  if (env) return env;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'ecr-rewind', 'bench');
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** The machine as a run starts; `finish` adds the load at its end. */
export function machineNow(): Machine {
  const cpu = cpus();
  const load = loadavg()[0] ?? 0;
  return {
    cores: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryMiB: Math.round(totalmem() / 1048576),
    node: process.version,
    loadBefore: load,
    loadAfter: load,
  };
}

/** One line that says how busy the machine was (printed with every table). */
export const describeMachine = (m: Machine): string =>
  `machine: ${m.cores} cores (${m.cpuModel}), load average ${m.loadBefore.toFixed(1)} at the start, ${m.loadAfter.toFixed(1)} at the end; node ${m.node}`;

/** The commit the run measures, read when the run starts (a commit made while it runs is not it). */
function checkout(): { commit: string; dirty: boolean } {
  try {
    return { commit: git(['rev-parse', 'HEAD']), dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '' };
  } catch {
    return { commit: 'unknown', dirty: false }; // not a git checkout: the results still say when they were taken
  }
}
const measured = checkout();

/** Writes the results of one run; returns the file. */
export function saveResults(bench: string, args: string[], machine: Machine, figures: Figure[]): string {
  const { commit, dirty } = measured;
  const finished: Machine = { ...machine, loadAfter: loadavg()[0] ?? 0 };
  const date = new Date().toISOString();
  const results: Results = { bench, commit, dirty, date, args, machine: finished, figures };
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const stamp = date.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const file = join(dir, `${bench}-${stamp}-${commit.slice(0, 10)}${dirty ? '-dirty' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(describeMachine(finished));
  console.log(`results: ${file}`);
  return file;
}

const readResults = (file: string): Results => JSON.parse(readFileSync(file, 'utf8')) as Results;

/** The result files a name stands for: a file, or the newest file of each benchmark run at a revision. */
function resolveRun(name: string): Results[] {
  if (existsSync(name) && name.endsWith('.json')) return [readResults(name)];
  let commit: string;
  try {
    commit = git(['rev-parse', '--verify', `${name}^{commit}`]);
  } catch {
    throw new Error(`'${name}' is neither a results file nor a git revision`);
  }
  const dir = resultsDir();
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  const newest = new Map<string, Results>();
  for (const f of files.sort()) {
    const r = readResults(join(dir, f));
    if (r.commit === commit) newest.set(r.bench, r); // sorted by time: the last one wins
  }
  if (newest.size === 0) throw new Error(`no results of commit ${commit.slice(0, 10)} in ${dir}: run a benchmark there first`);
  return [...newest.values()];
}

const fmt = (v: number): string =>
  Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3);

/** `npm run bench -- compare A B`: every figure both runs have, side by side. */
export function compareRuns(args: string[]): void {
  const [a, b] = args;
  if (a === undefined || b === undefined) {
    console.error('usage: npm run bench -- compare <results.json | git revision> <results.json | git revision>');
    process.exit(2);
  }
  const before = resolveRun(a);
  const after = resolveRun(b);
  for (const x of before) {
    const y = after.find((r) => r.bench === x.bench);
    if (!y) continue;
    const label = (r: Results): string =>
      `${r.commit.slice(0, 10)}${r.dirty ? '+' : ''} (${r.date.slice(0, 16)}, load ${r.machine.loadBefore.toFixed(1)})`;
    console.log(`== ${x.bench}: A = ${label(x)}, B = ${label(y)} ==`);
    console.log('| figure | A | B | B / A | |');
    console.log('| --- | ---: | ---: | ---: | --- |');
    for (const f of x.figures) {
      const g = y.figures.find((h) => h.key === f.key);
      if (!g) continue;
      const ratio = f.value === 0 ? Number.NaN : g.value / f.value;
      const improved = f.better === 'higher' ? ratio > 1.05 : ratio < 0.95;
      const worse = f.better === 'higher' ? ratio < 0.95 : ratio > 1.05;
      console.log(
        `| ${f.label} | ${fmt(f.value)} ${f.unit} | ${fmt(g.value)} ${g.unit} | ${ratio.toFixed(2)} | ${improved ? 'better' : worse ? 'worse' : ''} |`,
      );
    }
  }
}
