/**
 * How long work (replay, snapshot, restore, verify, compact) reports progress.
 * The library takes a factory and calls it; the command line gives one that
 * draws on a terminal (src/cli/progress.ts); tests and the admin API give none.
 */
export interface Progress {
  /** `done` of `total` units (events, bytes) so far. */
  update(done: number): void;
  finish(): void;
}

export type ProgressUnit = 'events' | 'bytes' | 'blobs';

export type ProgressFactory = (label: string, total: number, unit?: ProgressUnit) => Progress;
