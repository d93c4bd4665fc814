/** Parsers of flag values shared by the commands. */
import { InvalidArgumentError } from 'commander';
import { SETTINGS, type Config } from '../config.ts';

/** The environment variable of a setting (README's table lists the same). */
export const envOf = (key: keyof Config): string => SETTINGS.find((s) => s.key === key)?.env ?? '';

export const wholeNumber = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
};
