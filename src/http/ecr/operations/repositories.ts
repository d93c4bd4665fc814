/** CreateRepository, DescribeRepositories, DeleteRepository, PutImageTagMutability, PutImageScanningConfiguration. */
import * as v from 'valibot';
import { paginate } from '../../../queries/ecr-pagination.ts';
import { getRepository } from '../../../queries/repository.ts';
import { repositoriesIn, repositoryView, type RepositoryView } from '../../../queries/ecr-repositories.ts';
import { invalidParameter } from '../ecr-errors.ts';
import { checkMutability } from '../mutability.ts';
import { execute, op, scopeOf, type Call } from '../operation.ts';
import {
  encryptionConfiguration,
  maxResults,
  mutabilityFilter,
  nextToken,
  registryId,
  repositoryName,
  resourceTag,
  structure,
  tagMutability,
} from '../shapes.ts';

export function describeRepo(call: Call, scope: { account: string; region: string }, name: string): RepositoryView {
  return repositoryView(getRepository(call.deps.engine.state, scope, name), call.deps.registryHost());
}

export const repositoryOperations = {
  CreateRepository: op(
    structure({
      registryId,
      repositoryName,
      tags: v.optional(v.array(resourceTag)),
      imageTagMutability: v.optional(tagMutability),
      imageTagMutabilityExclusionFilters: v.optional(v.array(mutabilityFilter)),
      imageScanningConfiguration: v.optional(structure({ scanOnPush: v.optional(v.boolean()) })),
      encryptionConfiguration: v.optional(encryptionConfiguration),
    }),
    async (i, call) => {
      const scope = scopeOf(call, i.registryId);
      const mutability = i.imageTagMutability ?? 'MUTABLE';
      checkMutability(mutability, i.imageTagMutabilityExclusionFilters);
      const enc = i.encryptionConfiguration ?? { encryptionType: 'AES256' as const };
      if (enc.kmsKey !== undefined && enc.encryptionType === 'AES256')
        throw invalidParameter(
          `Invalid parameter at 'encryptionConfiguration' failed to satisfy constraint: 'kmsKey can only be given with KMS encryption'`,
        );
      const tags = i.tags ?? [];
      await execute(call, {
        type: 'CreateRepository',
        scope,
        repository: i.repositoryName,
        settings: {
          imageTagMutability: mutability,
          imageTagMutabilityExclusionFilters: (i.imageTagMutabilityExclusionFilters ?? []).map((f) => ({ ...f })),
          scanOnPush: i.imageScanningConfiguration?.scanOnPush ?? false,
          encryptionType: enc.encryptionType,
          ...(enc.kmsKey !== undefined
            ? { kmsKey: enc.kmsKey }
            : enc.encryptionType !== 'AES256'
              ? { kmsKey: `arn:aws:kms:${scope.region}:${scope.account}:alias/aws/ecr` }
              : {}),
          resourceTags: tags.map((t) => ({ Key: t.Key, Value: t.Value })),
        },
      });
      return { repository: describeRepo(call, scope, i.repositoryName) };
    },
  ),

  DescribeRepositories: op(
    structure({
      registryId,
      repositoryNames: v.optional(v.array(repositoryName)),
      nextToken,
      maxResults: maxResults(1000),
    }),
    (i, call) => {
      const scope = scopeOf(call, i.registryId);
      if (i.repositoryNames) {
        if (i.nextToken !== undefined || i.maxResults !== undefined)
          throw invalidParameter('maxResults and nextToken cannot be used together with repositoryNames');
        return { repositories: i.repositoryNames.map((n) => describeRepo(call, scope, n)) };
      }
      const host = call.deps.registryHost();
      const all = repositoriesIn(call.deps.engine.state, scope);
      const page = paginate(all, { ...i, defaultMax: 100, query: 'repos' });
      return {
        repositories: page.items.map((r) => repositoryView(r, host)),
        ...(page.nextToken ? { nextToken: page.nextToken } : {}),
      };
    },
  ),

  DeleteRepository: op(structure({ registryId, repositoryName, force: v.optional(v.boolean()) }), async (i, call) => {
    const scope = scopeOf(call, i.registryId);
    const before = describeRepo(call, scope, i.repositoryName);
    await execute(call, { type: 'DeleteRepository', scope, repository: i.repositoryName, force: i.force ?? false });
    return { repository: before };
  }),

  PutImageTagMutability: op(
    structure({
      registryId,
      repositoryName,
      imageTagMutability: tagMutability,
      imageTagMutabilityExclusionFilters: v.optional(v.array(mutabilityFilter)),
    }),
    async (i, call) => {
      const scope = scopeOf(call, i.registryId);
      checkMutability(i.imageTagMutability, i.imageTagMutabilityExclusionFilters);
      const filters = (i.imageTagMutabilityExclusionFilters ?? []).map((f) => ({ ...f }));
      await execute(call, {
        type: 'PutImageTagMutability',
        scope,
        repository: i.repositoryName,
        imageTagMutability: i.imageTagMutability,
        imageTagMutabilityExclusionFilters: filters,
      });
      return {
        registryId: scope.account,
        repositoryName: i.repositoryName,
        imageTagMutability: i.imageTagMutability,
        ...(filters.length > 0 ? { imageTagMutabilityExclusionFilters: filters } : {}),
      };
    },
  ),

  PutImageScanningConfiguration: op(
    structure({ registryId, repositoryName, imageScanningConfiguration: structure({ scanOnPush: v.boolean() }) }),
    async (i, call) => {
      const scope = scopeOf(call, i.registryId);
      const scanOnPush = i.imageScanningConfiguration.scanOnPush;
      await execute(call, { type: 'PutImageScanningConfiguration', scope, repository: i.repositoryName, scanOnPush });
      return { registryId: scope.account, repositoryName: i.repositoryName, imageScanningConfiguration: { scanOnPush } };
    },
  ),
};
