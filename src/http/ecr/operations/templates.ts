/** Create/Describe/Update/DeleteRepositoryCreationTemplate. */
import * as v from 'valibot';
import { scopeKey } from '../../../domain/scope.ts';
import type { CreationTemplate, StoredTemplate } from '../../../domain/settings/settings-state.ts';
import { paginate } from '../../../queries/ecr-pagination.ts';
import { EcrError } from '../ecr-errors.ts';
import { checkMutability } from '../mutability.ts';
import { execute, op, scopeOf, type Call } from '../operation.ts';
import {
  encryptionConfiguration,
  enumOf,
  maxResults,
  mutabilityFilter,
  nextToken,
  policyText,
  resourceTag,
  structure,
  tagMutability,
} from '../shapes.ts';
import { epochSeconds } from '../../../support/time.ts';

const prefix = v.string();
const appliedFor = v.array(enumOf(['CREATE_ON_PUSH', 'PULL_THROUGH_CACHE', 'REPLICATION']));

const templateFields = {
  description: v.optional(v.string()),
  encryptionConfiguration: v.optional(encryptionConfiguration),
  resourceTags: v.optional(v.array(resourceTag)),
  imageTagMutability: v.optional(tagMutability),
  imageTagMutabilityExclusionFilters: v.optional(v.array(mutabilityFilter)),
  repositoryPolicy: v.optional(policyText),
  lifecyclePolicy: v.optional(v.string()),
  customRoleArn: v.optional(v.string()),
};

function wireTemplate(t: StoredTemplate) {
  return {
    prefix: t.prefix,
    ...(t.description !== undefined ? { description: t.description } : {}),
    encryptionConfiguration: {
      encryptionType: t.encryptionType as 'AES256' | 'KMS' | 'KMS_DSSE',
      ...(t.kmsKey !== undefined ? { kmsKey: t.kmsKey } : {}),
    },
    resourceTags: t.resourceTags.map((r) => ({ Key: r.Key, Value: r.Value })),
    imageTagMutability: t.imageTagMutability as 'MUTABLE' | 'IMMUTABLE' | 'IMMUTABLE_WITH_EXCLUSION' | 'MUTABLE_WITH_EXCLUSION',
    ...(t.imageTagMutabilityExclusionFilters.length > 0
      ? {
          imageTagMutabilityExclusionFilters: t.imageTagMutabilityExclusionFilters.map((f) => ({
            filterType: 'WILDCARD' as const,
            filter: f.filter,
          })),
        }
      : {}),
    ...(t.repositoryPolicy !== undefined ? { repositoryPolicy: t.repositoryPolicy } : {}),
    ...(t.lifecyclePolicy !== undefined ? { lifecyclePolicy: t.lifecyclePolicy } : {}),
    appliedFor: t.appliedFor as ('CREATE_ON_PUSH' | 'PULL_THROUGH_CACHE' | 'REPLICATION')[],
    ...(t.customRoleArn !== undefined ? { customRoleArn: t.customRoleArn } : {}),
    createdAt: epochSeconds(t.createdAt),
    updatedAt: epochSeconds(t.updatedAt),
  };
}

function storedTemplate(call: Call, p: string): StoredTemplate {
  const t = call.deps.engine.state.registries.get(scopeKey(scopeOf(call)))?.templates?.[p];
  if (!t) throw new EcrError('TemplateNotFoundException', `The repository creation template with prefix '${p}' does not exist`);
  return t;
}

export const templateOperations = {
  CreateRepositoryCreationTemplate: op(structure({ prefix, appliedFor, ...templateFields }), async (i, call) => {
    const scope = scopeOf(call);
    const mutability = i.imageTagMutability ?? 'MUTABLE';
    checkMutability(mutability, i.imageTagMutabilityExclusionFilters);
    const template: CreationTemplate = {
      prefix: i.prefix,
      ...(i.description !== undefined ? { description: i.description } : {}),
      encryptionType: i.encryptionConfiguration?.encryptionType ?? 'AES256',
      ...(i.encryptionConfiguration?.kmsKey !== undefined ? { kmsKey: i.encryptionConfiguration.kmsKey } : {}),
      resourceTags: (i.resourceTags ?? []).map((t) => ({ Key: t.Key, Value: t.Value })),
      imageTagMutability: mutability,
      imageTagMutabilityExclusionFilters: (i.imageTagMutabilityExclusionFilters ?? []).map((f) => ({ ...f })),
      ...(i.repositoryPolicy !== undefined ? { repositoryPolicy: i.repositoryPolicy } : {}),
      ...(i.lifecyclePolicy !== undefined ? { lifecyclePolicy: i.lifecyclePolicy } : {}),
      appliedFor: [...new Set(i.appliedFor)],
      ...(i.customRoleArn !== undefined ? { customRoleArn: i.customRoleArn } : {}),
    };
    await execute(call, { type: 'CreateRepositoryCreationTemplate', scope, template });
    return { registryId: scope.account, repositoryCreationTemplate: wireTemplate(storedTemplate(call, i.prefix)) };
  }),

  DescribeRepositoryCreationTemplates: op(
    structure({ prefixes: v.optional(v.array(prefix)), nextToken, maxResults: maxResults(1000) }),
    (i, call) => {
      const scope = scopeOf(call);
      const all = Object.values(call.deps.engine.state.registries.get(scopeKey(scope))?.templates ?? {});
      const chosen = i.prefixes ? all.filter((t) => i.prefixes!.includes(t.prefix)) : all;
      const page = paginate(chosen, { ...i, defaultMax: 100, query: `templates:${(i.prefixes ?? []).join(',')}` });
      return {
        registryId: scope.account,
        repositoryCreationTemplates: page.items.map(wireTemplate),
        ...(page.nextToken ? { nextToken: page.nextToken } : {}),
      };
    },
  ),

  UpdateRepositoryCreationTemplate: op(structure({ prefix, appliedFor: v.optional(appliedFor), ...templateFields }), async (i, call) => {
    const scope = scopeOf(call);
    const current = storedTemplate(call, i.prefix);
    const mutability = i.imageTagMutability ?? current.imageTagMutability;
    checkMutability(
      mutability,
      i.imageTagMutabilityExclusionFilters ?? (i.imageTagMutability ? [] : current.imageTagMutabilityExclusionFilters),
    );
    await execute(call, {
      type: 'UpdateRepositoryCreationTemplate',
      scope,
      prefix: i.prefix,
      changes: {
        description: i.description,
        encryptionType: i.encryptionConfiguration?.encryptionType,
        kmsKey: i.encryptionConfiguration?.kmsKey,
        resourceTags: i.resourceTags?.map((t) => ({ Key: t.Key, Value: t.Value })),
        imageTagMutability: i.imageTagMutability,
        imageTagMutabilityExclusionFilters:
          i.imageTagMutabilityExclusionFilters?.map((f) => ({ ...f })) ?? (i.imageTagMutability ? [] : undefined),
        repositoryPolicy: i.repositoryPolicy,
        lifecyclePolicy: i.lifecyclePolicy,
        appliedFor: i.appliedFor ? [...new Set(i.appliedFor)] : undefined,
        customRoleArn: i.customRoleArn,
      },
    });
    return { registryId: scope.account, repositoryCreationTemplate: wireTemplate(storedTemplate(call, i.prefix)) };
  }),

  DeleteRepositoryCreationTemplate: op(structure({ prefix }), async (i, call) => {
    const scope = scopeOf(call);
    const before = storedTemplate(call, i.prefix);
    await execute(call, { type: 'DeleteRepositoryCreationTemplate', scope, prefix: i.prefix });
    return { registryId: scope.account, repositoryCreationTemplate: wireTemplate(before) };
  }),
};
