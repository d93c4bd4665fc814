/**
 * Flags and their checks: every value is parsed by the same parser as the setting's
 * environment variable (config.ts), and a refused value is a usage error (exit 2)
 * whose message says what is allowed.
 */
import { InvalidArgumentError, Option } from 'commander';
import { ConfigError, DEFAULTS, parserOf, SETTINGS, type Config } from '../config.ts';

/** The environment variable of a setting (README's table lists the same). */
export const envOf = (key: keyof Config): string => SETTINGS.find((s) => s.key === key)?.env ?? '';

/** A parser that turns a ConfigError (or any refusal) into commander's usage error. */
export const checked =
  <T>(parse: (text: string) => T) =>
  (text: string): T => {
    try {
      return parse(text);
    } catch (err) {
      if (err instanceof ConfigError || err instanceof InvalidArgumentError) throw new InvalidArgumentError(err.message);
      throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
    }
  };

/** The flag of a setting: its environment variable, default, parser, and the allowed values in --help. */
export function settingOption<K extends keyof Config>(
  flags: string,
  key: K,
  description: string,
  choices?: readonly string[],
  /** How --help shows the default, when not as its value (`24h` for 86400000). */
  defaultText?: string,
): Option {
  const option = new Option(flags, description).env(envOf(key));
  if (choices) option.choices(choices);
  option.argParser(checked(parserOf(key)));
  const fallback = DEFAULTS[key];
  if (fallback !== undefined) option.default(fallback, defaultText);
  return option;
}

export const wholeNumber = checked((value: string): number => {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`must be a whole number (0, 1, 2, ...), got "${value}"`);
  return n;
});

/** An ISO time (`2026-01-01`, `2026-01-01T10:00:00Z`), kept as its text. */
export const isoTime = checked((value: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || !Number.isFinite(Date.parse(value)))
    throw new InvalidArgumentError(`must be an ISO time such as 2026-01-01 or 2026-01-01T10:00:00Z, got "${value}"`);
  return value;
});
