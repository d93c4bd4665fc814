// A long-lived child process owned by a test (dockerd, containerd, docker-registry).
//
// Its stdout and stderr go to a log file in the test's temp dir, whose tail is put
// into error messages when the daemon dies or never gets ready. It is stopped by its
// own PID only: SIGTERM, then SIGKILL if it has not exited within the grace period.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

export interface Daemon {
  readonly pid: number;
  readonly logFile: string;
  /** True once the process has exited. */
  readonly exited: boolean;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exit: Promise<number | string>;
  /** The last lines of the log, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM, wait up to graceMs, then SIGKILL; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function startDaemon(
  cmd: string,
  args: readonly string[],
  options: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string },
): Daemon {
  const logFd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, {
      stdio: ['ignore', logFd, logFd],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
  } finally {
    closeSync(logFd);
  }
  let exited = false;
  const exit = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      resolve(code ?? signal ?? -1);
    });
    child.on('error', (error) => {
      exited = true;
      resolve(`spawn error: ${error.message}`);
    });
  });
  const pid = child.pid ?? -1;
  const logTail = (lines = 20): string => {
    try {
      return readFileSync(options.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  const stop = async (graceMs = 10_000): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, graceMs, 'timeout').unref());
    if ((await Promise.race([exit, timer])) === 'timeout' && !exited) {
      child.kill('SIGKILL');
      await exit;
    }
  };
  return {
    pid,
    logFile: options.logFile,
    get exited() {
      return exited;
    },
    exit,
    logTail,
    stop,
  };
}

/**
 * Polls `ready` until it returns true, failing early with the daemon's log if the daemon exits
 * and with a timeout message otherwise.
 */
export async function waitUntilReady(daemon: Daemon, what: string, ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (daemon.exited) {
      throw new Error(`${what} exited (${await daemon.exit}) before it was ready; log:\n${daemon.logTail()}`);
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`${what} was not ready after ${timeoutMs} ms; log:\n${daemon.logTail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** True while a process with this PID exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
