/**
 * The `ecr-rewind` command line: `serve` starts the emulator; the journal tools
 * (log, state, diff, fork, snapshot, restore, verify, compact) are thin over
 * the library (commands/). Exit codes: exit-codes.ts.
 */
import { Command } from 'commander';
import { compactTool } from './commands/compact.ts';
import { diffTool } from './commands/diff.ts';
import { forkTool } from './commands/fork.ts';
import { logTool } from './commands/log.ts';
import { addServeCommand } from './commands/serve.ts';
import { repairTool } from './commands/repair.ts';
import { restoreTool, snapshotTool } from './commands/snapshot.ts';
import { stateTool } from './commands/state.ts';
import { verifyTool } from './commands/verify.ts';
import type { ToolIO } from './io.ts';
import { wholeNumber } from './options.ts';
import { terminalProgress } from './progress.ts';

const list = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').filter(Boolean)];

const io: ToolIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  note: (line) => process.stderr.write(`${line}\n`),
  progress: terminalProgress,
};

/** Runs a tool and sets the process exit code from its result. */
const tool =
  <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
  async (...args: A): Promise<void> => {
    process.exitCode = await fn(...args);
  };

const EXIT_HELP = `
Exit codes:
  0  success (verify: no fault found)
  1  any other failure
  2  usage: a bad command, flag, argument or position
  3  not found: journal folder, snapshot file, mark or sequence number
  4  corrupt: damaged journal, blob or snapshot file (verify: faults found)

Positions (--at, diff): a sequence number, a mark name, an ISO time, or "end".`;

export function buildCli(): Command {
  const program = new Command('ecr-rewind')
    .description('A local Amazon ECR emulator whose state is an event-sourced journal')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', EXIT_HELP);

  addServeCommand(program);

  program
    .command('log')
    .description('the history as a table (or JSON lines), filtered and paged')
    .argument('<journal>', 'journal folder')
    .option('--from <seq>', 'first sequence number (paging: the "continue with" hint)', wholeNumber)
    .option('--to <seq>', 'last sequence number', wholeNumber)
    .option('--since <time>', 'events at or after this ISO time')
    .option('--until <time>', 'events at or before this ISO time')
    .option('--type <types>', 'only these event types (comma-separated, repeatable)', list)
    .option('--repository <name>', 'only events of this repository')
    .option('--limit <n>', 'at most n events', wholeNumber)
    .option('--json', 'one JSON event per line')
    .action(tool((journal: string, opts: Record<string, never>) => logTool(journal, opts, io)));

  program
    .command('state')
    .description('the registry as it was: repositories, images, tags, sizes')
    .argument('<journal>', 'journal folder')
    .option('--at <position>', 'seq, mark, ISO time or end', 'end')
    .option('--json', 'the full state view as JSON')
    .action(tool((journal: string, opts: { at?: string; json?: boolean }) => stateTool(journal, opts, io)));

  program
    .command('diff')
    .description('what changed between two positions')
    .argument('<journal>', 'journal folder')
    .argument('<a>', 'from position')
    .argument('<b>', 'to position')
    .option('--json', 'as JSON')
    .action(tool((journal: string, a: string, b: string, opts: { json?: boolean }) => diffTool(journal, a, b, opts, io)));

  program
    .command('fork')
    .description('a new writable journal whose history is the prefix up to a position')
    .argument('<journal>', 'journal folder')
    .argument('<new>', 'new journal folder (must not exist or be empty)')
    .option('--at <position>', 'seq, mark, ISO time or end', 'end')
    .action(tool((journal: string, target: string, opts: { at?: string }) => forkTool(journal, target, opts, io)));

  program
    .command('snapshot')
    .description('one self-contained file: state checkpoint and every blob it references')
    .argument('<journal>', 'journal folder')
    .argument('<file>', 'snapshot file to write')
    .option('--at <position>', 'seq, mark, ISO time or end', 'end')
    .action(tool((journal: string, file: string, opts: { at?: string }) => snapshotTool(journal, file, opts, io)));

  program
    .command('restore')
    .description('a new journal folder from a snapshot file, every digest verified')
    .argument('<file>', 'snapshot file')
    .argument('<dir>', 'new journal folder (must not exist or be empty)')
    .action(tool((file: string, dir: string) => restoreTool(file, dir, io)));

  program
    .command('verify')
    .description('check frames, checksums, sequence, blobs and checkpoints; exit 4 on any fault')
    .argument('<journal>', 'journal folder')
    .option('--json', 'the report as JSON')
    .action(tool((journal: string, opts: { json?: boolean }) => verifyTool(journal, opts, io)));

  program
    .command('repair')
    .description('cut a damaged journal at its first bad frame (the bytes are kept aside) and say how many events that drops')
    .argument('<journal>', 'journal folder')
    .option('--dry-run', 'only say what would be cut')
    .action(tool((journal: string, opts: { dryRun?: boolean }) => repairTool(journal, opts, io)));

  program
    .command('compact')
    .description('a new journal with the same final state, the shortest history and only referenced blobs')
    .argument('<journal>', 'journal folder')
    .argument('<new>', 'new journal folder (must not exist or be empty)')
    .action(tool((journal: string, target: string) => compactTool(journal, target, io)));

  return program;
}
