// The journal tools as users run them: `ecr-rewind <command>` with its documented exit codes
// (0 ok, 2 usage, 3 not found, 4 corrupt).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { BlobStore } from '../../src/blobs/blob-store.ts';
import { ecrRewind } from '../support/bin.ts';
import { copyScenario, replayed, scenarioDir, scenarioFacts, tempDir } from './rewind-support.ts';

const run = (...args: string[]) => ecrRewind(args);

test('log --json prints one event per line; --limit pages with a hint to continue', async (t) => {
  const facts = await scenarioFacts('docker-image');
  const all = await run('log', scenarioDir('docker-image'), '--json');
  t.is(all.code, 0);
  const lines = all.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { seq: number; type: string });
  t.is(lines.length, facts.lastSeq);
  t.is(lines[0]?.type, 'RepositoryCreated');
  const page = await run('log', scenarioDir('docker-image'), '--limit', '5', '--from', '3');
  t.is(page.stdout.trim().split('\n').length, 6, 'a header and five rows');
  t.regex(page.stderr, /continue with --from 8/);
});

test('state, diff, fork, snapshot, restore and compact exit 0 and say what they did', async (t) => {
  const dir = await tempDir(t);
  const j = scenarioDir('rewound-history');
  const state = await run('state', j, '--at', 'v2', '--json');
  t.is(state.code, 0, state.stderr);
  t.is((JSON.parse(state.stdout) as { seq: number }).seq, 22);
  const diff = await run('diff', j, 'v1', 'v2');
  t.regex(diff.stdout, /~ tag latest: sha256:\w+ -> sha256:\w+/);
  t.is((await run('fork', j, join(dir, 'fork'), '--at', 'v2')).code, 0);
  t.is((await replayed(join(dir, 'fork'))).seq, 22);
  t.is((await run('snapshot', j, join(dir, 'snap'))).code, 0);
  const restore = await run('restore', join(dir, 'snap'), join(dir, 'restored'));
  t.is(restore.code, 0, restore.stderr);
  t.regex(restore.stdout, /blobs verified/);
  t.is((await run('compact', j, join(dir, 'compact'))).code, 0);
  t.is((await run('verify', join(dir, 'compact'))).code, 0);
});

test('exit codes: 2 for usage, 3 for not found, 4 for corrupt', async (t) => {
  const dir = await tempDir(t);
  t.is((await run('log', scenarioDir('docker-image'), '--limit', 'many')).code, 2);
  t.is((await run('frobnicate')).code, 2);
  t.is((await run('log', join(dir, 'nowhere'))).code, 3);
  t.is((await run('state', scenarioDir('docker-image'), '--at', 'no-such-mark')).code, 3);
  t.is((await run('restore', join(dir, 'missing.snapshot'), join(dir, 'r'))).code, 3);

  const copy = await copyScenario('docker-image', dir);
  t.is((await run('verify', copy)).code, 0);
  const digest = [...(await replayed(copy)).blobs.keys()][0]!;
  const path = new BlobStore(copy, { durable: false }).path(digest);
  const bytes = await readFile(path);
  bytes[3] = bytes[3]! ^ 0x40;
  await writeFile(path, bytes);
  const bad = await run('verify', copy);
  t.is(bad.code, 4);
  t.regex(bad.stdout, /FAULT blob-digest/);

  await writeFile(join(dir, 'junk.snapshot'), 'junk');
  const junk = await run('restore', join(dir, 'junk.snapshot'), join(dir, 'r2'));
  t.is(junk.code, 4);
  t.regex(junk.stderr, /not an ecr-rewind snapshot file/);
});
