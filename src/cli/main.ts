/**
 * The command line as the `ecr-rewind` bin runs it: an error that reaches the top is printed
 * as one line and sets the exit code; output piped into a reader that stops early (`| head`)
 * ends the command quietly with exit 0.
 *
 * The bin (tools/ecr-rewind.cjs) runs the CommonJS build of this file (dist/cjs/cli/main.js,
 * tsconfig.cjs.json): Node 20 loads the ~270 modules of a start about 0.3 ms faster each as
 * CommonJS than as ES modules (~100 ms per start here). So this file and what it imports
 * stay valid in both formats: no `import.meta` (support/module-file.ts) and no top-level await.
 */
import { CommanderError } from 'commander';
import { exitCodeOf } from './exit-codes.ts';
import { buildCli } from './program.ts';

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
