// README's CI recipes: the GitHub Actions and GitLab CI YAML parse, and their emulator lines
// (start from the snapshot file in the background, wait for the health endpoint) run as
// written in a project that depends on ecr-rewind; the AWS SDK then finds the snapshot's
// registry through the job's AWS_ENDPOINT_URL alone. Only the port is changed (4566 may be
// taken: ECR_REWIND_PORT and the URLs name a free one). The docker
// login line is left out here: it needs an AWS CLI of 2.13 or later (this machine has 2.9).
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { parse } from 'yaml';
import { startEmulator } from '../../src/index.ts';
import { run } from '../../src/testkit/commands.ts';
import { isAlive } from '../../src/testkit/daemon.ts';
import { makeTempDir, removeDir } from '../../src/testkit/temp-dir.ts';
import { scenarioDir } from '../rewind/rewind-support.ts';
import { BIN, ROOT, assertBuilt } from '../support/bin.ts';
import { readmeBlock } from './readme-blocks.ts';

interface GithubWorkflow {
  jobs: { test: { env: Record<string, string>; steps: { run?: string; uses?: string; name?: string }[] } };
}
interface GitlabPipeline {
  test: { image: string; variables: Record<string, string>; script: string[] };
}

/** A project that depends on ecr-rewind (its bin in node_modules/.bin) and holds ci/registry.snapshot. */
async function ciProject(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await makeTempDir('readme-ci');
  t.teardown(() => removeDir(dir));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'ci-demo', private: true, devDependencies: { 'ecr-rewind': '*' } }));
  await mkdir(join(dir, 'node_modules', '.bin'), { recursive: true });
  await symlink(ROOT, join(dir, 'node_modules', 'ecr-rewind'));
  await symlink(BIN, join(dir, 'node_modules', '.bin', 'ecr-rewind'));
  await mkdir(join(dir, 'ci'));
  await using emu = await startEmulator({ fork: scenarioDir('docker-image'), fsync: 'never', logger: false });
  await emu.snapshot(join(dir, 'ci', 'registry.snapshot'));
  return dir;
}

const freePort = async (): Promise<number> => {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
};

/** Runs the emulator lines of a recipe in `dir`, checks the registry through the SDK, and stops the server by its pid. */
async function runRecipe(t: ExecutionContext, dir: string, lines: string[], env: Record<string, string>): Promise<void> {
  const port = String(await freePort());
  const jobEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replaceAll('4566', port)]));
  const script = lines.map((l) => l.replaceAll('4566', port)).join('\n');
  // npm must not fetch anything: the bin comes from the project's node_modules
  const r = await run('bash', ['-c', `set -e\n${script}`], {
    cwd: dir,
    env: { ...jobEnv, ECR_REWIND_PORT: port, npm_config_offline: 'true' },
    timeoutMs: 60_000,
  });
  const lock = await readFile(join(dir, '.ecr-rewind', 'LOCK'), 'utf8').catch(() => '');
  const pid = Number(lock.trim());
  t.teardown(async () => {
    if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  t.is(r.code, 0, `${r.stdout}\n${r.stderr}\n${await readFile(join(dir, 'ecr-rewind.log'), 'utf8').catch(() => '')}`);
  t.true(pid > 0 && isAlive(pid), 'the emulator runs in the background');

  // the tests of the job: the SDK with no endpoint in code, only the job's environment
  const sdk = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { ECRClient, DescribeImagesCommand } from '@aws-sdk/client-ecr';
       const ecr = new ECRClient({});
       const out = await ecr.send(new DescribeImagesCommand({ repositoryName: 'hello' }));
       console.log(JSON.stringify(out.imageDetails.map((i) => i.imageTags)));`,
    ],
    {
      cwd: ROOT,
      env: { ...jobEnv, AWS_PROFILE: undefined, AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') },
    },
  );
  t.is(sdk.code, 0, sdk.stderr);
  t.regex(sdk.stdout, /latest/, "the snapshot file's image is there");

  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  t.false(isAlive(pid), 'stopped by its pid');
  const log = await readFile(join(dir, 'ecr-rewind.log'), 'utf8');
  t.regex(log.split('\n')[0]!, /^\{.*"msg":"ecr-rewind serving http:\/\/127\.0\.0\.1:\d+ /, 'not a terminal: JSON lines');
}

const emulatorLines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.includes('ecr-rewind serve') || l.includes('/_rewind/health'));

test('GitHub Actions: the workflow parses; its start step serves the snapshot file to the job', async (t) => {
  assertBuilt();
  const workflow = parse(readmeBlock('github-actions')) as GithubWorkflow;
  const steps = workflow.jobs.test.steps;
  t.true(steps.some((s) => s.uses?.startsWith('actions/checkout')));
  t.true(steps.some((s) => s.run === 'npm ci'));
  const start = steps.find((s) => s.run?.includes('ecr-rewind serve'));
  t.truthy(start);
  const lines = emulatorLines(start!.run!);
  t.is(lines.length, 2);
  t.regex(lines[0]!, /--from-snapshot ci\/registry\.snapshot/);
  t.is(workflow.jobs.test.env.AWS_ENDPOINT_URL, 'http://127.0.0.1:4566');
  await runRecipe(t, await ciProject(t), lines, workflow.jobs.test.env);
});

test('GitLab CI: the pipeline parses; its script serves the snapshot file to the job', async (t) => {
  assertBuilt();
  const pipeline = parse(readmeBlock('gitlab-ci')) as GitlabPipeline;
  t.is(pipeline.test.image, 'node:20');
  const lines = emulatorLines(pipeline.test.script.join('\n'));
  t.is(lines.length, 2);
  t.true(pipeline.test.script.includes('npm test'));
  await runRecipe(t, await ciProject(t), lines, pipeline.test.variables);
});
