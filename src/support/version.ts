/**
 * This ecr-rewind's version, from its package.json: two folders up from this file
 * both in the sources (src/support/) and in the compiled package (dist/support/).
 */
import { readFileSync } from 'node:fs';

let version: string | undefined;

export function packageVersion(): string {
  if (version === undefined) {
    try {
      version =
        (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
