/** Input shapes shared by several operations, with AWS's model constraints. */
import { z } from 'zod';

export const REPOSITORY_NAME_PATTERN = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export const registryId = z
  .string()
  .regex(/^[0-9]{12}$/, "must satisfy regular expression '[0-9]{12}'")
  .optional();

export const repositoryName = z
  .string()
  .min(2, 'Member must have length greater than or equal to 2')
  .max(256, 'Member must have length less than or equal to 256')
  .regex(REPOSITORY_NAME_PATTERN, `must satisfy regular expression '${REPOSITORY_NAME_PATTERN.source}'`);

export const maxResults = (max: number) =>
  z
    .number()
    .int()
    .min(1, 'Member must have value greater than or equal to 1')
    .max(max, `Member must have value less than or equal to ${max}`)
    .optional();

export const nextToken = z.string().optional();

export const imageTag = z.string().min(1).max(300);

export const imageId = z.object({ imageDigest: z.string().optional(), imageTag: z.string().optional() });

export const resourceTag = z.object({
  Key: z.string().min(1).max(128),
  Value: z.string().max(256),
});

export const tagMutability = z.enum(['MUTABLE', 'IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION']);

export const mutabilityFilter = z.object({
  filterType: z.enum(['WILDCARD']),
  filter: z.string().regex(/^[0-9a-zA-Z._*-]{1,128}$/, "must satisfy regular expression '^[0-9a-zA-Z._*-]{1,128}'"),
});

export const encryptionConfiguration = z.object({
  encryptionType: z.enum(['AES256', 'KMS', 'KMS_DSSE']),
  kmsKey: z.string().min(1).max(2048).optional(),
});

/** AWS accepts policy documents up to 10,240 characters; they must be JSON. */
export const policyText = z
  .string()
  .min(0)
  .max(10240)
  .refine((text) => {
    try {
      const doc = JSON.parse(text) as unknown;
      return typeof doc === 'object' && doc !== null && !Array.isArray(doc);
    } catch {
      return false;
    }
  }, 'Invalid policy provided: the policy text is not a JSON object');
