/**
 * Time enters the domain only through a Clock: commands carry the time it read,
 * events keep it, and replay never asks the clock again.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Moves this clock forward (POST /_rewind/clock): token expiry and lifecycle rules read it. */
  advance(ms: number): void;
}

export function systemClock(): Clock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
  };
}

/**
 * A recording clock: starts at `start` and moves `step` ms on every reading,
 * so two runs of one scenario produce the same times.
 */
export function steppingClock(start: number, step = 1): Clock {
  let next = start;
  return {
    now: () => {
      const t = next;
      next += step;
      return t;
    },
    advance: (ms) => {
      next += ms;
    },
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
