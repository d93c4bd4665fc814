/**
 * The command line's exit codes, and the one mapping from errors to them:
 *
 *   0  success (verify: no fault)
 *   1  any other failure
 *   2  usage: a bad command, flag, argument or position syntax
 *   3  not found: journal folder, snapshot file, mark or sequence number
 *   4  corrupt: a damaged journal, blob or snapshot file (verify: faults found)
 *
 * Library code throws its own errors; replay/error-kind.ts says what kind each is.
 */
import { CommanderError } from 'commander';
import { errorKind } from '../replay/index.ts';

export const EXIT_CODES = Object.freeze({ ok: 0, failure: 1, usage: 2, 'not-found': 3, corrupt: 4 });

/** A usage error found by a command itself (after commander's own checks). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The exit code for an error that reached the top. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_CODES.ok;
    // help shown because something was missing (no command at all) is a usage error
    if (err.code === 'commander.help') return err.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    return EXIT_CODES.usage;
  }
  if (err instanceof UsageError) return EXIT_CODES.usage;
  const kind = errorKind(err);
  return kind === undefined ? EXIT_CODES.failure : EXIT_CODES[kind];
}
