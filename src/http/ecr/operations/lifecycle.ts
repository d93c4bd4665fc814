/**
 * Put/Get/DeleteLifecyclePolicy, StartLifecyclePolicyPreview, GetLifecyclePolicyPreview.
 * The policy text is validated by the domain (lifecycle-validation.ts); a preview is
 * IN_PROGRESS until the lifecycle scheduler (src/lifecycle/) completes it off the request path.
 */
import * as v from 'valibot';
import { lifecyclePolicyNotFound } from '../../../domain/lifecycle/lifecycle-decide.ts';
import type { RegistryScope } from '../../../domain/scope.ts';
import type { Repository } from '../../../domain/state.ts';
import { paginate } from '../../../queries/ecr-pagination.ts';
import { previewResults, previewSummary } from '../../../queries/lifecycle-preview.ts';
import { getRepository } from '../../../queries/repository.ts';
import { epochSeconds } from '../../../support/time.ts';
import { EcrError, invalidParameter } from '../ecr-errors.ts';
import { execute, op, scopeOf, type Call } from '../operation.ts';
import { enumOf, imageId, registryId, repositoryName, structure } from '../shapes.ts';

/** LifecyclePolicyText: 100 to 30,720 characters (AWS's model). */
const lifecyclePolicyText = v.pipe(
  v.string(),
  v.minLength(100, 'Member must have length greater than or equal to 100'),
  v.maxLength(30720, 'Member must have length less than or equal to 30720'),
);

const repoOrThrow = (call: Call, scope: RegistryScope, name: string): Repository => getRepository(call.deps.engine.state, scope, name);

const lastEvaluated = (repo: Repository) => {
  const at = repo.settings.lifecycle?.lastEvaluatedAt;
  return at === undefined ? {} : { lastEvaluatedAt: epochSeconds(at) };
};

export const lifecycleOperations = {
  PutLifecyclePolicy: op(structure({ registryId, repositoryName, lifecyclePolicyText }), async (i, call) => {
    const scope = scopeOf(call, i.registryId);
    await execute(call, { type: 'PutLifecyclePolicy', scope, repository: i.repositoryName, policyText: i.lifecyclePolicyText });
    return { registryId: scope.account, repositoryName: i.repositoryName, lifecyclePolicyText: i.lifecyclePolicyText };
  }),

  GetLifecyclePolicy: op(structure({ registryId, repositoryName }), (i, call) => {
    const scope = scopeOf(call, i.registryId);
    const repo = repoOrThrow(call, scope, i.repositoryName);
    const text = repo.settings.lifecyclePolicyText;
    if (text === undefined) throw EcrError.fromDomain(lifecyclePolicyNotFound(scope, i.repositoryName));
    return { registryId: scope.account, repositoryName: i.repositoryName, lifecyclePolicyText: text, ...lastEvaluated(repo) };
  }),

  DeleteLifecyclePolicy: op(structure({ registryId, repositoryName }), async (i, call) => {
    const scope = scopeOf(call, i.registryId);
    const before = repoOrThrow(call, scope, i.repositoryName);
    const text = before.settings.lifecyclePolicyText;
    const evaluated = lastEvaluated(before);
    await execute(call, { type: 'DeleteLifecyclePolicy', scope, repository: i.repositoryName });
    return {
      registryId: scope.account,
      repositoryName: i.repositoryName,
      ...(text !== undefined ? { lifecyclePolicyText: text } : {}),
      ...evaluated,
    };
  }),

  StartLifecyclePolicyPreview: op(
    structure({ registryId, repositoryName, lifecyclePolicyText: v.optional(lifecyclePolicyText) }),
    async (i, call) => {
      const scope = scopeOf(call, i.registryId);
      const [started] = await execute(call, {
        type: 'StartLifecyclePolicyPreview',
        scope,
        repository: i.repositoryName,
        policyText: i.lifecyclePolicyText ?? null,
      });
      const text = started?.type === 'LifecyclePolicyPreviewStarted' ? started.data.policyText : (i.lifecyclePolicyText ?? '');
      return { registryId: scope.account, repositoryName: i.repositoryName, lifecyclePolicyText: text, status: 'IN_PROGRESS' as const };
    },
  ),

  GetLifecyclePolicyPreview: op(
    structure({
      registryId,
      repositoryName,
      imageIds: v.optional(
        // the length is checked before the members, as the answers always have
        v.pipe(
          v.array(v.unknown()),
          v.minLength(1, 'Too small: expected array to have >=1 items'),
          v.maxLength(100, 'Too big: expected array to have <=100 items'),
          v.array(imageId),
        ),
      ),
      nextToken: v.optional(v.string()),
      maxResults: v.optional(
        v.pipe(
          v.number(),
          v.integer(),
          v.minValue(1, 'Member must have value greater than or equal to 1'),
          v.maxValue(100, 'Member must have value less than or equal to 100'),
        ),
      ),
      filter: v.optional(structure({ tagStatus: v.optional(enumOf(['TAGGED', 'UNTAGGED', 'ANY'])) })),
    }),
    (i, call) => {
      const scope = scopeOf(call, i.registryId);
      const repo = repoOrThrow(call, scope, i.repositoryName);
      const preview = repo.settings.lifecycle?.preview;
      if (!preview)
        throw new EcrError(
          'LifecyclePolicyPreviewNotFoundException',
          `There is no lifecycle policy preview for the repository with name '${i.repositoryName}' in the registry with id '${scope.account}'`,
        );
      if (i.imageIds && (i.nextToken !== undefined || i.maxResults !== undefined))
        throw invalidParameter('maxResults and nextToken cannot be used together with imageIds');
      const base = { registryId: scope.account, repositoryName: i.repositoryName, lifecyclePolicyText: preview.policyText };
      if (preview.status === 'IN_PROGRESS') return { ...base, status: 'IN_PROGRESS' as const };
      const tagStatus = i.filter?.tagStatus ?? 'ANY';
      const page = paginate(previewResults(preview, { tagStatus, imageIds: i.imageIds }), {
        maxResults: i.maxResults,
        nextToken: i.nextToken,
        defaultMax: 100,
        query: `preview:${preview.evaluatedAt ?? 0}:${tagStatus}`,
      });
      return {
        ...base,
        status: 'COMPLETE' as const,
        previewResults: page.items.map((r) => ({
          imageDigest: r.digest,
          ...(r.tags.length > 0 ? { imageTags: [...r.tags] } : {}),
          imagePushedAt: epochSeconds(r.pushedAt),
          action:
            r.action === 'EXPIRE' ? { type: 'EXPIRE' as const } : { type: 'TRANSITION' as const, targetStorageClass: 'ARCHIVE' as const },
          appliedRulePriority: r.rulePriority,
          storageClass: r.storageClass,
        })),
        summary: previewSummary(preview),
        ...(page.nextToken ? { nextToken: page.nextToken } : {}),
      };
    },
  ),
};
