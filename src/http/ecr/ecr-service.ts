/**
 * The ECR service: one typed handler per operation. Each handler's result is
 * checked against the wire form of @aws-sdk/client-ecr's response type, so
 * the compiler holds the shapes to AWS's model.
 */
import type * as Sdk from '@aws-sdk/client-ecr';
import type { Operation } from './operation.ts';
import { imageOperations } from './operations/images.ts';
import { layerOperations } from './operations/layers.ts';
import { lifecycleOperations } from './operations/lifecycle.ts';
import { policyAndTagOperations } from './operations/policies-and-tags.ts';
import { registryOperations } from './operations/registry-settings.ts';
import { repositoryOperations } from './operations/repositories.ts';
import { signingOperations } from './operations/signing.ts';
import { scanningOperations } from './operations/scanning.ts';
import { templateOperations } from './operations/templates.ts';
import type { Wire } from './wire.ts';

interface Outputs {
  CreateRepository: Sdk.CreateRepositoryResponse;
  DescribeRepositories: Sdk.DescribeRepositoriesResponse;
  DeleteRepository: Sdk.DeleteRepositoryResponse;
  PutImageTagMutability: Sdk.PutImageTagMutabilityResponse;
  PutImageScanningConfiguration: Sdk.PutImageScanningConfigurationResponse;
  SetRepositoryPolicy: Sdk.SetRepositoryPolicyResponse;
  GetRepositoryPolicy: Sdk.GetRepositoryPolicyResponse;
  DeleteRepositoryPolicy: Sdk.DeleteRepositoryPolicyResponse;
  PutRegistryPolicy: Sdk.PutRegistryPolicyResponse;
  GetRegistryPolicy: Sdk.GetRegistryPolicyResponse;
  DeleteRegistryPolicy: Sdk.DeleteRegistryPolicyResponse;
  TagResource: Sdk.TagResourceResponse;
  UntagResource: Sdk.UntagResourceResponse;
  ListTagsForResource: Sdk.ListTagsForResourceResponse;
  PutImage: Sdk.PutImageResponse;
  BatchGetImage: Sdk.BatchGetImageResponse;
  BatchDeleteImage: Sdk.BatchDeleteImageResponse;
  DescribeImages: Sdk.DescribeImagesResponse;
  ListImages: Sdk.ListImagesResponse;
  ListImageReferrers: Sdk.ListImageReferrersResponse;
  UpdateImageStorageClass: Sdk.UpdateImageStorageClassResponse;
  InitiateLayerUpload: Sdk.InitiateLayerUploadResponse;
  UploadLayerPart: Sdk.UploadLayerPartResponse;
  CompleteLayerUpload: Sdk.CompleteLayerUploadResponse;
  BatchCheckLayerAvailability: Sdk.BatchCheckLayerAvailabilityResponse;
  GetDownloadUrlForLayer: Sdk.GetDownloadUrlForLayerResponse;
  GetAuthorizationToken: Sdk.GetAuthorizationTokenResponse;
  DescribeRegistry: Sdk.DescribeRegistryResponse;
  GetAccountSetting: Sdk.GetAccountSettingResponse;
  PutAccountSetting: Sdk.PutAccountSettingResponse;
  GetRegistryScanningConfiguration: Sdk.GetRegistryScanningConfigurationResponse;
  PutRegistryScanningConfiguration: Sdk.PutRegistryScanningConfigurationResponse;
  BatchGetRepositoryScanningConfiguration: Sdk.BatchGetRepositoryScanningConfigurationResponse;
  PutSigningConfiguration: Sdk.PutSigningConfigurationResponse;
  GetSigningConfiguration: Sdk.GetSigningConfigurationResponse;
  DeleteSigningConfiguration: Sdk.DeleteSigningConfigurationResponse;
  DescribeImageSigningStatus: Sdk.DescribeImageSigningStatusResponse;
  RegisterPullTimeUpdateExclusion: Sdk.RegisterPullTimeUpdateExclusionResponse;
  DeregisterPullTimeUpdateExclusion: Sdk.DeregisterPullTimeUpdateExclusionResponse;
  ListPullTimeUpdateExclusions: Sdk.ListPullTimeUpdateExclusionsResponse;
  CreateRepositoryCreationTemplate: Sdk.CreateRepositoryCreationTemplateResponse;
  DescribeRepositoryCreationTemplates: Sdk.DescribeRepositoryCreationTemplatesResponse;
  UpdateRepositoryCreationTemplate: Sdk.UpdateRepositoryCreationTemplateResponse;
  DeleteRepositoryCreationTemplate: Sdk.DeleteRepositoryCreationTemplateResponse;
  PutLifecyclePolicy: Sdk.PutLifecyclePolicyResponse;
  GetLifecyclePolicy: Sdk.GetLifecyclePolicyResponse;
  DeleteLifecyclePolicy: Sdk.DeleteLifecyclePolicyResponse;
  StartLifecyclePolicyPreview: Sdk.StartLifecyclePolicyPreviewResponse;
  GetLifecyclePolicyPreview: Sdk.GetLifecyclePolicyPreviewResponse;
  StartImageScan: Sdk.StartImageScanResponse;
  DescribeImageScanFindings: Sdk.DescribeImageScanFindingsResponse;
}

export type EcrOperationName = keyof Outputs;
export type EcrService = { readonly [K in EcrOperationName]: Operation<Wire<Outputs[K]>> };

export const ecrService: EcrService = {
  ...repositoryOperations,
  ...policyAndTagOperations,
  ...imageOperations,
  ...layerOperations,
  ...registryOperations,
  ...templateOperations,
  ...signingOperations,
  ...lifecycleOperations,
  ...scanningOperations,
};

/**
 * ECR operations that a later issue brings (lifecycle policies, scans,
 * replication, pull-through cache, ...): they answer a ServerException that
 * names them instead of faking a result.
 */
export const NOT_YET_IMPLEMENTED: readonly string[] = [
  'CreatePullThroughCacheRule',
  'DeletePullThroughCacheRule',
  'DescribePullThroughCacheRules',
  'UpdatePullThroughCacheRule',
  'ValidatePullThroughCacheRule',
  'DescribeImageReplicationStatus',
  'PutReplicationConfiguration',
  'DescribeReplicationBackfillResults',
  'ListReplicationBackfills',
  'StartReplicationBackfill',
  'StopReplicationBackfill',
];

export const isImplemented = (name: string): name is EcrOperationName => Object.hasOwn(ecrService, name);
