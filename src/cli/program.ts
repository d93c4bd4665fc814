/**
 * The `ecr-rewind` command line: `serve` starts the emulator, `inspect` serves the
 * inspector page on a read-only view of a journal; the journal tools (log, state,
 * diff, fork, mark, snapshot, restore, verify, compact) are thin over the library
 * (commands/). Each command's code is loaded only when it runs, so a start of the
 * server does not pay for the tools, nor a tool for the server.
 * Exit codes: exit-codes.ts.
 */
import { Command } from 'commander';
import { packageVersion } from '../support/version.ts';
import { addInspectCommand } from './commands/inspect.ts';
import { addServeCommand } from './commands/serve.ts';
import type { ToolIO } from './io.ts';
import { isoTime, wholeNumber } from './options.ts';
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

const AT = 'seq, mark, ISO time or end';

export function buildCli(): Command {
  const program = new Command('ecr-rewind')
    .description('A local Amazon ECR emulator whose state is an event-sourced journal')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(ecr-rewind --help lists the commands, ecr-rewind <command> --help their flags)')
    .exitOverride()
    // no command: commander shows the help as an error (exit 2, exit-codes.ts)
    .addHelpText('after', EXIT_HELP);

  addServeCommand(program);
  addInspectCommand(program);
  addHistoryTools(program);
  addFileTools(program);
  return program;
}

/** log, state, diff, fork and mark: reading and bookmarking a journal's history. */
function addHistoryTools(program: Command): void {
  program
    .command('log')
    .description('the history as a table (or JSON lines), filtered and paged')
    .argument('<journal>', 'journal folder')
    .option('--from <seq>', 'first sequence number (paging: the "continue with" hint)', wholeNumber)
    .option('--to <seq>', 'last sequence number', wholeNumber)
    .option('--since <time>', 'events at or after this ISO time', isoTime)
    .option('--until <time>', 'events at or before this ISO time', isoTime)
    .option('--type <types>', 'only these event types (comma-separated, repeatable)', list)
    .option('--repository <name>', 'only events of this repository')
    .option('--limit <n>', 'at most n events', wholeNumber)
    .option('--json', 'one JSON event per line')
    .action(tool(async (journal: string, opts: Record<string, never>) => (await import('./commands/log.ts')).logTool(journal, opts, io)));

  program
    .command('state')
    .description('the registry as it was: repositories, images, tags, sizes')
    .argument('<journal>', 'journal folder')
    .option('--at <position>', AT, 'end')
    .option('--json', 'the full state view as JSON')
    .action(
      tool(async (journal: string, opts: { at?: string; json?: boolean }) =>
        (await import('./commands/state.ts')).stateTool(journal, opts, io),
      ),
    );

  program
    .command('diff')
    .description('what changed between two positions')
    .argument('<journal>', 'journal folder')
    .argument('<a>', 'from position')
    .argument('<b>', 'to position')
    .option('--json', 'as JSON')
    .action(
      tool(async (journal: string, a: string, b: string, opts: { json?: boolean }) =>
        (await import('./commands/diff.ts')).diffTool(journal, a, b, opts, io),
      ),
    );

  program
    .command('fork')
    .description('a new writable journal whose history is the prefix up to a position')
    .argument('<journal>', 'journal folder')
    .argument('<new>', 'new journal folder (must not exist or be empty)')
    .option('--at <position>', AT, 'end')
    .action(
      tool(async (journal: string, target: string, opts: { at?: string }) =>
        (await import('./commands/fork.ts')).forkTool(journal, target, opts, io),
      ),
    );

  program
    .command('mark')
    .description('bookmark a position of a journal folder that no server is writing (a server: POST /_rewind/marks)')
    .argument('<journal>', 'journal folder')
    .argument('<name>', 'mark name (not a number, an ISO time, or end/now/latest)')
    .option('--at <position>', AT, 'end')
    .option('--move', 'move the mark if the name exists (otherwise an existing name is refused)')
    .action(
      tool(async (journal: string, name: string, opts: { at?: string; move?: boolean }) =>
        (await import('./commands/mark.ts')).markTool(journal, name, opts, io),
      ),
    );
}

/** snapshot, restore, verify and compact: whole journals and snapshot files. */
function addFileTools(program: Command): void {
  program
    .command('snapshot')
    .description('one self-contained file: state checkpoint and every blob it references')
    .argument('<journal>', 'journal folder')
    .argument('<file>', 'snapshot file to write (its folder must exist)')
    .option('--at <position>', AT, 'end')
    .action(
      tool(async (journal: string, file: string, opts: { at?: string }) =>
        (await import('./commands/snapshot.ts')).snapshotTool(journal, file, opts, io),
      ),
    );

  program
    .command('restore')
    .description('a new journal folder from a snapshot file, every digest verified')
    .argument('<file>', 'snapshot file')
    .argument('<dir>', 'new journal folder (must not exist or be empty)')
    .action(tool(async (file: string, dir: string) => (await import('./commands/snapshot.ts')).restoreTool(file, dir, io)));

  program
    .command('verify')
    .description('check frames, checksums, sequence, blobs and checkpoints; exit 4 on any fault')
    .argument('<journal>', 'journal folder')
    .option('--json', 'the report as JSON')
    .action(
      tool(async (journal: string, opts: { json?: boolean }) => (await import('./commands/verify.ts')).verifyTool(journal, opts, io)),
    );

  program
    .command('repair')
    .description('cut a damaged journal at its first bad frame (the bytes are kept aside) and say how many events that drops')
    .argument('<journal>', 'journal folder')
    .option('--dry-run', 'only say what would be cut')
    .action(
      tool(async (journal: string, opts: { dryRun?: boolean }) => (await import('./commands/repair.ts')).repairTool(journal, opts, io)),
    );

  program
    .command('compact')
    .description('a new journal with the same final state, the shortest history and only referenced blobs')
    .argument('<journal>', 'journal folder')
    .argument('<new>', 'new journal folder (must not exist or be empty)')
    .action(tool(async (journal: string, target: string) => (await import('./commands/compact.ts')).compactTool(journal, target, io)));
}
