/**
 * This ecr-rewind's version, from its package.json: the first one with a name above this
 * file, in the sources (src/support/) and in either build (dist/support/, dist/cjs/support/).
 */
import { readFileSync } from 'node:fs';
import { callerFile, packageJsonAbove } from './module-file.ts';

let version: string | undefined;

export function packageVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(packageJsonAbove(callerFile()), 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
