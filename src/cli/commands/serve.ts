/**
 * `ecr-rewind serve`: the emulator, configured by flags > environment > defaults,
 * stopped cleanly on SIGINT/SIGTERM. The emulator itself is loaded only when the
 * command runs, so that the journal tools start without the HTTP faces.
 */
import { type Command, Option } from 'commander';
import { AUTH_MODES, type Config, FSYNC_MODES, LOG_FORMATS, LOG_LEVELS, parserOf } from '../../config.ts';
import { prefetchSnapshotStart } from '../../snapshot-file/prefetch.ts';
import { checked, envOf, settingOption } from '../options.ts';

/** A repeatable flag of a setting that maps names to values: each use (and the variable) adds its entries. */
function repeatableOption(flags: string, key: 'upstreams' | 'upstreamCredentials', description: string): Option {
  const parse = checked(parserOf(key));
  return new Option(flags, description)
    .env(envOf(key))
    .argParser((value: string, previous: Record<string, unknown> | undefined) => ({ ...previous, ...parse(value) }));
}

type ServeFlags = Partial<Config> & {
  at?: string;
  fromSnapshot?: string;
  upstream?: Config['upstreams'];
  upstreamCredentials?: Config['upstreamCredentials'];
};

export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the emulator (ECR JSON API and OCI registry on one port)')
    .addOption(settingOption('--host <host>', 'host', 'address to listen on'))
    .addOption(settingOption('--port <port>', 'port', 'port of both faces (0: any free port)'))
    .addOption(settingOption('--journal <dir>', 'journal', 'journal folder (created when missing)'))
    .addOption(settingOption('--fsync <mode>', 'fsync', 'durability of each acknowledged mutation', FSYNC_MODES))
    .addOption(settingOption('--fsync-interval-ms <ms>', 'fsyncIntervalMs', 'fsync period in interval mode'))
    .addOption(settingOption('--account <id>', 'account', 'AWS account of requests that name none (12 digits)'))
    .addOption(settingOption('--region <region>', 'region', 'default AWS region'))
    .addOption(
      settingOption(
        '--advertised-host <host:port>',
        'advertisedHost',
        'registry host in repositoryUri and proxyEndpoint (default: the listening address, 127.0.0.1:<port> for a loopback or wildcard one)',
      ),
    )
    .addOption(settingOption('--auth <mode>', 'auth', '/v2 auth: token (ECR tokens), any (any credentials), none (anonymous)', AUTH_MODES))
    .addOption(settingOption('--seed <n>', 'seed', 'deterministic ids from this seed'))
    .addOption(settingOption('--clock <start[,step]>', 'clock', 'deterministic clock: ISO time or epoch ms, step in ms'))
    .addOption(
      settingOption(
        '--lifecycle-interval <duration>',
        'lifecycleInterval',
        'how often lifecycle policies run, in emulator time (ms, or 90m, 24h, 1d)',
        undefined,
        '24h',
      ),
    )
    .addOption(
      settingOption(
        '--event-webhook <url>',
        'eventWebhook',
        'POST each EventBridge-shaped event to this URL (at least once, in journal order)',
      ),
    )
    .addOption(
      settingOption('--advisories <file>', 'advisories', 'JSON advisory list image scans match against (journaled when it changes)'),
    )
    .addOption(settingOption('--log-level <level>', 'logLevel', 'log level', LOG_LEVELS))
    .addOption(
      settingOption('--log-format <format>', 'logFormat', 'pretty lines (local time) or JSON; auto: pretty on a terminal', LOG_FORMATS),
    )
    .addOption(settingOption('--log-requests <level>', 'logRequests', 'level of the one line logged per request', ['info', 'debug']))
    .addOption(
      repeatableOption(
        '--upstream <name=url>',
        'upstreams',
        'pull through cache: reach upstream registry NAME (e.g. registry-1.docker.io) at URL (repeatable)',
      ),
    )
    .addOption(
      repeatableOption(
        '--upstream-credentials <arn=user:pass>',
        'upstreamCredentials',
        "pull through cache: the credentials of a rule's credentialArn (repeatable; never journaled)",
      ),
    )
    .option('--at <position>', 'serve a read-only view of the state at a seq, mark or ISO time')
    .option('--from-snapshot <file>', 'start from a snapshot file, restored into the (new, empty) --journal folder')
    .action(async ({ upstream, ...opts }: ServeFlags) => {
      // the snapshot file's first reads run on the thread pool while the emulator's modules load
      if (opts.fromSnapshot !== undefined) prefetchSnapshotStart(opts.fromSnapshot);
      const { startEmulator } = await import('../../emulator.ts');
      const emulator = await startEmulator({ ...opts, ...(upstream === undefined ? {} : { upstreams: upstream }) });
      const shutdown = (): void => {
        process.stderr.write('ecr-rewind stopping: finishing the requests in flight\n');
        emulator.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`ecr-rewind: stop failed: ${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
