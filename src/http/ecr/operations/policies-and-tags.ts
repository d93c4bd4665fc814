/**
 * Set/Get/DeleteRepositoryPolicy, Put/Get/DeleteRegistryPolicy,
 * TagResource / UntagResource / ListTagsForResource.
 */
import * as v from 'valibot';
import { scopeKey, type RegistryScope } from '../../../domain/scope.ts';
import { parseRepositoryArn } from '../../../queries/ecr-repositories.ts';
import { getRepository } from '../../../queries/repository.ts';
import { EcrError, invalidParameter } from '../ecr-errors.ts';
import { execute, op, scopeOf, type Call } from '../operation.ts';
import { policyText, registryId, repositoryName, resourceTag, structure } from '../shapes.ts';

/** The repository an ARN names (TagResource & co. take ARNs, not names). */
function repoOfArn(call: Call, arn: string): { scope: RegistryScope; name: string } {
  const parsed = parseRepositoryArn(arn);
  if (!parsed) throw invalidParameter(`Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'`);
  const scope = { account: parsed.account, region: parsed.region };
  getRepository(call.deps.engine.state, scope, parsed.name);
  return { scope, name: parsed.name };
}

const repositoryPolicyNotFound = (scope: RegistryScope, name: string) =>
  new EcrError(
    'RepositoryPolicyNotFoundException',
    `Repository policy does not exist for the repository with name '${name}' in the registry with id '${scope.account}'`,
  );

const registryPolicyNotFound = (scope: RegistryScope) =>
  new EcrError('RegistryPolicyNotFoundException', `Registry policy does not exist in the registry with id '${scope.account}'`);

const resourceArn = v.string();

export const policyAndTagOperations = {
  SetRepositoryPolicy: op(structure({ registryId, repositoryName, policyText, force: v.optional(v.boolean()) }), async (i, call) => {
    const scope = scopeOf(call, i.registryId);
    await execute(call, { type: 'SetRepositoryPolicy', scope, repository: i.repositoryName, policyText: i.policyText });
    return { registryId: scope.account, repositoryName: i.repositoryName, policyText: i.policyText };
  }),

  GetRepositoryPolicy: op(structure({ registryId, repositoryName }), (i, call) => {
    const scope = scopeOf(call, i.registryId);
    const text = getRepository(call.deps.engine.state, scope, i.repositoryName).settings.policyText;
    if (text === undefined) throw repositoryPolicyNotFound(scope, i.repositoryName);
    return { registryId: scope.account, repositoryName: i.repositoryName, policyText: text };
  }),

  DeleteRepositoryPolicy: op(structure({ registryId, repositoryName }), async (i, call) => {
    const scope = scopeOf(call, i.registryId);
    const text = getRepository(call.deps.engine.state, scope, i.repositoryName).settings.policyText;
    await execute(call, { type: 'DeleteRepositoryPolicy', scope, repository: i.repositoryName });
    return { registryId: scope.account, repositoryName: i.repositoryName, ...(text !== undefined ? { policyText: text } : {}) };
  }),

  PutRegistryPolicy: op(structure({ policyText }), async (i, call) => {
    const scope = scopeOf(call);
    await execute(call, { type: 'PutRegistryPolicy', scope, policyText: i.policyText });
    return { registryId: scope.account, policyText: i.policyText };
  }),

  GetRegistryPolicy: op(structure({}), (_i, call) => {
    const scope = scopeOf(call);
    const text = call.deps.engine.state.registries.get(scopeKey(scope))?.policyText;
    if (text === undefined) throw registryPolicyNotFound(scope);
    return { registryId: scope.account, policyText: text };
  }),

  DeleteRegistryPolicy: op(structure({}), async (_i, call) => {
    const scope = scopeOf(call);
    const text = call.deps.engine.state.registries.get(scopeKey(scope))?.policyText;
    await execute(call, { type: 'DeleteRegistryPolicy', scope });
    return { registryId: scope.account, ...(text !== undefined ? { policyText: text } : {}) };
  }),

  TagResource: op(structure({ resourceArn, tags: v.array(resourceTag) }), async (i, call) => {
    const { scope, name } = repoOfArn(call, i.resourceArn);
    await execute(call, { type: 'TagRepository', scope, repository: name, tags: i.tags.map((t) => ({ Key: t.Key, Value: t.Value })) });
    return {};
  }),

  UntagResource: op(structure({ resourceArn, tagKeys: v.array(v.string()) }), async (i, call) => {
    const { scope, name } = repoOfArn(call, i.resourceArn);
    await execute(call, { type: 'UntagRepository', scope, repository: name, tagKeys: i.tagKeys });
    return {};
  }),

  ListTagsForResource: op(structure({ resourceArn }), (i, call) => {
    const { scope, name } = repoOfArn(call, i.resourceArn);
    return { tags: getRepository(call.deps.engine.state, scope, name).settings.resourceTags.map((t) => ({ Key: t.Key, Value: t.Value })) };
  }),
};
