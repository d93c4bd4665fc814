/**
 * The command line from the sources: `tsx src/cli.ts serve` runs it (npm start, tests that
 * spawn the sources). The `ecr-rewind` bin runs the compiled src/cli/main.ts instead
 * (tools/ecr-rewind.cjs).
 */
import { pathToFileURL } from 'node:url';
import { exitCodeOf } from './cli/exit-codes.ts';
import { main } from './cli/main.ts';
import { buildCli } from './cli/program.ts';

export { buildCli, exitCodeOf, main };

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv);
