/**
 * The emulator's configuration: one typed, frozen object resolved from
 * flags > environment variables > embedded defaults. README.md shows it as a table.
 */
import { resolve } from 'node:path';
/** When an acknowledged mutation is durable (the journal's fsync modes). */
export type FsyncMode = 'always' | 'interval' | 'never';

export type AuthMode = 'token' | 'any' | 'none';

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
  /** host[:port] that repository URIs and proxyEndpoint advertise; default localhost:<port>. */
  readonly advertisedHost: string | undefined;
  /** /v2 auth: token = ECR tokens from GetAuthorizationToken; any = any Basic credentials; none = anonymous too. */
  readonly auth: AuthMode;
  /** Deterministic ids from this seed (recording), or random ids. */
  readonly seed: number | undefined;
  /** Deterministic clock `START[,STEP]` (recording), or the system clock. */
  readonly clock: string | undefined;
  /** How often (emulator time, ms) each repository's lifecycle policy runs. */
  readonly lifecycleInterval: number;
  readonly logLevel: string;
  /** POST every EventBridge-shaped event to this URL (at least once, in journal order), or none. */
  readonly eventWebhook: string | undefined;
  /** A JSON file of advisories image scans match against (src/scanning/advisory-input.ts), loaded at start. */
  readonly advisories: string | undefined;
  /** Pull through cache: upstream registry URL (as rules name it) -> the http(s) URL it is reached at (a local mirror). */
  readonly upstreams: Readonly<Record<string, string>>;
  /** Pull through cache: Secrets Manager secret ARN -> the upstream credentials it stands for (never journaled). */
  readonly upstreamCredentials: Readonly<Record<string, { readonly username: string; readonly password: string }>>;
}

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  parse: (text: string) => Config[K];
}

const int =
  (name: string) =>
  (text: string): number => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${text}"`);
    return n;
  };
const oneOf =
  <T extends string>(name: string, values: readonly T[]) =>
  (text: string): T => {
    if (!(values as readonly string[]).includes(text)) throw new Error(`${name} must be one of ${values.join('|')}, got "${text}"`);
    return text as T;
  };
const text = (t: string): string => t;
const httpUrl =
  (name: string) =>
  (t: string): string => {
    let url: URL;
    try {
      url = new URL(t);
    } catch {
      throw new Error(`${name} must be an http(s) URL, got "${t}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL, got "${t}"`);
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
  if (eq <= 0 || name === '') throw new Error(`an upstream is NAME=URL (e.g. registry-1.docker.io=http://127.0.0.1:5000), got "${t}"`);
  return [name, httpUrl(`upstream ${name}`)(t.slice(eq + 1).trim()).replace(/\/$/, '')];
}

/** `ARN=user:password`: the credentials a pull through cache rule's credentialArn stands for (the ARN ends at the first `=`). */
export function parseUpstreamCredential(t: string): [string, { username: string; password: string }] {
  const eq = t.indexOf('=');
  const colon = t.indexOf(':', eq + 1);
  if (eq <= 0 || colon < 0 || !t.startsWith('arn:'))
    throw new Error('upstream credentials are ARN=user:password (ARN: the Secrets Manager secret a rule names)');
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
    throw new Error(`${name} must be a positive duration such as 86400000, 90m, 24h or 1d, got "${t}"`);
  return ms;
}

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
  logLevel: 'info',
  eventWebhook: undefined,
  advisories: undefined,
  upstreams: Object.freeze({}),
  upstreamCredentials: Object.freeze({}),
});

/** Each setting's environment variable (README's table lists the same). */
export const SETTINGS: readonly Setting<keyof Config>[] = [
  { key: 'host', env: 'ECR_REWIND_HOST', parse: text },
  { key: 'port', env: 'ECR_REWIND_PORT', parse: int('port') },
  { key: 'journal', env: 'ECR_REWIND_JOURNAL', parse: text },
  { key: 'fsync', env: 'ECR_REWIND_FSYNC', parse: oneOf('fsync', ['always', 'interval', 'never'] as const) },
  { key: 'fsyncIntervalMs', env: 'ECR_REWIND_FSYNC_INTERVAL_MS', parse: int('fsync interval') },
  { key: 'account', env: 'ECR_REWIND_ACCOUNT', parse: text },
  { key: 'region', env: 'ECR_REWIND_REGION', parse: text },
  { key: 'advertisedHost', env: 'ECR_REWIND_ADVERTISED_HOST', parse: text },
  { key: 'auth', env: 'ECR_REWIND_AUTH', parse: oneOf('auth', ['token', 'any', 'none'] as const) },
  { key: 'seed', env: 'ECR_REWIND_SEED', parse: int('seed') },
  { key: 'clock', env: 'ECR_REWIND_CLOCK', parse: text },
  { key: 'lifecycleInterval', env: 'ECR_REWIND_LIFECYCLE_INTERVAL', parse: (t) => parseDuration('lifecycle interval', t) },
  { key: 'logLevel', env: 'ECR_REWIND_LOG_LEVEL', parse: text },
  { key: 'eventWebhook', env: 'ECR_REWIND_EVENT_WEBHOOK', parse: httpUrl('event webhook') },
  { key: 'advisories', env: 'ECR_REWIND_ADVISORIES', parse: text },
  { key: 'upstreams', env: 'ECR_REWIND_UPSTREAMS', parse: many(parseUpstream) },
  { key: 'upstreamCredentials', env: 'ECR_REWIND_UPSTREAM_CREDENTIALS', parse: many(parseUpstreamCredential) },
] as Setting<keyof Config>[];

/**
 * Resolves the configuration: `flags` (already typed) win over the environment,
 * which wins over DEFAULTS. Throws an Error naming the bad setting.
 */
export function resolveConfig(flags: Partial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const s of SETTINGS) {
    const raw = env[s.env];
    if (raw !== undefined && raw !== '') out[s.key] = s.parse(raw);
  }
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) out[k] = v;
  out.journal = resolve(String(out.journal));
  return Object.freeze(out as unknown as Config);
}
