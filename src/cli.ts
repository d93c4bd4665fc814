/**
 * The `ecr-rewind` bin's entry: runs the command line (src/cli/), printing an
 * error that reaches the top as one line and exiting with its code.
 */
import { CommanderError } from 'commander';
import { exitCodeOf } from './cli/exit-codes.ts';
import { buildCli } from './cli/program.ts';

export { buildCli, exitCodeOf };

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    // commander has already printed its own usage errors
    if (!(err instanceof CommanderError)) process.stderr.write(`ecr-rewind: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = exitCodeOf(err);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv);
