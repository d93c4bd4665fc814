// The AWS CLI (v2, Debian's /usr/bin/aws) pointed at a local endpoint, isolated from the machine.
//
// /usr/bin/aws is preferred over whatever `aws` is first on PATH (here a pyenv shim that may
// resolve to another version). Each AwsCli has a temp HOME holding empty config and credentials
// files, so no profile, SSO cache or real key on the machine is ever read; test credentials come
// from the environment. Every call gets `--endpoint-url`, `--region` and `--output json`;
// AWS_PAGER='' stops the CLI from piping output into `less`, and IMDS lookups are disabled.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { preferCommand, runClient } from '../../../src/testkit/commands.ts';
import type { ClientRunOptions, RunResult } from '../../../src/testkit/commands.ts';
import { makeTempDir, removeDir } from '../../../src/testkit/temp-dir.ts';

export interface AwsCliOptions {
  /** e.g. `http://127.0.0.1:4566` */
  endpointUrl: string;
  /** Default `us-east-1`. */
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export interface AwsCli {
  /** Runs `aws <args> --endpoint-url ... --region ... --output json`. */
  aws(args: readonly string[], options?: ClientRunOptions): Promise<RunResult>;
  /** Runs aws and parses its JSON output (empty output gives undefined). */
  awsJson<T = unknown>(args: readonly string[], options?: ClientRunOptions): Promise<T>;
  /** The environment the CLI runs with, for piping (`aws ecr get-login-password | docker login`). */
  readonly env: Record<string, string>;
  readonly command: string;
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export const awsCommand = (): string => preferCommand('/usr/bin/aws', 'aws');

export async function createAwsCli(options: AwsCliOptions): Promise<AwsCli> {
  const home = await makeTempDir('awscli');
  const region = options.region ?? 'us-east-1';
  const configFile = path.join(home, 'config');
  const credentialsFile = path.join(home, 'credentials');
  await writeFile(configFile, '');
  await writeFile(credentialsFile, '');
  const env: Record<string, string> = {
    HOME: home,
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    AWS_ACCESS_KEY_ID: options.accessKeyId ?? 'AKIAECRREWINDTEST000',
    AWS_SECRET_ACCESS_KEY: options.secretAccessKey ?? 'ecr-rewind-test-secret-key',
    AWS_DEFAULT_REGION: region,
    AWS_REGION: region,
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CLI_AUTO_PROMPT: 'off',
  };
  const command = awsCommand();
  const aws = (args: readonly string[], runOptions: ClientRunOptions = {}): Promise<RunResult> =>
    runClient(command, [...args, '--endpoint-url', options.endpointUrl, '--region', region, '--output', 'json'], {
      ...runOptions,
      // Session tokens, profiles and endpoint overrides from the outer environment must not leak in.
      env: {
        AWS_SESSION_TOKEN: undefined,
        AWS_PROFILE: undefined,
        AWS_ENDPOINT_URL: undefined,
        AWS_ENDPOINT_URL_ECR: undefined,
        ...env,
        ...runOptions.env,
      },
    });
  const dispose = (): Promise<void> => removeDir(home);
  return {
    aws,
    async awsJson<T>(args: readonly string[], runOptions: ClientRunOptions = {}): Promise<T> {
      const result = await aws(args, runOptions);
      return (result.stdout.trim() ? JSON.parse(result.stdout) : undefined) as T;
    },
    env,
    command,
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}
