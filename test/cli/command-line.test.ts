// The command line as users meet it, through the real bin (compiled code): usage errors
// that say what is allowed (exit 2), a missing journal is exit 3 on every command, sentences
// instead of ENOTDIR/ENOENT, a newer journal format named, quiet pipes, no folder left by a
// failed start, marks, event types, and diffs of new repositories.
import { existsSync } from 'node:fs';
import { open, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { startEmulator } from '../../src/index.ts';
import { run } from '../../src/testkit/commands.ts';
import { copyScenario, scenarioDir, tempDir } from '../rewind/rewind-support.ts';
import { BIN, ecrRewind, serveBin } from '../support/bin.ts';

test('no command prints the help on stderr and exits 2; --version prints the package version', async (t) => {
  const none = await ecrRewind([]);
  t.is(none.code, 2);
  t.regex(none.stderr, /Usage: ecr-rewind/);
  t.regex(none.stderr, /Commands:[\s\S]*serve[\s\S]*snapshot/);
  const version = await ecrRewind(['--version']);
  t.is(version.code, 0);
  t.regex(version.stdout.trim(), /^\d+\.\d+\.\d+/);
  t.is((await ecrRewind(['frobnicate'])).code, 2);
});

test('every bad flag value is exit 2 with a message that lists what is allowed, and creates nothing', async (t) => {
  const cwd = await tempDir(t);
  const cases: [string[], RegExp, Record<string, string>?][] = [
    [['serve', '--port', '99999'], /port must be a whole number from 0 to 65535, got "99999"/],
    [['serve', '--log-level', 'loud'], /fatal, error, warn, info, debug, trace, silent; got "loud"/],
    [['serve', '--clock', 'garbage'], /clock must be START\[,STEP\]: START an ISO time .* or epoch milliseconds/],
    [['serve', '--fsync', 'sometimes'], /always, interval, never/],
    [['serve', '--auth', 'maybe'], /token, any, none/],
    [['serve', '--account', '12'], /a 12-digit AWS account id/],
    [['serve', '--region', 'mars'], /an AWS region name such as us-east-1/],
    [['serve', '--log-format', 'xml'], /auto, pretty, json/],
    [['serve', '--log-requests', 'loud'], /info, debug/],
    [['serve', '--fsync-interval-ms', '0'], /from 1 to/],
    [['serve', '--advertised-host', 'http://x/'], /host\[:port\]/],
    [['serve'], /value 'abc' from env 'ECR_REWIND_PORT' is invalid/, { ECR_REWIND_PORT: 'abc' }],
    [['log', scenarioDir('docker-image'), '--limit', 'many'], /whole number/],
    [['log', scenarioDir('docker-image'), '--since', 'yesterday'], /ISO time such as 2026-01-01/],
  ];
  for (const [args, message, env] of cases) {
    const r = await run(process.execPath, [BIN, ...args], { cwd, env: env ?? {} });
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, message, args.join(' '));
    t.notRegex(r.stderr, /at .*\.js:\d+/, 'no stack trace');
  }
  t.deepEqual(await readdir(cwd), [], 'no journal folder was created');
});

test('a missing journal is exit 3 on every command, serve --at included', async (t) => {
  const dir = await tempDir(t);
  const missing = join(dir, 'nowhere');
  const commands = [
    ['log', missing],
    ['state', missing],
    ['diff', missing, '0', 'end'],
    ['fork', missing, join(dir, 'f')],
    ['mark', missing, 'base'],
    ['snapshot', missing, join(dir, 's.snapshot')],
    ['restore', join(dir, 'missing.snapshot'), join(dir, 'r')],
    ['verify', missing],
    ['compact', missing, join(dir, 'c')],
    ['serve', '--journal', missing, '--at', 'end', '--port', '0'],
  ];
  for (const args of commands) {
    const r = await ecrRewind(args);
    t.is(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /^ecr-rewind: /, args[0]);
  }
  t.deepEqual(await readdir(dir), [], 'nothing was created');
});

test('a --journal that is a file, and a snapshot target in a missing folder, get a sentence', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'a-file');
  await writeFile(file, 'not a journal');
  const serve = await ecrRewind(['serve', '--journal', file, '--port', '0']);
  t.is(serve.code, 3);
  t.is(serve.stderr.trim().split('\n').at(-1), `ecr-rewind: ${file} is a file, not a journal folder`);
  const log = await ecrRewind(['log', file]);
  t.is(log.code, 3);
  t.notRegex(log.stderr, /ENOTDIR/);
  // a file where a new journal folder should go
  const snapshot = join(dir, 'base.snapshot');
  t.is((await ecrRewind(['snapshot', scenarioDir('docker-image'), snapshot])).code, 0);
  for (const args of [
    ['fork', scenarioDir('docker-image'), file],
    ['restore', snapshot, file],
    ['serve', '--from-snapshot', snapshot, '--journal', file, '--port', '0'],
  ]) {
    const r = await ecrRewind(args);
    t.is(r.code, 2, args[0]);
    t.is(r.stderr.trim(), `ecr-rewind: ${file} is a file: a new journal needs a new (or empty) folder`, args[0]);
  }

  const target = join(dir, 'no', 'such', 'folder', 'base.snapshot');
  const snap = await ecrRewind(['snapshot', scenarioDir('docker-image'), target]);
  t.is(snap.code, 3);
  t.regex(snap.stderr, /cannot write the snapshot file .*base\.snapshot: the folder .*folder does not exist \(create it first\)/);
  t.notRegex(snap.stderr, /ENOENT/);
  t.false(existsSync(join(dir, 'no')));
});

test('a journal written in a newer format says so, which format and that an upgrade opens it', async (t) => {
  const dir = await tempDir(t);
  const copy = await copyScenario('docker-image', dir);
  const [segment] = (await readdir(join(copy, 'segments'))).sort();
  const fh = await open(join(copy, 'segments', segment!), 'r+');
  const version = Buffer.alloc(4);
  version.writeUInt32LE(3);
  await fh.write(version, 0, 4, 8);
  await fh.close();
  const expected =
    /journal format version 3, written by a newer ecr-rewind; this ecr-rewind \d+\.\d+\.\d+\S* reads format versions 1 and 2: upgrade ecr-rewind to open it/;
  for (const args of [
    ['log', copy],
    ['serve', '--journal', copy, '--port', '0'],
  ]) {
    const r = await ecrRewind(args);
    t.is(r.code, 1, r.stderr);
    t.regex(r.stderr, expected);
  }
});

test('piping into head ends quietly with exit 0', async (t) => {
  const dir = await tempDir(t);
  const journal = join(dir, 'big');
  {
    // enough history that `log` writes far more than a pipe holds
    await using emu = await startEmulator({ journal, fsync: 'never', logger: false });
    const scope = { account: '000000000000', region: 'us-east-1' };
    await Promise.all(
      Array.from({ length: 3000 }, (_, i) =>
        emu.engine.execute({ type: 'CreateRepository', scope, repository: `repo-${i}`, settings: {} }),
      ),
    );
  }
  const r = await run('bash', ['-c', `node "${BIN}" log "${journal}" | head -n 3; exit "\${PIPESTATUS[0]}"`]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim().split('\n').length, 3);
  t.is(r.stderr, '', 'no EPIPE stack');
});

test('a start that fails (port in use) leaves no new folder and says which port', async (t) => {
  const dir = await tempDir(t);
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const r = await ecrRewind(['serve', '--port', String(port), '--journal', join(dir, 'new')]);
  t.is(r.code, 1);
  t.regex(r.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
  t.false(existsSync(join(dir, 'new')));
});

test('serve --at: the start-up line says read-only at a seq, not an fsync mode', async (t) => {
  const dir = await tempDir(t);
  const journal = await copyScenario('rewound-history', dir);
  await using served = await serveBin(['--journal', journal, '--at', 'v1']);
  const banner = served
    .stderr()
    .split('\n')
    .find((l) => l.includes('"serving"'))!;
  const line = JSON.parse(banner) as { msg: string; serving: { readOnly: boolean } };
  t.regex(line.msg, /ecr-rewind serving http:\/\/127\.0\.0\.1:\d+ \(journal .*, read-only at seq \d+, auth token\)/);
  t.notRegex(line.msg, /fsync/);
  t.true(line.serving.readOnly);
});

test('mark: names that read as positions are refused, an existing name needs --move', async (t) => {
  const dir = await tempDir(t);
  const journal = await copyScenario('docker-image', dir);
  const first = await ecrRewind(['mark', journal, 'base', '--at', '3']);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /marked seq 3 \(seq 3\) as 'base'/);
  const again = await ecrRewind(['mark', journal, 'base']);
  t.is(again.code, 2);
  t.regex(again.stderr, /mark 'base' exists \(seq 3\); ask to move it/);
  const moved = await ecrRewind(['mark', journal, 'base', '--move']);
  t.is(moved.code, 0, moved.stderr);
  t.regex(moved.stdout, /it marked seq 3 before/);
  for (const name of ['end', '12', '2026-01-01', '2026-01-01T00:00:00Z']) {
    const r = await ecrRewind(['mark', journal, name]);
    t.is(r.code, 2, name);
    t.regex(r.stderr, /choose another mark name/);
  }
  const state = await ecrRewind(['state', journal, '--at', 'base', '--json']);
  t.is(state.code, 0, state.stderr);
});

test('log --type with an unknown type is a usage error listing the types', async (t) => {
  const r = await ecrRewind(['log', scenarioDir('docker-image'), '--type', 'Bogus,TagPut']);
  t.is(r.code, 2);
  t.regex(r.stderr, /unknown event type Bogus; the types are RepositoryCreated, .*TagPut.*MarkSet/);
});

test('diff from before a repository existed shows its images and tags', async (t) => {
  const r = await ecrRewind(['diff', scenarioDir('docker-image'), '0', 'end']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /\+ repository \S*hello\n {4}\+ image sha256:\w+\n[\s\S]*\+ tag \S+ -> sha256:\w+/);
});

test('serve --from-snapshot: a missing or cut-short file says so (exit 3 and 4) and leaves no folder; a good one serves its state', async (t) => {
  const dir = await tempDir(t);
  const missing = await ecrRewind(['serve', '--from-snapshot', join(dir, 'none.snapshot'), '--journal', join(dir, 'j1'), '--port', '0']);
  t.is(missing.code, 3);
  t.is(missing.stderr.trim(), `ecr-rewind: no snapshot file at ${join(dir, 'none.snapshot')}`);
  t.false(existsSync(join(dir, 'j1')));

  const snapshot = join(dir, 'base.snapshot');
  t.is((await ecrRewind(['snapshot', scenarioDir('docker-image'), snapshot])).code, 0);
  const bytes = await readFile(snapshot);
  await writeFile(join(dir, 'short.snapshot'), bytes.subarray(0, bytes.length - 100));
  const short = await ecrRewind(['serve', '--from-snapshot', join(dir, 'short.snapshot'), '--journal', join(dir, 'j2'), '--port', '0']);
  t.is(short.code, 4, short.stderr);
  t.regex(short.stderr, /truncated or padded/);
  t.false(existsSync(join(dir, 'j2')));

  await using served = await serveBin(['--from-snapshot', snapshot, '--journal', join(dir, 'j3'), '--auth', 'none', '--fsync', 'never']);
  const health = (await (await fetch(`${served.endpoint}/_rewind/health`)).json()) as { state: { seq: number } };
  const source = await ecrRewind(['state', scenarioDir('docker-image'), '--json']);
  t.is(health.state.seq, (JSON.parse(source.stdout) as { seq: number }).seq);
});
