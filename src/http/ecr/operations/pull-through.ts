/**
 * CreatePullThroughCacheRule, DescribePullThroughCacheRules, UpdatePullThroughCacheRule,
 * ValidatePullThroughCacheRule, DeletePullThroughCacheRule. The fetches themselves are
 * src/pull-through/'s work; the credentials a rule's `credentialArn` names are the emulator's
 * (--upstream-credentials, the admin API), never journaled.
 */
import * as v from 'valibot';
import { pullThroughRules } from '../../../domain/pull-through/pull-through-rules.ts';
import type { PullThroughCacheRule } from '../../../domain/pull-through/pull-through-state.ts';
import type { RegistryScope } from '../../../domain/scope.ts';
import { paginate } from '../../../queries/ecr-pagination.ts';
import { epochSeconds } from '../../../support/time.ts';
import { EcrError } from '../ecr-errors.ts';
import { execute, op, scopeOf, type Call } from '../operation.ts';
import { enumOf, maxResults, nextToken, registryId, structure } from '../shapes.ts';

/** "There is always an assumed / applied to the end of the prefix." */
const prefixOf = (p: string): string => p.replace(/\/+$/, '');

const upstreamRegistry = enumOf([
  'ecr',
  'ecr-public',
  'docker-hub',
  'github-container-registry',
  'gitlab-container-registry',
  'k8s',
  'quay',
  'azure-container-registry',
  'chainguard',
]);

function ruleOf(call: Call, scope: RegistryScope, prefix: string): PullThroughCacheRule {
  const rule = pullThroughRules(call.deps.engine.state, scope)[prefix];
  if (!rule)
    throw new EcrError(
      'PullThroughCacheRuleNotFoundException',
      `The pull through cache rule with prefix '${prefix}' does not exist in the registry with id '${scope.account}'`,
    );
  return rule;
}

function requireSecret(call: Call, arn: string | undefined): void {
  if (arn !== undefined && !call.deps.upstreamCredentials.has(arn))
    throw new EcrError(
      'SecretNotFoundException',
      `The secret '${arn}' was not found. Supply its credentials with --upstream-credentials or POST /_rewind/upstream-credentials`,
    );
}

const optional = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;

function wireRule(rule: PullThroughCacheRule, account: string) {
  return {
    ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
    upstreamRegistryUrl: rule.upstreamRegistryUrl,
    createdAt: epochSeconds(rule.createdAt),
    registryId: account,
    ...optional('credentialArn', rule.credentialArn),
    ...optional('customRoleArn', rule.customRoleArn),
    upstreamRepositoryPrefix: rule.upstreamRepositoryPrefix,
    upstreamRegistry: rule.upstreamRegistry as v.InferOutput<typeof upstreamRegistry>,
    updatedAt: epochSeconds(rule.updatedAt),
  };
}

export const pullThroughOperations = {
  CreatePullThroughCacheRule: op(
    structure({
      ecrRepositoryPrefix: v.string(),
      upstreamRegistryUrl: v.string(),
      registryId,
      upstreamRegistry: v.optional(upstreamRegistry),
      credentialArn: v.optional(v.string()),
      customRoleArn: v.optional(v.string()),
      upstreamRepositoryPrefix: v.optional(v.string()),
    }),
    async (i, call) => {
      const scope = scopeOf(call, i.registryId);
      requireSecret(call, i.credentialArn);
      const prefix = prefixOf(i.ecrRepositoryPrefix);
      const rule = {
        ecrRepositoryPrefix: prefix,
        upstreamRegistryUrl: i.upstreamRegistryUrl,
        upstreamRegistry: i.upstreamRegistry,
        credentialArn: i.credentialArn,
        customRoleArn: i.customRoleArn,
        upstreamRepositoryPrefix: i.upstreamRepositoryPrefix === undefined ? undefined : prefixOf(i.upstreamRepositoryPrefix),
      };
      await execute(call, { type: 'CreatePullThroughCacheRule', scope, rule });
      const { updatedAt: _u, ...created } = wireRule(ruleOf(call, scope, prefix), scope.account);
      return created;
    },
  ),

  DescribePullThroughCacheRules: op(
    structure({ registryId, ecrRepositoryPrefixes: v.optional(v.array(v.string())), nextToken, maxResults: maxResults(1000) }),
    (i, call) => {
      const scope = scopeOf(call, i.registryId);
      const rules = pullThroughRules(call.deps.engine.state, scope);
      const chosen =
        i.ecrRepositoryPrefixes === undefined
          ? Object.values(rules).sort((a, b) => (a.ecrRepositoryPrefix < b.ecrRepositoryPrefix ? -1 : 1))
          : i.ecrRepositoryPrefixes.map((p) => ruleOf(call, scope, prefixOf(p)));
      const page = paginate(chosen, {
        maxResults: i.maxResults,
        nextToken: i.nextToken,
        defaultMax: 100,
        query: (i.ecrRepositoryPrefixes ?? []).join(','),
      });
      return {
        pullThroughCacheRules: page.items.map((r) => wireRule(r, scope.account)),
        ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
      };
    },
  ),

  UpdatePullThroughCacheRule: op(
    structure({
      registryId,
      ecrRepositoryPrefix: v.string(),
      credentialArn: v.optional(v.string()),
      customRoleArn: v.optional(v.string()),
    }),
    async (i, call) => {
      const scope = scopeOf(call, i.registryId);
      const prefix = prefixOf(i.ecrRepositoryPrefix);
      ruleOf(call, scope, prefix);
      requireSecret(call, i.credentialArn);
      await execute(call, {
        type: 'UpdatePullThroughCacheRule',
        scope,
        ecrRepositoryPrefix: prefix,
        credentialArn: i.credentialArn,
        customRoleArn: i.customRoleArn,
      });
      const rule = ruleOf(call, scope, prefix);
      return {
        ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
        registryId: scope.account,
        updatedAt: epochSeconds(rule.updatedAt),
        ...optional('credentialArn', rule.credentialArn),
        ...optional('customRoleArn', rule.customRoleArn),
        upstreamRepositoryPrefix: rule.upstreamRepositoryPrefix,
      };
    },
  ),

  ValidatePullThroughCacheRule: op(structure({ registryId, ecrRepositoryPrefix: v.string() }), async (i, call) => {
    const scope = scopeOf(call, i.registryId);
    const rule = ruleOf(call, scope, prefixOf(i.ecrRepositoryPrefix));
    let failure: string | undefined;
    if (rule.credentialArn !== undefined && !call.deps.upstreamCredentials.has(rule.credentialArn))
      failure = `The secret '${rule.credentialArn}' was not found`;
    else if (!call.deps.pullThrough) failure = 'this emulator is read-only: it reaches no upstream registry';
    else
      failure = await call.deps.pullThrough
        .clientOf(rule)
        .check()
        .then(
          () => undefined,
          (err: unknown) => (err as Error).message,
        );
    const { createdAt: _c, updatedAt: _u, upstreamRegistry: _r, ...wire } = wireRule(rule, scope.account);
    return { ...wire, isValid: failure === undefined, ...(failure === undefined ? {} : { failure }) };
  }),

  DeletePullThroughCacheRule: op(structure({ registryId, ecrRepositoryPrefix: v.string() }), async (i, call) => {
    const scope = scopeOf(call, i.registryId);
    const prefix = prefixOf(i.ecrRepositoryPrefix);
    const rule = ruleOf(call, scope, prefix);
    await execute(call, { type: 'DeletePullThroughCacheRule', scope, ecrRepositoryPrefix: prefix });
    const { updatedAt: _u, upstreamRegistry: _r, ...wire } = wireRule(rule, scope.account);
    return wire;
  }),
};
