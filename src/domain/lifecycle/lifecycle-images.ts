/** A repository's images as the lifecycle evaluator sees them (tags gathered per digest). */
import type { Repository } from '../state.ts';
import type { LifecycleImage } from './lifecycle-evaluate.ts';

export function lifecycleImagesOf(repo: Repository): LifecycleImage[] {
  const tags = new Map<string, string[]>();
  for (const [tag, digest] of repo.tags) {
    const list = tags.get(digest);
    if (list) list.push(tag);
    else tags.set(digest, [tag]);
  }
  const out: LifecycleImage[] = [];
  for (const i of repo.images.values())
    out.push({
      digest: i.digest,
      tags: tags.get(i.digest) ?? [],
      pushedAt: i.pushedAt,
      lastPulledAt: i.lastPulledAt,
      storageClass: i.storageClass,
      storageClassChangedAt: i.storageClassChangedAt,
      manifests: i.manifests,
      subject: i.subject,
    });
  return out;
}
