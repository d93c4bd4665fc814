/**
 * Reads who and where a request is from its SigV4 Authorization header:
 *
 *   AWS4-HMAC-SHA256 Credential=<access key>/<yyyymmdd>/<region>/<service>/aws4_request,
 *                    SignedHeaders=..., Signature=...
 *
 * The signature is parsed, not checked: any secret key works. The account is
 * the access key itself when it is 12 digits (the convention LocalStack uses
 * to address several accounts), else the configured default account.
 */
import type { RegistryScope } from '../../domain/scope.ts';
import { EcrError } from './ecr-errors.ts';

export interface Caller {
  readonly accessKeyId: string;
  readonly scope: RegistryScope;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

export function callerOf(authorization: string | undefined, defaultAccount: string): Caller {
  if (!authorization) throw new EcrError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  if (!authorization.startsWith('AWS4-HMAC-SHA256 '))
    throw new EcrError('IncompleteSignatureException', `Authorization header requires 'AWS4-HMAC-SHA256' signing`);
  const m = CREDENTIAL.exec(authorization);
  const [, accessKeyId, , region] = m ?? [];
  if (!accessKeyId || !region || !/Signature=[0-9a-f]+/.test(authorization))
    throw new EcrError(
      'IncompleteSignatureException',
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters`,
    );
  const account = /^\d{12}$/.test(accessKeyId) ? accessKeyId : defaultAccount;
  return { accessKeyId, scope: { account, region } };
}
