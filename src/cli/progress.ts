/**
 * The command line's progress, on stderr: a bar on a terminal (cli-progress, loaded only
 * then), plain lines at most every two seconds otherwise. Both say how much of what is
 * done (events, blobs, or bytes in KiB/MiB/GiB), the rate and the time left; a finished
 * piece of work shows 100%.
 */
import { createRequire } from 'node:module';
import { callerFile } from '../support/module-file.ts';
import type { Progress, ProgressFactory, ProgressUnit } from '../support/progress.ts';
import { bytesText } from './text-table.ts';

/** `n` of a unit, as the progress shows it: bytes in B/KiB/MiB/GiB, counts with their unit. */
export const amountText = (n: number, unit: ProgressUnit): string =>
  unit === 'bytes' ? bytesText(Math.round(n)) : `${Math.round(n).toLocaleString('en-US')} ${unit}`;

export const durationText = (seconds: number): string => {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
};

interface Figures {
  percent: number;
  done: string;
  all: string;
  rate: string;
  eta: string;
}

/** Where the work stands after `done` of `total` units in `elapsedMs`. */
export function progressFigures(done: number, total: number, unit: ProgressUnit, elapsedMs: number, finished = false): Figures {
  const d = finished ? total : Math.min(done, total);
  const perSecond = elapsedMs > 0 ? d / (elapsedMs / 1000) : 0;
  const left = total - d;
  return {
    percent: total === 0 ? 100 : Math.floor((d / total) * 100),
    done: amountText(d, unit),
    all: amountText(total, unit),
    rate: `${amountText(perSecond, unit)}/s`,
    eta: left <= 0 ? '0 s' : perSecond > 0 ? durationText(left / perSecond) : '?',
  };
}

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

interface BarLike {
  start(total: number, value: number, payload: object): void;
  update(value: number, payload: object): void;
  stop(): void;
}

function terminalBar(label: string, stream: ProgressStream): BarLike {
  const cliProgress = createRequire(callerFile())('cli-progress') as typeof import('cli-progress');
  return new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {done} of {all} | {rate} | ETA {left}`,
      stream: stream as NodeJS.WritableStream,
      hideCursor: true,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
}

/** A progress factory drawing on `stream`: a bar when it is a terminal, lines every `everyMs` otherwise. */
export function createProgress(stream: ProgressStream, everyMs = 2000): ProgressFactory {
  return (label, total, unit = 'events') => {
    const started = Date.now();
    const figures = (done: number, finished = false): Figures => progressFigures(done, total, unit, Date.now() - started, finished);
    // the bar's own tokens (value, eta, ...) are cli-progress's; ours are done, all, rate and left
    const payload = (done: number, finished = false) => {
      const f = figures(done, finished);
      return { done: f.done, all: f.all, rate: f.rate, left: f.eta };
    };
    if (stream.isTTY) {
      const bar = terminalBar(label, stream);
      bar.start(total, 0, payload(0));
      const p: Progress = {
        update: (n) => bar.update(Math.min(n, total), payload(n)),
        finish: () => {
          bar.update(total, payload(total, true));
          bar.stop();
        },
      };
      return p;
    }
    let last = started;
    let printed = false;
    const line = (f: Figures): string => `${label}: ${f.done} of ${f.all} (${f.percent}%), ${f.rate}, ETA ${f.eta}\n`;
    return {
      update: (n) => {
        const now = Date.now();
        if (now - last < everyMs) return;
        last = now;
        printed = true;
        stream.write(line(figures(n)));
      },
      // a line-by-line report that was started also ends, at 100%
      finish: () => {
        if (printed) stream.write(line(figures(total, true)));
      },
    };
  };
}

/** The CLI's progress, on stderr. */
export const terminalProgress: ProgressFactory = (label, total, unit) => createProgress(process.stderr)(label, total, unit);
