/** Read-only queries over repositories, in the shapes ECR answers with. */
import type { Repository as SdkRepository } from '@aws-sdk/client-ecr';
import type { RegistryScope } from '../domain/scope.ts';
import type { RegistryState, Repository } from '../domain/state.ts';
import { epochSeconds } from '../support/time.ts';

export interface RepositoryView {
  repositoryArn: string;
  registryId: string;
  repositoryName: string;
  repositoryUri: string;
  createdAt: number;
  imageTagMutability: NonNullable<SdkRepository['imageTagMutability']>;
  imageTagMutabilityExclusionFilters?: { filterType: 'WILDCARD'; filter: string }[];
  imageScanningConfiguration: { scanOnPush: boolean };
  encryptionConfiguration: { encryptionType: 'AES256' | 'KMS' | 'KMS_DSSE'; kmsKey?: string };
}

export const repositoryArn = (r: { account: string; region: string; name: string }): string =>
  `arn:aws:ecr:${r.region}:${r.account}:repository/${r.name}`;

/** Parses a repository ARN (arn:aws:ecr:<region>:<account>:repository/<name>). */
export function parseRepositoryArn(arn: string): { account: string; region: string; name: string } | undefined {
  const m = /^arn:aws[a-z-]*:ecr:([a-z0-9-]+):(\d{12}):repository\/(.+)$/.exec(arn);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { region: m[1], account: m[2], name: m[3] };
}

/** Repositories of one registry, in creation order. */
export function* repositoriesIn(state: RegistryState, scope: RegistryScope): Iterable<Repository> {
  for (const r of state.repos.values()) if (r.account === scope.account && r.region === scope.region) yield r;
}

/** A repository as ECR describes it (times in epoch seconds, as on the JSON wire). */
export function repositoryView(r: Repository, registryHost: string): RepositoryView {
  const s = r.settings;
  return {
    repositoryArn: repositoryArn(r),
    registryId: r.account,
    repositoryName: r.name,
    repositoryUri: `${registryHost}/${r.name}`,
    createdAt: epochSeconds(r.createdAt),
    imageTagMutability: s.imageTagMutability as RepositoryView['imageTagMutability'],
    ...(s.imageTagMutabilityExclusionFilters.length > 0
      ? {
          imageTagMutabilityExclusionFilters: s.imageTagMutabilityExclusionFilters.map((f) => ({
            filterType: 'WILDCARD' as const,
            filter: f.filter,
          })),
        }
      : {}),
    imageScanningConfiguration: { scanOnPush: s.scanOnPush },
    encryptionConfiguration: {
      encryptionType: s.encryptionType as RepositoryView['encryptionConfiguration']['encryptionType'],
      ...(s.kmsKey !== undefined ? { kmsKey: s.kmsKey } : {}),
    },
  };
}
