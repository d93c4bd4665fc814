/** POST /_rewind/clock: move the emulator's clock forward by `ms`. */
export type ClockCommand = { type: 'AdvanceClock'; ms: number };
