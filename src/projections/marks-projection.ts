/**
 * The "marks" projection: bookmark name -> sequence number. It is not part of
 * the rewindable registry state: a reset keeps the marks set after the target.
 */
export const MARKS_PROJECTION = { name: 'marks', version: 1 } as const;

export type Marks = Map<string, number>;

export const encodeMarks = (m: Marks): [string, number][] => [...m];
export const decodeMarks = (raw: unknown): Marks => new Map(raw as [string, number][]);
