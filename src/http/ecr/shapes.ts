/**
 * Input shapes shared by several operations: their types. The constraints of AWS's model
 * (lengths, patterns, enums, required members) are checked before these run, by
 * model/model-validation.ts; what stays here is what the model does not say.
 */
import { z } from 'zod';

export const registryId = z.string().optional();

export const repositoryName = z.string();

export const maxResults = (_max: number) => z.number().int().optional();

export const nextToken = z.string().optional();

export const imageTag = z.string();

export const imageId = z.object({ imageDigest: z.string().optional(), imageTag: z.string().optional() });

export const resourceTag = z.object({ Key: z.string(), Value: z.string() });

export const tagMutability = z.enum(['MUTABLE', 'IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION']);

export const mutabilityFilter = z.object({ filterType: z.enum(['WILDCARD']), filter: z.string() });

export const encryptionConfiguration = z.object({
  encryptionType: z.enum(['AES256', 'KMS', 'KMS_DSSE']),
  kmsKey: z.string().optional(),
});

/** A policy document (the model bounds it to 10,240 characters; its grammar is checked by the operation). */
export const policyText = z.string();
