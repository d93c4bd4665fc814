/**
 * Input shapes shared by several operations: their types. The constraints of AWS's model
 * (lengths, patterns, enums, required members) are checked before these run, by
 * model/model-validation.ts; what stays here is what the model does not say.
 */
import * as v from 'valibot';

const isStructure = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A structure member (a JSON object: valibot's `object` alone would take an array for one). */
export const structure = <const E extends v.ObjectEntries>(entries: E) =>
  v.pipe(v.custom<Record<string, unknown>>(isStructure, 'Member must be of type object'), v.object(entries));

/** One of a closed set of strings, refused in the words of AWS's enum constraint. */
export const enumOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  v.picklist(values, `Member must satisfy enum value set: [${values.join(', ')}]`);

export const registryId = v.optional(v.string());

export const repositoryName = v.string();

export const maxResults = (_max: number) => v.optional(v.pipe(v.number(), v.integer()));

export const nextToken = v.optional(v.string());

export const imageTag = v.string();

export const imageId = structure({ imageDigest: v.optional(v.string()), imageTag: v.optional(v.string()) });

export const resourceTag = structure({ Key: v.string(), Value: v.string() });

export const tagMutability = enumOf(['MUTABLE', 'IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION']);

export const mutabilityFilter = structure({ filterType: enumOf(['WILDCARD']), filter: v.string() });

export const encryptionConfiguration = structure({
  encryptionType: enumOf(['AES256', 'KMS', 'KMS_DSSE']),
  kmsKey: v.optional(v.string()),
});

/** A policy document (the model bounds it to 10,240 characters; its grammar is checked by the operation). */
export const policyText = v.string();
