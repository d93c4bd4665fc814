/** `ecr-rewind serve`: the emulator, configured by flags > environment > defaults, stopped cleanly on SIGINT/SIGTERM. */
import { type Command, Option } from 'commander';
import { type Config, DEFAULTS } from '../../config.ts';
import { startEmulator } from '../../emulator.ts';
import { envOf, wholeNumber } from '../options.ts';

export function addServeCommand(program: Command): void {
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
      // a signal lets the requests in flight finish (up to 10 s), then flushes and releases the journal;
      // a second signal ends the process at once
      const shutdown = (): void => {
        process.stderr.write('ecr-rewind stopping: finishing the requests in flight\n');
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
}
