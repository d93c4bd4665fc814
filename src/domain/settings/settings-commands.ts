/** ECR-only commands (policies, resource tags, settings, templates, ...). */
import type { RegistryScope } from '../scope.ts';

export type SettingsCommand = {
  type: 'TagRepository';
  scope: RegistryScope;
  repository: string;
  tags: { Key: string; Value: string }[];
};
