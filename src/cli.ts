/**
 * The `ecr-rewind` bin's entry (tools/ecr-rewind.js runs the compiled copy): runs the
 * command line (src/cli/), printing an error that reaches the top as one line and
 * exiting with its code. Output piped into a reader that stops early (`| head`) ends
 * the command quietly with exit 0.
 */
import { pathToFileURL } from 'node:url';
import { CommanderError } from 'commander';
import { exitCodeOf } from './cli/exit-codes.ts';
import { buildCli } from './cli/program.ts';

export { buildCli, exitCodeOf };

/** The reader of stdout went away (`ecr-rewind log J | head`): nothing more to say, and no failure. */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

export async function main(argv: string[]): Promise<void> {
  quietOnClosedPipe();
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    // commander has already printed its own usage errors
    if (!(err instanceof CommanderError)) process.stderr.write(`ecr-rewind: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = exitCodeOf(err);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv);
