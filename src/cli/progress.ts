/**
 * The command line's progress: a bar on a terminal (cli-progress, on stderr),
 * plain lines at most every two seconds otherwise.
 */
import cliProgress from 'cli-progress';
import type { ProgressFactory } from '../support/progress.ts';

const fmt = (n: number, unit: string): string =>
  unit === 'bytes' ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${n.toLocaleString('en-US')} ${unit}`;

/** The CLI's progress: a bar when stderr is a TTY, lines otherwise. */
export const terminalProgress: ProgressFactory = (label, total, unit = 'events') => {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (n) => bar.update(Math.min(n, total)), finish: () => bar.stop() };
  }
  let last = Date.now();
  return {
    update: (n) => {
      const now = Date.now();
      if (now - last < 2000) return;
      last = now;
      process.stderr.write(`${label}: ${fmt(n, unit)} of ${fmt(total, unit)}\n`);
    },
    finish: () => undefined,
  };
};
