/**
 * Whether a registry policy lets another account act on the registry (cross-account replication:
 * `ecr:ReplicateImage`, `ecr:CreateRepository`). IAM's evaluation, reduced to what a registry
 * policy decides: an explicit Deny wins, then an Allow whose principal names the account (its
 * root, any of its principals, or `*`), whose action matches and whose resource covers the
 * repository. Conditions are not evaluated: a statement with one does not grant.
 */
export interface RegistryRequest {
  /** The account asking (the source registry of a replication). */
  account: string;
  /** `ecr:ReplicateImage`, ... */
  action: string;
  /** The repository ARN acted on. */
  resource: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

function wildcard(pattern: string, text: string, caseless: boolean): boolean {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseless ? 'i' : '').test(text);
}

function principalNames(p: unknown, account: string): boolean {
  if (p === '*') return true;
  if (!isObject(p)) return false;
  const inAccount = new RegExp(`^arn:aws(-[a-z]+)*:(iam|sts)::${account}:`);
  return list(p.AWS).some((v) => v === '*' || v === account || inAccount.test(v));
}

function covers(s: Record<string, unknown>, key: 'Action' | 'Resource', value: string, caseless: boolean): boolean {
  const positive = s[key];
  const negative = s[`Not${key}`];
  if (positive !== undefined) return list(positive).some((p) => wildcard(p, value, caseless));
  if (negative !== undefined) return !list(negative).some((p) => wildcard(p, value, caseless));
  return key === 'Resource';
}

/** Whether `policyText` (a registry policy, or none) grants the request. */
export function registryGrants(policyText: string | undefined, req: RegistryRequest): boolean {
  if (policyText === undefined) return false;
  let doc: unknown;
  try {
    doc = JSON.parse(policyText);
  } catch {
    return false;
  }
  if (!isObject(doc)) return false;
  const statements = (isObject(doc.Statement) ? [doc.Statement] : Array.isArray(doc.Statement) ? doc.Statement : []).filter(isObject);
  const applies = (s: Record<string, unknown>): boolean =>
    s.Principal !== undefined &&
    principalNames(s.Principal, req.account) &&
    covers(s, 'Action', req.action, true) &&
    covers(s, 'Resource', req.resource, false);
  if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && s.Condition === undefined && applies(s));
}
