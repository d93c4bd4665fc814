/** Times on the wire: the journal and the clock count epoch milliseconds; AWS's JSON protocol counts epoch seconds. */

/** Epoch milliseconds -> an awsJson timestamp (epoch seconds, fractions allowed). */
export const epochSeconds = (ms: number): number => ms / 1000;
