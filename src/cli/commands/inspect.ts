/**
 * `ecr-rewind inspect JOURNAL`: the timeline inspector page (/_rewind/ui) on a read-only
 * view of a journal folder (another machine's will do): no lock is taken and nothing is
 * written to the folder; every face refuses mutations.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { DEFAULTS, LOG_LEVELS, type LogLevel, parserOf } from '../../config.ts';
import { JournalNotFoundError } from '../../journal/index.ts';
import { checked } from '../options.ts';

export function addInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('serve the timeline inspector page (/_rewind/ui) on a read-only view of a journal')
    .argument('<journal>', 'journal folder (nothing is written to it)')
    .addOption(new Option('--host <host>', 'address to listen on').default(DEFAULTS.host).argParser(checked(parserOf('host'))))
    .addOption(
      new Option('--port <port>', 'port to listen on (0: any free one)').default(DEFAULTS.port + 1).argParser(checked(parserOf('port'))),
    )
    .option('--at <position>', 'the position the view starts at: seq, mark, ISO time or end', 'end')
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(LOG_LEVELS)
        .default('warn')
        .argParser(checked(parserOf('logLevel'))),
    )
    .action(async (journal: string, opts: { host: string; port: number; at: string; logLevel: LogLevel }) => {
      if (!existsSync(join(journal, 'segments'))) throw new JournalNotFoundError(journal, `no journal folder at ${journal} (no segments/)`);
      const { startEmulator } = await import('../../emulator.ts');
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
}
