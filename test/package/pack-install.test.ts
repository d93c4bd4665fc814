// The package as another project gets it: `npm pack` (dist/ as `npm test` built it), installed
// from the tarball into an empty project with only the AWS SDK (the version this project pins),
// TypeScript 5 and @types/node beside it; then plain ESM, require() (Node 20.19+), a strict
// TypeScript 5 check of every exported name (NodeNext and Bundler) and the bin. The install
// happens once, in this file's temp dir. The test runners a consumer uses (node --test, ava,
// vitest, jest) are in test-runners.test.ts.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { run } from '../../src/testkit/commands.ts';
import { removeDir } from '../../src/testkit/temp-dir.ts';
import { ROOT } from '../support/bin.ts';
import { type ConsumerProject, consumerProject, ownDevDependency } from './consumer-project.ts';

const TYPESCRIPT_5 = '5.9.3';

let packed: Promise<ConsumerProject> | undefined;

/** Packs the tarball and installs it into a new project, once for the whole file. */
function packAndInstall(): Promise<ConsumerProject> {
  packed ??= (async () =>
    consumerProject('pack-install', [
      `@aws-sdk/client-ecr@${await ownDevDependency('@aws-sdk/client-ecr')}`,
      `@types/node@${await ownDevDependency('@types/node')}`,
      `typescript@${TYPESCRIPT_5}`,
    ]))();
  return packed;
}

test.after.always(async () => {
  if (packed !== undefined) await removeDir((await packed).dir);
});

test('the tarball holds the compiled code, its declarations and the bin; no sources, tests or CI files', async (t) => {
  const { files, project } = await packAndInstall();
  const wanted = ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'tools/ecr-rewind.cjs'];
  // the bin's CommonJS build, with the page it serves
  wanted.push('dist/cjs/package.json', 'dist/cjs/cli/main.js', 'dist/cjs/ui/static/app.js');
  for (const f of wanted) t.true(files.includes(f), f);
  const unwanted = files.filter(
    (f) =>
      /^(src|test|\.ci|journal\/(?!README))/.test(f) ||
      f.startsWith('dist/testkit/') ||
      f.startsWith('tools/bench') ||
      /(?<!\.d)\.ts$/.test(f),
  );
  t.deepEqual(unwanted, []);
  const installed = JSON.parse(await readFile(join(project, 'node_modules', 'ecr-rewind', 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  t.false('tsx' in installed.dependencies, 'no TypeScript loader at run time');
});

test('plain ESM: start, CreateRepository with the AWS SDK, stop', async (t) => {
  const { project } = await packAndInstall();
  await writeFile(
    join(project, 'start.mjs'),
    `import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { startEmulator } from 'ecr-rewind';

const emu = await startEmulator({ port: 0, fsync: 'never', logger: false });
const ecr = new ECRClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
ecr.destroy();
await emu.stop();
console.log(JSON.stringify({ uri: repository.repositoryUri, host: emu.registryHost }));
`,
  );
  const r = await run(process.execPath, ['start.mjs'], { cwd: project, timeoutMs: 60_000 });
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { uri: string; host: string };
  t.is(out.uri, `${out.host}/team/app`);
});

test('require() from CommonJS (Node 20.19 and later load the ES module)', async (t) => {
  const { project } = await packAndInstall();
  await writeFile(
    join(project, 'require.cjs'),
    `const { startEmulator, DEFAULTS } = require('ecr-rewind');
startEmulator({ port: 0, fsync: 'never', logger: false })
  .then(async (emu) => {
    const health = await (await fetch(emu.endpoint + '/_rewind/health')).json();
    await emu.stop();
    console.log(JSON.stringify({ port: DEFAULTS.port, status: health.status }));
  });
`,
  );
  const r = await run(process.execPath, ['require.cjs'], { cwd: project, timeoutMs: 60_000 });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout.trim()), { port: 4566, status: 'ok' });
});

test('TypeScript 5, strict, NodeNext and Bundler, no allowImportingTsExtensions: every exported name type-checks', async (t) => {
  const { project } = await packAndInstall();
  const consumer = `import {
  ConfigError,
  DEFAULTS,
  DomainFailure,
  registryHostOf,
  resolveConfig,
  startEmulator,
  type AuthMode,
  type Config,
  type DomainError,
  type DomainErrorCode,
  type DomainEvent,
  type Emulator,
  type EmulatorOptions,
  type EventType,
  type FsyncMode,
  type LogFormat,
  type LogLevel,
  type RecordedEvent,
} from 'ecr-rewind';

const options: EmulatorOptions = { port: 0, fsync: 'never' satisfies FsyncMode, auth: 'none' satisfies AuthMode, logger: false };
const level: LogLevel = 'warn';
const format: LogFormat = 'json';
const config: Config = resolveConfig({ ...options, logLevel: level, logFormat: format }, {});
export async function use(): Promise<string> {
  await using emu: Emulator = await startEmulator(options);
  await emu.mark('clean', { move: true });
  const types: EventType[] = [];
  for (const e of emu.events()) {
    const recorded: RecordedEvent = e;
    const domain: DomainEvent = { type: recorded.type, data: recorded.data } as DomainEvent;
    types.push(domain.type);
  }
  try {
    await emu.reset('nowhere');
  } catch (err) {
    if (err instanceof DomainFailure) {
      const e: DomainError = err.error;
      const code: DomainErrorCode = e.code;
      types.length = code.length;
    }
    if (err instanceof ConfigError) throw err;
  }
  return \`\${registryHostOf(config.host, DEFAULTS.port)} \${emu.registryHost} \${types.length}\`;
}
`;
  await writeFile(join(project, 'consumer.mts'), consumer);
  // every name the package exports is used above
  const index = await readFile(join(project, 'node_modules', 'ecr-rewind', 'dist', 'index.d.ts'), 'utf8');
  const exported = [...index.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) =>
    m[1]!
      .split(',')
      .map((n) => n.trim().replace(/^type /, ''))
      .filter(Boolean),
  );
  t.true(exported.length >= 15);
  for (const name of exported) t.regex(consumer, new RegExp(`\\b${name}\\b`), `${name} is checked`);

  for (const [name, module, resolution] of [
    ['nodenext', 'NodeNext', 'NodeNext'],
    ['bundler', 'ESNext', 'Bundler'],
  ] as const) {
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module,
        moduleResolution: resolution,
        strict: true,
        noEmit: true,
        types: ['node'],
        skipLibCheck: false,
      },
      files: ['consumer.mts'],
    };
    await writeFile(join(project, `tsconfig.${name}.json`), JSON.stringify(tsconfig, null, 2));
    const r = await run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', `tsconfig.${name}.json`], {
      cwd: project,
      timeoutMs: 120_000,
    });
    t.is(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
  }
  const version = await run(join(project, 'node_modules', '.bin', 'tsc'), ['--version'], { cwd: project });
  t.regex(version.stdout, /^Version 5\./);
});

test('the bin runs from the installed package: ecr-rewind --help', async (t) => {
  const { project } = await packAndInstall();
  const r = await run('npx', ['--no-install', 'ecr-rewind', '--help'], {
    cwd: project,
    env: { npm_config_offline: 'true' },
    timeoutMs: 60_000,
  });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /Usage: ecr-rewind \[options\] \[command\]/);
  t.regex(r.stdout, /serve \[options\]/);
});

test('the installed bin serves: its version, the health answer and the inspector page from its own build', async (t) => {
  const { project } = await packAndInstall();
  const bin = join(project, 'node_modules', '.bin', 'ecr-rewind');
  const version = await run(bin, ['--version'], { cwd: project, timeoutMs: 60_000 });
  t.is(version.stdout.trim(), (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  const child = spawn(bin, ['serve', '--port', '0', '--log-format', 'json', '--auth', 'none', '--journal', join(project, 'journal')], {
    cwd: project,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await exited;
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /"endpoint":"(http:\/\/[^"]+)"/.exec(err);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`serve exited before listening: ${err}`)));
  });
  t.is(((await (await fetch(`${endpoint}/_rewind/health`)).json()) as { status: string }).status, 'ok');
  const page = await fetch(`${endpoint}/_rewind/ui/app.js`);
  t.is(page.status, 200);
  t.regex(page.headers.get('content-type') ?? '', /javascript/);
  t.true((await page.text()).length > 1000);
});
