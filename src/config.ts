/**
 * The emulator's configuration: one typed, frozen object resolved from
 * flags > environment variables > embedded defaults. README.md shows it as a table.
 *
 * Every setting has one parser of its text form (flag or environment value) that
 * names what is allowed when it refuses a value; the command line uses the same
 * parsers, and resolveConfig checks typed values with them too.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';

/** When an acknowledged mutation is durable (the journal's fsync modes). */
export type FsyncMode = 'always' | 'interval' | 'never';

export type AuthMode = 'token' | 'any' | 'none';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** `pretty`: readable lines in local time; `json`: one JSON object a line; `auto`: pretty on a terminal. */
export type LogFormat = 'auto' | 'pretty' | 'json';

export interface Config {
  readonly host: string;
  readonly port: number;
  /** The journal folder (events, snapshots, blobs). */
  readonly journal: string;
  readonly fsync: FsyncMode;
  readonly fsyncIntervalMs: number;
  /** The AWS account used when a request names none (and for /v2 in auth modes any/none). */
  readonly account: string;
  readonly region: string;
  /**
   * host:port that repository URIs and proxyEndpoint advertise and clients log in to;
   * default: the address the server listens on, 127.0.0.1 for a loopback or wildcard one
   * (see registryHostOf).
   */
  readonly advertisedHost: string | undefined;
  /** /v2 auth: token = ECR tokens from GetAuthorizationToken; any = any Basic credentials; none = anonymous too. */
  readonly auth: AuthMode;
  /** Deterministic ids from this seed (recording), or random ids. */
  readonly seed: number | undefined;
  /** Deterministic clock `START[,STEP]` (recording), or the system clock. */
  readonly clock: string | undefined;
  /** How often (emulator time, ms) each repository's lifecycle policy runs. */
  readonly lifecycleInterval: number;
  /** POST every EventBridge-shaped event to this URL (at least once, in journal order), or none. */
  readonly eventWebhook: string | undefined;
  /** A JSON file of advisories image scans match against (src/scanning/advisory-input.ts), loaded at start. */
  readonly advisories: string | undefined;
  /** Pull through cache: upstream registry URL (as rules name it) -> the http(s) URL it is reached at (a local mirror). */
  readonly upstreams: Readonly<Record<string, string>>;
  /** Pull through cache: Secrets Manager secret ARN -> the upstream credentials it stands for (never journaled). */
  readonly upstreamCredentials: Readonly<Record<string, { readonly username: string; readonly password: string }>>;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** The level of the one line logged per request: `info`, or `debug` to hide them at the default level. */
  readonly logRequests: 'info' | 'debug';
}

/** A setting's value that is not allowed; the message says what is. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  parse: (text: string) => Config[K];
}

const wholeNumber =
  (name: string, max = Number.MAX_SAFE_INTEGER, min = 0) =>
  (text: string): number => {
    const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new ConfigError(`${name} must be a whole number from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'up' : max}, got "${text}"`);
    return n;
  };
const oneOf =
  <T extends string>(name: string, values: readonly T[]) =>
  (text: string): T => {
    if (!(values as readonly string[]).includes(text)) throw new ConfigError(`${name} must be one of ${values.join(', ')}; got "${text}"`);
    return text as T;
  };
const matching =
  (name: string, pattern: RegExp, what: string) =>
  (text: string): string => {
    if (!pattern.test(text)) throw new ConfigError(`${name} must be ${what}, got "${text}"`);
    return text;
  };
const text = (t: string): string => t;
const httpUrl =
  (name: string) =>
  (t: string): string => {
    let url: URL;
    try {
      url = new URL(t);
    } catch {
      throw new ConfigError(`${name} must be an http(s) URL, got "${t}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL, got "${t}"`);
    return t;
  };

/** `NAME=URL`: a pull through cache upstream (a registry URL as rules name it) reached at an http(s) URL. */
export function parseUpstream(t: string): [string, string] {
  const eq = t.indexOf('=');
  const name = t
    .slice(0, eq)
    .trim()
    .replace(/^https:\/\//, '')
    .replace(/\/$/, '');
  if (eq <= 0 || name === '')
    throw new ConfigError(`an upstream is NAME=URL (e.g. registry-1.docker.io=http://127.0.0.1:5000), got "${t}"`);
  return [name, httpUrl(`upstream ${name}`)(t.slice(eq + 1).trim()).replace(/\/$/, '')];
}

/** `ARN=user:password`: the credentials a pull through cache rule's credentialArn stands for (the ARN ends at the first `=`). */
export function parseUpstreamCredential(t: string): [string, { username: string; password: string }] {
  const eq = t.indexOf('=');
  const colon = t.indexOf(':', eq + 1);
  if (eq <= 0 || colon < 0 || !t.startsWith('arn:'))
    throw new ConfigError('upstream credentials are ARN=user:password (ARN: the Secrets Manager secret a rule names)');
  return [t.slice(0, eq), { username: t.slice(eq + 1, colon), password: t.slice(colon + 1) }];
}

/** Several values of a repeatable setting in one environment variable: separated by commas or whitespace. */
const many =
  <V>(parse: (t: string) => [string, V]) =>
  (text: string): Record<string, V> =>
    Object.fromEntries(
      text
        .split(/[\s,]+/)
        .filter((t) => t !== '')
        .map(parse),
    );

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: whole milliseconds, or a number with a unit (`ms`, `s`, `m`, `h`, `d`), e.g. `24h`. */
export function parseDuration(name: string, t: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(t.trim());
  const ms = m ? Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']!) : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0)
    throw new ConfigError(`${name} must be a positive duration such as 86400000, 90m, 24h or 1d, got "${t}"`);
  return ms;
}

const hostText = (t: string): string => {
  if (t === '' || /\s|\//.test(t))
    throw new ConfigError(`host must be an address or host name to listen on (127.0.0.1, 0.0.0.0, ::), got "${t}"`);
  return t;
};

/** `START[,STEP]`: START an ISO time or epoch milliseconds, STEP whole milliseconds. */
export function parseClockText(t: string): { start: number; step: number } {
  const [startText = '', stepText, ...rest] = t.split(',');
  const start = /^\d+$/.test(startText) ? Number(startText) : /^\d{4}-\d{2}-\d{2}/.test(startText) ? Date.parse(startText) : NaN;
  const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) ? Number(stepText) : NaN;
  if (!Number.isFinite(start) || !Number.isFinite(step) || rest.length > 0)
    throw new ConfigError(
      `clock must be START[,STEP]: START an ISO time (2026-01-01T00:00:00Z) or epoch milliseconds, STEP whole milliseconds (default 1); got "${t}"`,
    );
  return { start, step };
}

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const FSYNC_MODES: readonly FsyncMode[] = ['always', 'interval', 'never'];
export const AUTH_MODES: readonly AuthMode[] = ['token', 'any', 'none'];
export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'pretty', 'json'];

export const DEFAULTS: Config = Object.freeze({
  host: '127.0.0.1',
  port: 4566,
  journal: '.ecr-rewind',
  fsync: 'always',
  fsyncIntervalMs: 100,
  account: '000000000000',
  region: 'us-east-1',
  advertisedHost: undefined,
  auth: 'token',
  seed: undefined,
  clock: undefined,
  lifecycleInterval: 24 * 60 * 60 * 1000,
  eventWebhook: undefined,
  logLevel: 'info',
  logFormat: 'auto',
  logRequests: 'info',
  advisories: undefined,
  upstreams: Object.freeze({}),
  upstreamCredentials: Object.freeze({}),
});

/** Each setting's environment variable and parser (README's table lists the same). */
export const SETTINGS: readonly Setting<keyof Config>[] = [
  { key: 'host', env: 'ECR_REWIND_HOST', parse: hostText },
  { key: 'port', env: 'ECR_REWIND_PORT', parse: wholeNumber('port', 65535) },
  { key: 'journal', env: 'ECR_REWIND_JOURNAL', parse: text },
  { key: 'fsync', env: 'ECR_REWIND_FSYNC', parse: oneOf('fsync', FSYNC_MODES) },
  { key: 'fsyncIntervalMs', env: 'ECR_REWIND_FSYNC_INTERVAL_MS', parse: wholeNumber('fsync interval (ms)', 3_600_000, 1) },
  { key: 'account', env: 'ECR_REWIND_ACCOUNT', parse: matching('account', /^\d{12}$/, 'a 12-digit AWS account id') },
  {
    key: 'region',
    env: 'ECR_REWIND_REGION',
    parse: matching('region', /^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region name such as us-east-1'),
  },
  {
    key: 'advertisedHost',
    env: 'ECR_REWIND_ADVERTISED_HOST',
    parse: matching('advertised host', /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$/, 'host[:port] (no scheme, no path)'),
  },
  { key: 'auth', env: 'ECR_REWIND_AUTH', parse: oneOf('auth', AUTH_MODES) },
  { key: 'seed', env: 'ECR_REWIND_SEED', parse: wholeNumber('seed') },
  {
    key: 'clock',
    env: 'ECR_REWIND_CLOCK',
    parse: (t) => {
      parseClockText(t);
      return t;
    },
  },
  { key: 'lifecycleInterval', env: 'ECR_REWIND_LIFECYCLE_INTERVAL', parse: (t) => parseDuration('lifecycle interval', t) },
  { key: 'eventWebhook', env: 'ECR_REWIND_EVENT_WEBHOOK', parse: httpUrl('event webhook') },
  { key: 'logLevel', env: 'ECR_REWIND_LOG_LEVEL', parse: oneOf('log level', LOG_LEVELS) },
  { key: 'logFormat', env: 'ECR_REWIND_LOG_FORMAT', parse: oneOf('log format', LOG_FORMATS) },
  { key: 'logRequests', env: 'ECR_REWIND_LOG_REQUESTS', parse: oneOf('request log level', ['info', 'debug'] as const) },
  { key: 'advisories', env: 'ECR_REWIND_ADVISORIES', parse: text },
  { key: 'upstreams', env: 'ECR_REWIND_UPSTREAMS', parse: many(parseUpstream) },
  { key: 'upstreamCredentials', env: 'ECR_REWIND_UPSTREAM_CREDENTIALS', parse: many(parseUpstreamCredential) },
] as Setting<keyof Config>[];

/** The parser of one setting (the command line validates flags with it). */
export const parserOf = <K extends keyof Config>(key: K): ((text: string) => Config[K]) =>
  SETTINGS.find((s) => s.key === key)!.parse as (text: string) => Config[K];

/**
 * The host:port clients reach the registry at when no advertised host is set: the
 * listening address, with 127.0.0.1 for a wildcard (0.0.0.0, ::) or loopback one.
 * One literal address, not `localhost`: docker keys its saved credentials by the exact
 * host text (a login to 127.0.0.1:4566 does not cover localhost:4566), and `localhost`
 * may resolve to ::1 first, where a server on 127.0.0.1 does not listen.
 */
export function registryHostOf(host: string, port: number): string {
  const loopbackOrAny = host === '0.0.0.0' || host === '::' || host === '::1' || host === 'localhost' || host.startsWith('127.');
  if (loopbackOrAny) return `127.0.0.1:${port}`;
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Resolves the configuration: `flags` win over the environment, which wins over
 * DEFAULTS. Throws a ConfigError naming the bad setting and what it allows.
 */
export function resolveConfig(flags: Partial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const s of SETTINGS) {
    const raw = env[s.env];
    if (raw !== undefined && raw !== '') out[s.key] = s.parse(raw);
  }
  for (const s of SETTINGS) {
    const v = flags[s.key];
    if (v === undefined) continue;
    // typed values are checked by the same parser as their text form
    if (typeof v === 'number' || (typeof v === 'string' && s.parse !== text)) s.parse(String(v));
    out[s.key] = v;
  }
  out.journal = resolve(String(out.journal));
  return Object.freeze(out as unknown as Config);
}
