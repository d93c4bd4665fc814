/** The image a manifest list or index stands for when a client does not accept lists. */
import type { Image, Repository } from '../domain/state.ts';

/** The linux/amd64 image of a manifest list or index, if the repository has it. */
export function defaultPlatformChild(repo: Repository, list: Image): Image | undefined {
  try {
    const doc = JSON.parse(Buffer.from(list.bytes).toString('utf8')) as {
      manifests?: { digest?: string; platform?: { os?: string; architecture?: string } }[];
    };
    const match = doc.manifests?.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64');
    return match?.digest === undefined ? undefined : repo.images.get(match.digest);
  } catch {
    return undefined;
  }
}
