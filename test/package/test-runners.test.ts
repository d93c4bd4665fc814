// The test runners a consumer of the package uses, against the installed tarball: a test file
// for each of `node --test` (README's recipe), ava, vitest and jest (in its ESM mode, as README
// says), each starting the emulator with startEmulator, creating a repository with
// @aws-sdk/client-ecr and stopping it. The consumer project gets the tarball, the AWS SDK this
// project pins, vite, vitest and jest in one `npm install`; ava is this project's copy, linked in.
//
// Outside CI, a machine that cannot reach the npm registry skips these tests, saying so; in CI
// (CI=true) they always run.
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { run, type RunResult } from '../../src/testkit/commands.ts';
import { removeDir } from '../../src/testkit/temp-dir.ts';
import { readmeBlock } from '../readme/readme-blocks.ts';
import { ROOT } from '../support/bin.ts';
import { type ConsumerProject, consumerProject, ownDevDependency, registryUnreachable } from './consumer-project.ts';

/** Versions that run on Node 20 (vitest 5 and ava 8 need Node 22; vite 8.3.8 is the one vitest 4.1 installs cleanly with). */
const RUNNERS = { vite: '8.3.8', vitest: '4.1.12', jest: '30.5.2' } as const;

const inCi = process.env.CI === 'true';
const unreachable = inCi ? undefined : await registryUnreachable();
if (unreachable !== undefined)
  console.warn(
    `\n*** test-runners.test.ts SKIPPED: the npm registry is unreachable (${unreachable}); vitest and jest cannot be installed. In CI (CI=true) these tests run. ***\n`,
  );
const runnerTest = unreachable === undefined ? test : test.skip;

let installed: Promise<ConsumerProject> | undefined;

function consumer(): Promise<ConsumerProject> {
  installed ??= (async () => {
    const c = await consumerProject('test-runners', [
      `@aws-sdk/client-ecr@${await ownDevDependency('@aws-sdk/client-ecr')}`,
      ...Object.entries(RUNNERS).map(([name, version]) => `${name}@${version}`),
    ]);
    // the consumer's ava: this project's copy (ava 7), linked in rather than installed again
    await symlink(join(ROOT, 'node_modules', 'ava'), join(c.project, 'node_modules', 'ava'));
    return c;
  })();
  return installed;
}

test.after.always(async () => {
  if (installed !== undefined) await removeDir((await installed).dir);
});

/** What each runner's test expects repositoryUri to be (code in the test file). */
const URI = "emu.registryHost + '/team/app'";

/** The body every runner's file shares: start, CreateRepository with the AWS SDK, stop. */
const createsRepository = `const emu = await startEmulator({ port: 0, fsync: 'never', logger: false });
  const ecr = new ECRClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
    EXPECT_URI;
  } finally {
    ecr.destroy();
    await emu.stop();
  }`;

const testFile = (imports: string, open: string, expectUri: string, close: string): string =>
  `import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { startEmulator } from 'ecr-rewind';
${imports}
${open}
  ${createsRepository.replace('EXPECT_URI', expectUri)}
${close}
`;

/** Runs a runner in the consumer project; the consumer's CI variable is its own business. */
const inProject = (project: string, command: string, args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> =>
  run(command, args, { cwd: project, timeoutMs: 180_000, env: { CI: undefined, ...env } });

const output = (r: RunResult): string => `${r.stdout}\n${r.stderr}`;

runnerTest("node --test: README's test-runner recipe (a repository created, then the marked state again)", async (t) => {
  const { project } = await consumer();
  await writeFile(join(project, 'registry.test.mjs'), readmeBlock('test-runner'));
  const r = await inProject(project, process.execPath, ['--test', 'registry.test.mjs']);
  t.is(r.code, 0, output(r));
  t.regex(r.stdout, /# pass 2/);
  t.regex(r.stdout, /# fail 0/);
});

runnerTest('ava 7: a test file that starts the emulator and creates a repository', async (t) => {
  const { project } = await consumer();
  await writeFile(
    join(project, 'ava.test.mjs'),
    testFile(
      "import test from 'ava';",
      "test('creates a repository whose URI is the push target', async (t) => {",
      `t.is(repository.repositoryUri, ${URI})`,
      '});',
    ),
  );
  const r = await inProject(project, 'npx', ['--no-install', 'ava', 'ava.test.mjs']);
  t.is(r.code, 0, output(r));
  t.regex(output(r), /1 test passed/);
});

runnerTest(`vitest ${RUNNERS.vitest}: a test file that starts the emulator and creates a repository`, async (t) => {
  const { project } = await consumer();
  await writeFile(
    join(project, 'vitest.test.mjs'),
    testFile(
      "import { expect, test } from 'vitest';",
      "test('creates a repository whose URI is the push target', async () => {",
      `expect(repository.repositoryUri).toBe(${URI})`,
      '});',
    ),
  );
  const r = await inProject(project, 'npx', ['--no-install', 'vitest', 'run', 'vitest.test.mjs'], { NO_COLOR: '1' });
  t.is(r.code, 0, output(r));
  t.regex(r.stdout, /Tests\s+1 passed \(1\)/);
});

runnerTest(`jest ${RUNNERS.jest} in its ESM mode: a test file that starts the emulator and creates a repository`, async (t) => {
  const { project } = await consumer();
  // jest's globals (test, expect): no import, as in a jest project
  await writeFile(
    join(project, 'jest.test.mjs'),
    testFile(
      '',
      "test('creates a repository whose URI is the push target', async () => {",
      `expect(repository.repositoryUri).toBe(${URI})`,
      '});',
    ),
  );
  const r = await inProject(project, 'npx', ['--no-install', 'jest', 'jest.test.mjs'], { NODE_OPTIONS: '--experimental-vm-modules' });
  t.is(r.code, 0, output(r));
  t.regex(r.stderr, /Tests:\s+1 passed, 1 total/);
});

test("README's table of test runners names the versions and commands this file runs", async (t) => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  t.true(readme.includes(`| ava | ${await ownDevDependency('ava')} `), 'ava');
  t.true(readme.includes(`| vitest | ${RUNNERS.vitest}, with vite ${RUNNERS.vite} `), 'vitest');
  t.true(readme.includes(`| jest | ${RUNNERS.jest} | \`NODE_OPTIONS=--experimental-vm-modules npx jest\``), 'jest');
  t.true(readme.includes('| `node --test` | Node 20 | `node --test` |'), 'node --test');
});
