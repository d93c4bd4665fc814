import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { NewRecord } from '../../src/journal/index.ts';

/** A fresh temp dir removed when the test ends. */
export async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-rewind-journal-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A test event: `TestThingHappened` v1 with a counter. */
export function thing(n: number, extra = ''): NewRecord {
  return { type: 'TestThingHappened', v: 1, time: 1_700_000_000_000 + n, data: { n, note: `thing ${n}${extra}` } };
}

/** Collects warnings given to the journal. */
export function warnings(): { warn: (msg: string) => void; messages: string[] } {
  const messages: string[] = [];
  return { warn: (msg) => messages.push(msg), messages };
}
