// The code blocks of README.md that tests run: each follows a `<!-- test: <name> ... -->` line,
// so the README shows users exactly what the tests prove.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/bin.ts';

/** The text of the fenced block right after `<!-- test: name`. */
export function readmeBlock(name: string): string {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const marker = text.indexOf(`<!-- test: ${name}`);
  if (marker < 0) throw new Error(`README.md has no block marked <!-- test: ${name} -->`);
  const m = /```\w*\n([\s\S]*?)```/.exec(text.slice(marker));
  if (!m?.[1]) throw new Error(`README.md: no fenced block after <!-- test: ${name} -->`);
  return m[1];
}
