// The real `ecr-rewind` bin (tools/ecr-rewind.cjs, which runs the compiled code in dist/cjs/), as
// users run it. `npm test` builds dist/ first; a test file run on its own after a change to
// src/ fails with a sentence saying to build, instead of testing yesterday's code.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type RunOptions, type RunResult } from '../../src/testkit/commands.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'tools', 'ecr-rewind.cjs');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

let checked = false;
/** Throws unless dist/ is at least as new as every file under src/. */
export function assertBuilt(): void {
  if (checked) return;
  let built: number;
  try {
    built = statSync(join(ROOT, 'dist', 'cjs', 'cli', 'main.js')).mtimeMs; // the build's last tsc output
  } catch {
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before the tests that run the bin');
  }
  if (newestMtime(join(ROOT, 'src')) > built) throw new Error('dist/ is older than src/: run `npm run build` (npm test does)');
  checked = true;
}

/** Runs `ecr-rewind <args>` to completion (never throws for a non-zero exit). */
export function ecrRewind(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  assertBuilt();
  return run(process.execPath, [BIN, ...args], options);
}

export interface Served {
  readonly child: ChildProcess;
  readonly endpoint: string;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<number | null>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts `ecr-rewind serve --port 0 <args>` and resolves once it listens (its JSON start-up line names the port). */
export async function serveBin(args: readonly string[], env: Record<string, string> = {}): Promise<Served> {
  assertBuilt();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--log-format', 'json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let text = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    text += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const look = (): void => {
      const m = /"serving":\{[^}]*"port":(\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    };
    child.stderr.on('data', look);
    void exited.then((code) => reject(new Error(`ecr-rewind serve exited with ${code} before listening:\n${text}`)));
  });
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    return exited;
  };
  return {
    child,
    endpoint: `http://127.0.0.1:${port}`,
    stderr: () => text,
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}
