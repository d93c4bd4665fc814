/**
 * GetLifecyclePolicyPreview's view of a repository's latest preview: its results filtered
 * (tagStatus, imageIds), the summary over all of them, in the order the policy acts.
 */
import type { LifecyclePreview, LifecyclePreviewResult } from '../domain/lifecycle/lifecycle-state.ts';
import type { TagStatus } from './ecr-images.ts';

export interface PreviewSummary {
  expiringImageTotalCount: number;
  transitioningImageTotalCounts?: { targetStorageClass: 'ARCHIVE'; imageTotalCount: number }[];
}

export function previewSummary(preview: LifecyclePreview): PreviewSummary {
  const results = preview.results ?? [];
  const expiring = results.filter((r) => r.action === 'EXPIRE').length;
  const transitioning = results.length - expiring;
  return {
    expiringImageTotalCount: expiring,
    ...(transitioning > 0
      ? { transitioningImageTotalCounts: [{ targetStorageClass: 'ARCHIVE' as const, imageTotalCount: transitioning }] }
      : {}),
  };
}

/** The results with the given tag status, or naming one of the image ids (digest or tag). */
export function previewResults(
  preview: LifecyclePreview,
  filter: { tagStatus: TagStatus; imageIds?: readonly { imageDigest?: string | undefined; imageTag?: string | undefined }[] | undefined },
): LifecyclePreviewResult[] {
  return (preview.results ?? []).filter(
    (r) =>
      (filter.tagStatus === 'ANY' || (filter.tagStatus === 'TAGGED') === r.tags.length > 0) &&
      (!filter.imageIds ||
        filter.imageIds.some(
          (id) =>
            (id.imageDigest === undefined || id.imageDigest === r.digest) && (id.imageTag === undefined || r.tags.includes(id.imageTag)),
        )),
  );
}
