/**
 * The IAM policy grammar ECR checks a policy document against (SetRepositoryPolicy,
 * PutRegistryPolicy, a creation template's repositoryPolicy), from the IAM JSON policy reference:
 *
 *   policy    = { "Version"?: "2012-10-17" | "2008-10-17", "Id"?: string, "Statement": statement | [statement, ...] }
 *   statement = { "Sid"?: string (unique), "Effect": "Allow" | "Deny",
 *                 "Principal" | "NotPrincipal": "*" | { "AWS" | "Service" | "Federated" | "CanonicalUser": string | [string, ...] },
 *                 "Action" | "NotAction": action | [action, ...],
 *                 "Resource" | "NotResource"?: string | [string, ...],
 *                 "Condition"?: { operator: { key: value | [value, ...] } } }
 *
 * with ECR's own rules: actions are `*` or `ecr:<action>` (wildcards allowed) naming actions that
 * exist; a repository policy has no Resource (the repository is the resource; ECR refuses one with
 * "Invalid repository policy provided"); a registry policy names ECR repository ARNs as its Resource
 * and, under REGISTRY_POLICY_SCOPE V1, grants only the actions registry policies then cover.
 * The result is the reason a document is refused (for logs and tests), or undefined.
 */
import { ECR_ACTIONS, REGISTRY_POLICY_V1_ACTIONS } from './ecr-actions.ts';

export type PolicyKind = 'repository' | 'registry';

export interface PolicyRules {
  kind: PolicyKind;
  /** REGISTRY_POLICY_SCOPE (registry policies only) */
  registryPolicyScope?: string;
}

const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);
const CONDITION_OPERATORS = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
]);
const AWS_PRINCIPAL =
  /^(\*|\d{12}|arn:aws(-[a-z]+)*:(iam::\d{12}:(root|(user|role|group|federated-user)\/[\w+=,.@\-/]+)|sts::\d{12}:(assumed-role|federated-user)\/[\w+=,.@\-/]+))$/;
const SERVICE_PRINCIPAL = /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/;
const ECR_RESOURCE = /^(\*|arn:aws(-[a-z]+)*:ecr:[a-z0-9-*?]+:(\d{12}|\*):repository\/.+)$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A string or a non-empty list of strings. */
function strings(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

/** IAM wildcard match (`*` any run, `?` one character), case-insensitive as IAM matches actions. */
function wildcard(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function actionProblem(action: string, rules: PolicyRules): string | undefined {
  if (action === '*') return undefined;
  const colon = action.indexOf(':');
  if (colon < 0) return `action '${action}' has no service prefix`;
  if (action.slice(0, colon).toLowerCase() !== 'ecr') return `action '${action}' is not an ECR action`;
  const re = wildcard(action.slice(colon + 1));
  const matched = ECR_ACTIONS.filter((a) => re.test(a));
  if (matched.length === 0) return `action '${action}' names no ECR action`;
  if (rules.kind === 'registry' && rules.registryPolicyScope === 'V1' && action.slice(colon + 1) !== '*') {
    if (!matched.some((a) => REGISTRY_POLICY_V1_ACTIONS.includes(a)))
      return `action '${action}' cannot be granted by a registry policy while REGISTRY_POLICY_SCOPE is V1`;
  }
  return undefined;
}

function principalProblem(p: unknown): string | undefined {
  if (p === '*') return undefined;
  if (!isObject(p) || Object.keys(p).length === 0) return 'Principal must be "*" or an object of principal types';
  for (const [type, value] of Object.entries(p)) {
    if (!PRINCIPAL_TYPES.has(type)) return `unknown principal type '${type}'`;
    const list = strings(value);
    if (!list) return `principal '${type}' must be a string or a list of strings`;
    for (const v of list) {
      if (type === 'AWS' && !AWS_PRINCIPAL.test(v)) return `invalid AWS principal '${v}'`;
      if (type === 'Service' && !SERVICE_PRINCIPAL.test(v)) return `invalid service principal '${v}'`;
      if (v === '') return `empty ${type} principal`;
    }
  }
  return undefined;
}

function conditionProblem(c: unknown): string | undefined {
  if (!isObject(c)) return 'Condition must be an object';
  for (const [operator, block] of Object.entries(c)) {
    const base = operator.replace(/^(ForAllValues|ForAnyValue):/, '').replace(/IfExists$/, '');
    if (!CONDITION_OPERATORS.has(base)) return `unknown condition operator '${operator}'`;
    if (!isObject(block) || Object.keys(block).length === 0) return `condition '${operator}' must map keys to values`;
    for (const [key, value] of Object.entries(block)) {
      const scalar = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
      if (!(scalar(value) || (Array.isArray(value) && value.length > 0 && value.every(scalar))))
        return `condition '${operator}' key '${key}' must have a value or a list of values`;
    }
  }
  return undefined;
}

function statementProblem(s: unknown, rules: PolicyRules): string | undefined {
  if (!isObject(s)) return 'a Statement must be an object';
  for (const k of Object.keys(s)) if (!STATEMENT_KEYS.has(k)) return `unknown statement element '${k}'`;
  if (s.Sid !== undefined && typeof s.Sid !== 'string') return 'Sid must be a string';
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return 'Effect must be Allow or Deny';
  if ((s.Principal === undefined) === (s.NotPrincipal === undefined)) return 'a statement needs exactly one of Principal and NotPrincipal';
  const principal = principalProblem(s.Principal ?? s.NotPrincipal);
  if (principal) return principal;
  if ((s.Action === undefined) === (s.NotAction === undefined)) return 'a statement needs exactly one of Action and NotAction';
  const actions = strings(s.Action ?? s.NotAction);
  if (!actions) return 'Action must be a string or a list of strings';
  for (const a of actions) {
    const problem = actionProblem(a, rules);
    if (problem) return problem;
  }
  const hasResource = s.Resource !== undefined || s.NotResource !== undefined;
  if (rules.kind === 'repository' && hasResource) return 'a repository policy has no Resource (the repository is the resource)';
  if (rules.kind === 'registry') {
    if (!hasResource || (s.Resource !== undefined && s.NotResource !== undefined))
      return 'a registry policy statement needs exactly one of Resource and NotResource';
    const resources = strings(s.Resource ?? s.NotResource);
    if (!resources) return 'Resource must be a string or a list of strings';
    const bad = resources.find((r) => !ECR_RESOURCE.test(r));
    if (bad !== undefined) return `resource '${bad}' is not an ECR repository ARN`;
  }
  if (s.Condition !== undefined) return conditionProblem(s.Condition);
  return undefined;
}

/** Why ECR refuses the policy document, or undefined when it follows the grammar. */
export function policyProblem(text: string, rules: PolicyRules): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'the policy is not JSON';
  }
  if (!isObject(doc)) return 'the policy is not a JSON object';
  for (const k of Object.keys(doc)) if (k !== 'Version' && k !== 'Id' && k !== 'Statement') return `unknown policy element '${k}'`;
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17')
    return `unknown policy Version '${String(doc.Version)}'`;
  if (doc.Id !== undefined && typeof doc.Id !== 'string') return 'Id must be a string';
  const statements = isObject(doc.Statement) ? [doc.Statement] : Array.isArray(doc.Statement) ? doc.Statement : undefined;
  if (!statements || statements.length === 0) return 'a policy needs a Statement';
  const sids = new Set<string>();
  for (const s of statements) {
    const problem = statementProblem(s, rules);
    if (problem) return problem;
    const sid = (s as { Sid?: string }).Sid;
    if (sid !== undefined && sid !== '') {
      if (sids.has(sid)) return `duplicate Sid '${sid}'`;
      sids.add(sid);
    }
  }
  return undefined;
}

/** ECR's message for a refused policy (documented real errors of SetRepositoryPolicy and PutRegistryPolicy). */
export const invalidPolicyMessage = (kind: PolicyKind, field = 'PolicyText'): string =>
  `Invalid parameter at '${field}' failed to satisfy constraint: 'Invalid ${kind} policy provided'`;
