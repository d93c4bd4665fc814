/**
 * The emulator's clock is part of the registry state: an advance is a journaled fact, so a
 * restart and a replay keep the offset, and a reset to an earlier point brings the clock
 * back with the rest of the registry (what was due then is not due yet).
 */
export interface ClockEventMap {
  /** The clock moved forward by `byMs`; `offsetMs` is the total advance since the journal began. */
  ClockAdvanced: { byMs: number; offsetMs: number };
}
