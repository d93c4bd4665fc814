// Running real client binaries (docker, podman, skopeo, ctr, aws) from tests.
//
// Commands are always spawned with an argument vector, never a shell string,
// so image references and credentials never go through shell quoting.
// This module does not import ava, so benchmarks and tools can use it too;
// the ava helpers (skip or fail when a client is missing) are in client-test.ts.

import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export interface RunOptions {
  /** Bytes or text written to the command's stdin, which is then closed. */
  input?: string | Buffer;
  /** Variables added to (or, with value undefined, removed from) the inherited environment. */
  env?: Record<string, string | undefined>;
  /** Kill the command (SIGKILL) after this long; the result then has timedOut: true. Default 120 s. */
  timeoutMs?: number;
  cwd?: string;
}

export interface RunResult {
  /** Exit code; -1 when the command was killed by a signal (or the timeout). */
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The command line, for messages only. */
  commandLine: string;
  durationMs: number;
}

/** Thrown by runOk when a command exits non-zero; the message carries the command line and stderr. */
export class CommandFailed extends Error {
  constructor(readonly result: RunResult) {
    const tail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-15).join('\n');
    const why = result.timedOut ? 'timed out' : `exited with ${result.code}`;
    super(`${result.commandLine} ${why} after ${result.durationMs} ms:\n${tail}`);
    this.name = 'CommandFailed';
  }
}

/** Full path of an executable: `name` itself when it contains a slash, else the first match on PATH. */
export function findCommand(name: string): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here, try the next directory
    }
  }
  return undefined;
}

export function hasCommand(name: string): boolean {
  return findCommand(name) !== undefined;
}

/** The first of several candidate paths or names that exists (e.g. `/usr/bin/aws` before a pyenv shim). */
export function preferCommand(...candidates: string[]): string {
  for (const candidate of candidates) {
    const found = findCommand(candidate);
    if (found) return found;
  }
  return candidates[candidates.length - 1] ?? '';
}

function quoteForDisplay(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Runs a command to completion and collects its output. Never throws for a non-zero exit. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const commandLine = [cmd, ...args].map(quoteForDisplay).join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${commandLine}: ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
        commandLine,
        durationMs: Date.now() - started,
      });
    });
    // A command that exits without reading stdin makes the write fail with EPIPE; that is not our error.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Like run, but throws CommandFailed unless the command exits 0. */
export async function runOk(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await run(cmd, args, options);
  if (result.code !== 0 || result.timedOut) throw new CommandFailed(result);
  return result;
}

/** Options of the client wrappers: as run, plus whether a non-zero exit is an expected outcome. */
export interface ClientRunOptions extends RunOptions {
  /** Return a failed result instead of throwing CommandFailed. */
  allowFailure?: boolean;
}

export function runClient(cmd: string, args: readonly string[], options: ClientRunOptions = {}): Promise<RunResult> {
  const { allowFailure, ...runOptions } = options;
  return allowFailure ? run(cmd, args, runOptions) : runOk(cmd, args, runOptions);
}

export function missingCommands(names: readonly string[]): string[] {
  return names.filter((name) => !hasCommand(name));
}
