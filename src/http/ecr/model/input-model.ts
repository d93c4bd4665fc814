/**
 * The part of AWS's ECR service model that request validation reads: every operation's input
 * shape and, per shape, its type, members and the model's constraints (`min`/`max` as length of a
 * string, list or blob or as value of a number, `pattern`, `enum`, `required`).
 * ecr-input-model.ts holds it, generated from AWS's model by tools/ecr-model/generate.ts.
 */
export interface ConstrainedShape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'boolean' | 'blob' | 'timestamp' | 'float' | 'double';
  members?: Record<string, string>;
  required?: string[];
  member?: string;
  key?: string;
  value?: string;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
}

export interface InputModel {
  /** Where it came from, e.g. `botocore 1.43.11`. */
  source: string;
  /** operation -> its input shape, and whether the model lists ValidationException among its errors */
  operations: Record<string, { input: string | null; validationException: boolean }>;
  shapes: Record<string, ConstrainedShape>;
}
