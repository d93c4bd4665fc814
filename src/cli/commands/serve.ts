/** `ecr-rewind serve`: the emulator, configured by flags > environment > defaults, stopped cleanly on SIGINT/SIGTERM. */
import { type Command, Option } from 'commander';
import { type Config, DEFAULTS, parseDuration, parseUpstream, parseUpstreamCredential } from '../../config.ts';
import { startEmulator } from '../../emulator.ts';
import { envOf, wholeNumber } from '../options.ts';

/** A repeatable NAME=VALUE flag gathered into a record (a value from the environment holds several, comma- or space-separated). */
const collect =
  <V>(parse: (t: string) => [string, V]) =>
  (value: string, previous: Record<string, V> | undefined): Record<string, V> => {
    const out = { ...previous };
    for (const part of value.split(/[\s,]+/).filter((p) => p !== '')) {
      const [k, v] = parse(part);
      out[k] = v;
    }
    return out;
  };

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
    .addOption(
      new Option('--lifecycle-interval <duration>', 'how often lifecycle policies run, in emulator time (ms, or 90m, 24h, 1d)')
        .env(envOf('lifecycleInterval'))
        .argParser((t: string) => parseDuration('--lifecycle-interval', t))
        .default(DEFAULTS.lifecycleInterval, '24h'),
    )
    .addOption(new Option('--log-level <level>', 'pino log level').env(envOf('logLevel')).default(DEFAULTS.logLevel))
    .addOption(
      new Option('--event-webhook <url>', 'POST each EventBridge-shaped event to this URL (at least once, in journal order)').env(
        envOf('eventWebhook'),
      ),
    )
    .addOption(
      new Option('--advisories <file>', 'JSON advisory list image scans match against (journaled when it changes)').env(
        envOf('advisories'),
      ),
    )
    .addOption(
      new Option(
        '--upstream <name=url>',
        'pull through cache: reach upstream registry NAME (e.g. registry-1.docker.io) at URL (repeatable)',
      )
        .env(envOf('upstreams'))
        .argParser(collect(parseUpstream)),
    )
    .addOption(
      new Option(
        '--upstream-credentials <arn=user:pass>',
        "pull through cache: the credentials of a rule's credentialArn (repeatable; never journaled)",
      )
        .env(envOf('upstreamCredentials'))
        .argParser(collect(parseUpstreamCredential)),
    )
    .option('--at <position>', 'serve a read-only view of the state at a seq, mark or ISO time')
    .option('--from-snapshot <file>', 'start from a snapshot file, restored into the (new, empty) --journal folder')
    .action(serveAction);
}

/** Starts the emulator with the parsed flags and stops it cleanly on SIGINT/SIGTERM. */
async function serveAction(opts: Record<string, unknown>): Promise<void> {
  const emulator = await startEmulator(emulatorOptionsOf(opts));
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
}

/** The emulator's options from the parsed flags (commander has applied the environment and defaults). */
function emulatorOptionsOf(opts: Record<string, unknown>): Parameters<typeof startEmulator>[0] {
  return {
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
    lifecycleInterval: opts.lifecycleInterval as number,
    logLevel: opts.logLevel as string,
    eventWebhook: opts.eventWebhook as string | undefined,
    advisories: opts.advisories as string | undefined,
    ...(opts.upstream === undefined ? {} : { upstreams: opts.upstream as Config['upstreams'] }),
    ...(opts.upstreamCredentials === undefined ? {} : { upstreamCredentials: opts.upstreamCredentials as Config['upstreamCredentials'] }),
  };
}
