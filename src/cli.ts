/**
 * The `ecr-rewind` command line: `serve` starts the emulator, `inspect` serves the
 * inspector page on a read-only view of a journal; the journal tools
 * (log, state, diff, fork, snapshot, restore, verify, compact) are thin over
 * src/replay/tools/. Exit codes (src/replay/tool-error.ts): 0 ok, 1 failure,
 * 2 usage, 3 not found, 4 corrupt (verify: faults found).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { startEmulator } from './emulator.ts';
import { DEFAULTS, SETTINGS, type Config } from './config.ts';
import { DomainFailure } from './domain/errors.ts';
import { JournalCorruptError, JournalLockedError } from './journal/index.ts';
import { terminalProgress } from './replay/progress.ts';
import { EXIT_CODES, ToolError } from './replay/tool-error.ts';
import { compactTool } from './replay/tools/compact-tool.ts';
import { diffTool } from './replay/tools/diff-tool.ts';
import { forkTool } from './replay/tools/fork-tool.ts';
import { logTool } from './replay/tools/log-tool.ts';
import { restoreTool, snapshotTool } from './replay/tools/snapshot-tool.ts';
import { stateTool } from './replay/tools/state-tool.ts';
import type { ToolIO } from './replay/tools/tool-io.ts';
import { verifyTool } from './replay/tools/verify-tool.ts';

const envOf = (key: keyof Config): string => SETTINGS.find((s) => s.key === key)?.env ?? '';

const wholeNumber = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
};

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

  program
    .command('serve')
    .description('start the emulator (ECR JSON API and OCI registry on one port)')
    .addOption(new Option('--host <host>', 'address to listen on').env(envOf('host')).default(DEFAULTS.host))
    .addOption(new Option('--port <port>', 'port to listen on').env(envOf('port')).default(DEFAULTS.port).argParser(wholeNumber))
    .addOption(new Option('--journal <dir>', 'journal folder').env(envOf('journal')).default(DEFAULTS.journal))
    .addOption(
      new Option('--fsync <mode>', 'durability of each acknowledged mutation')
        .choices(['always', 'interval', 'never'])
        .env(envOf('fsync'))
        .default(DEFAULTS.fsync),
    )
    .addOption(
      new Option('--fsync-interval-ms <ms>', 'fsync period in interval mode')
        .env(envOf('fsyncIntervalMs'))
        .default(DEFAULTS.fsyncIntervalMs)
        .argParser(wholeNumber),
    )
    .addOption(new Option('--account <id>', 'default AWS account id').env(envOf('account')).default(DEFAULTS.account))
    .addOption(new Option('--region <region>', 'default AWS region').env(envOf('region')).default(DEFAULTS.region))
    .addOption(
      new Option('--advertised-host <host:port>', 'registry host in repository URIs (default localhost:<port>)').env(
        envOf('advertisedHost'),
      ),
    )
    .addOption(
      new Option('--auth <mode>', '/v2 auth: token (ECR tokens), any (any credentials), none (anonymous)')
        .choices(['token', 'any', 'none'])
        .env(envOf('auth'))
        .default(DEFAULTS.auth),
    )
    .addOption(new Option('--seed <n>', 'deterministic ids from this seed').env(envOf('seed')).argParser(wholeNumber))
    .addOption(new Option('--clock <start[,step]>', 'deterministic clock: ISO time or epoch ms, step in ms').env(envOf('clock')))
    .addOption(new Option('--log-level <level>', 'pino log level').env(envOf('logLevel')).default(DEFAULTS.logLevel))
    .option('--at <position>', 'serve a read-only view of the state at a seq, mark or ISO time')
    .option('--from-snapshot <file>', 'start from a snapshot file, restored into the (new, empty) --journal folder')
    .action(async (opts: Record<string, unknown>) => {
      const emulator = await startEmulator({
        ...(opts.at === undefined ? {} : { at: opts.at as string }),
        ...(opts.fromSnapshot === undefined ? {} : { fromSnapshot: opts.fromSnapshot as string }),
        host: opts.host as string,
        port: opts.port as number,
        journal: opts.journal as string,
        fsync: opts.fsync as Config['fsync'],
        fsyncIntervalMs: opts.fsyncIntervalMs as number,
        account: opts.account as string,
        region: opts.region as string,
        advertisedHost: opts.advertisedHost as string | undefined,
        auth: opts.auth as Config['auth'],
        seed: opts.seed as number | undefined,
        clock: opts.clock as string | undefined,
        logLevel: opts.logLevel as string,
      });
      process.stderr.write(
        `ecr-rewind serving ${emulator.endpoint} (journal ${emulator.config.journal}, fsync ${emulator.config.fsync}, auth ${emulator.config.auth}${emulator.engine.readOnly === undefined ? '' : ', read-only'})\n`,
      );
      const shutdown = (): void => {
        emulator.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`stop failed: ${String(err)}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });

  program
    .command('inspect')
    .description('serve the timeline inspector page (/_rewind/ui) on a read-only view of a journal')
    .argument('<journal>', "journal folder (another machine's will do: nothing is written to it)")
    .addOption(new Option('--host <host>', 'address to listen on').default(DEFAULTS.host))
    .addOption(new Option('--port <port>', 'port to listen on (0: any free one)').default(DEFAULTS.port + 1).argParser(wholeNumber))
    .option('--at <position>', 'the position the view starts at: seq, mark, ISO time or end', 'end')
    .addOption(new Option('--log-level <level>', 'pino log level').default('warn'))
    .action(async (journal: string, opts: { host: string; port: number; at: string; logLevel: string }) => {
      if (!existsSync(join(journal, 'segments'))) throw new ToolError('not-found', `no journal folder at ${journal} (no segments/)`);
      const emulator = await startEmulator({
        journal,
        at: opts.at,
        host: opts.host,
        port: opts.port,
        auth: 'none',
        logLevel: opts.logLevel,
      });
      process.stderr.write(`ecr-rewind inspector: ${emulator.endpoint}/_rewind/ui (read-only view of ${journal}; Ctrl-C stops it)\n`);
      const shutdown = (): void => {
        emulator.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });

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
    .command('compact')
    .description('a new journal with the same final state, the shortest history and only referenced blobs')
    .argument('<journal>', 'journal folder')
    .argument('<new>', 'new journal folder (must not exist or be empty)')
    .action(tool((journal: string, target: string) => compactTool(journal, target, io)));

  return program;
}

/** The exit code for an error that reached the top. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError)
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help'
      ? EXIT_CODES.ok
      : EXIT_CODES.usage;
  if (err instanceof ToolError) return EXIT_CODES[err.kind];
  if (err instanceof JournalCorruptError) return EXIT_CODES.corrupt;
  if (err instanceof DomainFailure && err.error.code === 'PositionNotFound') return EXIT_CODES['not-found'];
  if (err instanceof JournalLockedError) return EXIT_CODES.failure;
  return EXIT_CODES.failure;
}

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
