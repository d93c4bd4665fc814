/**
 * Time enters the domain only through a Clock: commands carry the time it read,
 * events keep it, and replay never asks the clock again.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * What now() would answer, without moving a recording clock: for decisions that record
   * nothing (a dry run before bytes are written), so that they do not shift a recording's times.
   */
  peek?(): number;
  /** Moves this clock forward, outside the journal (tests): token expiry and lifecycle rules read it. */
  advance(ms: number): void;
  /**
   * Sets the journaled offset (the registry state's clockOffsetMs, moved by ClockAdvanced events
   * and brought back by a reset): readings are the clock's own time plus it. Clocks without it
   * ignore journaled advances.
   */
  setOffset?(ms: number): void;
  /** True when the clock moves by itself (the system clock): scheduled work then needs timers. */
  readonly live?: boolean;
}

export function systemClock(): Clock {
  let offset = 0;
  let journaled = 0;
  return {
    now: () => Date.now() + offset + journaled,
    peek: () => Date.now() + offset + journaled,
    advance: (ms) => {
      offset += ms;
    },
    setOffset: (ms) => {
      journaled = ms;
    },
    live: true,
  };
}

/**
 * A recording clock: starts at `start` and moves `step` ms on every reading,
 * so two runs of one scenario produce the same times.
 */
export function steppingClock(start: number, step = 1): Clock {
  let next = start;
  let journaled = 0;
  return {
    now: () => {
      const t = next + journaled;
      next += step;
      return t;
    },
    peek: () => next + journaled,
    advance: (ms) => {
      next += ms;
    },
    setOffset: (ms) => {
      journaled = ms;
    },
    live: false,
  };
}

/** Parses `START[,STEP]` where START is an ISO time or epoch ms. */
export function parseClockSpec(spec: string): Clock {
  const [startText = '', stepText] = spec.split(',');
  const start = /^\d+$/.test(startText) ? Number(startText) : Date.parse(startText);
  if (!Number.isFinite(start)) throw new Error(`invalid clock start "${startText}": use an ISO time or epoch milliseconds`);
  const step = stepText === undefined ? 1 : Number(stepText);
  if (!Number.isFinite(step) || step < 0) throw new Error(`invalid clock step "${stepText}"`);
  return steppingClock(start, step);
}
