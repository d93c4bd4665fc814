/**
 * Which stored manifest a GET may answer with, given its Accept header.
 * Manifests are always served byte for byte with their stored media type;
 * like distribution, an OCI manifest or index is not served to a client whose
 * Accept lists manifest types but not that one, and a Docker manifest list
 * asked for by a client that does not accept lists is answered with its
 * linux/amd64 image.
 */
import { MANIFEST_MEDIA_TYPES, MEDIA_TYPES } from '../../domain/manifest.ts';
import type { Image, Repository } from '../../domain/state.ts';

export type Negotiated = { ok: true; image: Image } | { ok: false; message: string };

function acceptedTypes(accept: string): string[] {
  return accept
    .split(',')
    .map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '')
    .filter((t) => t !== '');
}

export function negotiate(repo: Repository, image: Image, accept: string): Negotiated {
  const types = acceptedTypes(accept);
  const listsManifestTypes = types.some((t) => MANIFEST_MEDIA_TYPES.includes(t));
  if (!listsManifestTypes || types.includes(image.mediaType) || types.includes('*/*')) return { ok: true, image };
  switch (image.mediaType) {
    case MEDIA_TYPES.ociIndex:
      return { ok: false, message: 'OCI index found, but accept header does not support OCI indexes' };
    case MEDIA_TYPES.ociManifest:
      return { ok: false, message: 'OCI manifest found, but accept header does not support OCI manifests' };
    case MEDIA_TYPES.dockerList: {
      const child = defaultPlatformChild(repo, image);
      return child ? { ok: true, image: child } : { ok: false, message: 'manifest list found, but no linux/amd64 image in it' };
    }
    default:
      // A Docker schema2 manifest: there is no older format to convert it to.
      return { ok: true, image };
  }
}

function defaultPlatformChild(repo: Repository, list: Image): Image | undefined {
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
