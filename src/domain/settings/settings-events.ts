/**
 * ECR-only facts: policies, resource tags, registry settings, templates...
 * Part of the one closed union in ../events.ts.
 */
export interface SettingsEventMap {
  RepositoryTagged: { account: string; region: string; repository: string; tags: { Key: string; Value: string }[] };
}
