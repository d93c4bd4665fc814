/**
 * Errors of the journal tools, each with the exit code the CLI documents:
 *
 *   0  success (verify: no fault)
 *   1  any other failure
 *   2  usage: a bad flag, argument or position syntax
 *   3  not found: journal folder, snapshot file, mark or sequence number
 *   4  corrupt: a damaged journal, blob or snapshot file (verify: faults found)
 */
export type ToolErrorKind = 'usage' | 'not-found' | 'corrupt';

export const EXIT_CODES: Readonly<Record<ToolErrorKind | 'ok' | 'failure', number>> = Object.freeze({
  ok: 0,
  failure: 1,
  usage: 2,
  'not-found': 3,
  corrupt: 4,
});

export class ToolError extends Error {
  override readonly name = 'ToolError';
  constructor(
    readonly kind: ToolErrorKind,
    message: string,
  ) {
    super(message);
  }
}
