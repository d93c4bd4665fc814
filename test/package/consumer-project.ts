// A project of a user of the package: the tarball `npm pack` makes (dist/ as `npm test` built
// it), installed with npm into a new folder beside whatever that project's tests need. The
// package tests (pack-install.test.ts, test-runners.test.ts) each make their own.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, type RunResult } from '../../src/testkit/commands.ts';
import { makeTempDir } from '../../src/testkit/temp-dir.ts';
import { assertBuilt, ROOT } from '../support/bin.ts';

export interface ConsumerProject {
  /** the temporary folder: the tarball and `project/` */
  dir: string;
  /** the consumer's folder, with node_modules/ecr-rewind installed from the tarball */
  project: string;
  /** the tarball's files, as `npm pack` lists them */
  files: string[];
}

export const npm = (args: string[], cwd: string, timeoutMs = 240_000): Promise<RunResult> =>
  run('npm', args, {
    cwd,
    timeoutMs,
    env: { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  });

export async function ok(r: Promise<RunResult>): Promise<RunResult> {
  const done = await r;
  if (done.code !== 0) throw new Error(`${done.commandLine} exited ${done.code}:\n${done.stdout}\n${done.stderr}`);
  return done;
}

/** The exact versions this project pins, by package name (the consumer gets the same AWS SDK and @types/node). */
export async function ownDevDependency(name: string): Promise<string> {
  const own = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const version = own.devDependencies[name];
  if (version === undefined) throw new Error(`package.json has no devDependency ${name}`);
  return version;
}

/**
 * Packs the tarball and installs it into a new project with `packages` (name@version each),
 * in one `npm install` (npm's own cache makes a second run quick; a clean machine fetches
 * from the registry).
 */
export async function consumerProject(prefix: string, packages: string[]): Promise<ConsumerProject> {
  assertBuilt();
  const dir = await makeTempDir(prefix);
  // dist/ is built already (npm test builds it; assertBuilt checks): no prepare run here,
  // so that tests running the bin meanwhile never see dist/ half rewritten
  const pack = await ok(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT));
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  const project = join(dir, 'project');
  await ok(run('mkdir', [project]));
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
  await ok(npm(['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, info!.filename), ...packages], project));
  return { dir, project, files: info!.files.map((f) => f.path) };
}

/**
 * Whether the npm registry answers (`npm ping`), and if not, npm's words. Tests that install
 * packages the npm cache may not hold ask this first.
 */
export async function registryUnreachable(): Promise<string | undefined> {
  const r = await run('npm', ['ping', '--fetch-timeout=15000', '--fetch-retries=1'], { timeoutMs: 60_000 });
  if (r.code === 0) return undefined;
  const lines = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.replace(/^npm (error|ERR!) /, '').trim());
  return (
    lines.find((l) => /request to .* failed/.test(l)) ??
    lines.find((l) => /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/.test(l)) ??
    `npm ping exited ${r.code}`
  );
}
