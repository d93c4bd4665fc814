/**
 * Which manifest a GET answers with, given its Accept header.
 *
 * A client that accepts the stored media type (or lists no manifest type, or `*\/*`) gets the
 * stored bytes. Otherwise, pulled by tag, an image manifest is converted as ECR converts it
 * (src/manifest-conversion/convert.ts: Docker schema 2 <-> OCI, either to a signed schema 1);
 * pulled by digest it is not (a digest names exact bytes). Like distribution, an OCI index is not
 * served to a client whose Accept lists manifest types but not OCI indexes, and a Docker manifest
 * list asked for by a client that does not accept lists is answered with its linux/amd64 image.
 */
import { MEDIA_TYPES } from '../../domain/manifest.ts';
import type { Image, Repository } from '../../domain/state.ts';
import { defaultPlatformChild } from '../../queries/platform-child.ts';
import { conversionFor, PULLABLE_MEDIA_TYPES, SCHEMA1_MEDIA_TYPES, type ConversionTarget } from '../../manifest-conversion/convert.ts';

export type Negotiated =
  | { ok: true; image: Image; convert?: undefined }
  | { ok: true; image: Image; convert: ConversionTarget; schema1Type: string }
  | { ok: false; message: string };

/** An Accept header read: its media types (lowercase, no parameters), and what negotiate() asks of them first. */
interface Accepted {
  types: readonly string[];
  /** Whether it names any manifest type a client can be served (else the stored bytes are served). */
  listsManifestTypes: boolean;
  any: boolean;
}

function acceptedOf(accept: string): Accepted {
  const types = accept
    .split(',')
    .map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '')
    .filter((t) => t !== '');
  return { types, listsManifestTypes: types.some((t) => PULLABLE_MEDIA_TYPES.includes(t)), any: types.includes('*/*') };
}

/**
 * Accept headers read so far: a client sends the same one with every pull. At most READ_MAX are
 * kept (they come from requests); past that the memo starts afresh.
 */
const read = new Map<string, Accepted>();
const READ_MAX = 256;

function accepted(accept: string): Accepted {
  let a = read.get(accept);
  if (a === undefined) {
    if (read.size >= READ_MAX) read.clear();
    a = acceptedOf(accept);
    read.set(accept, a);
  }
  return a;
}

export function negotiate(repo: Repository, image: Image, accept: string, byTag: boolean): Negotiated {
  const { types, listsManifestTypes, any } = accepted(accept);
  if (!listsManifestTypes || any || types.includes(image.mediaType)) return { ok: true, image };
  switch (image.mediaType) {
    case MEDIA_TYPES.ociIndex:
      return { ok: false, message: 'OCI index found, but accept header does not support OCI indexes' };
    case MEDIA_TYPES.dockerList: {
      const child = defaultPlatformChild(repo, image);
      return child ? negotiate(repo, child, accept, byTag) : { ok: false, message: 'manifest list found, but no linux/amd64 image in it' };
    }
    default: {
      const target = byTag ? conversionFor(image.mediaType, types) : 'none';
      if (target === 'as-is' || target === 'none') {
        if (image.mediaType === MEDIA_TYPES.ociManifest)
          return { ok: false, message: 'OCI manifest found, but accept header does not support OCI manifests' };
        // a Docker schema 2 manifest nobody asked for: there is no older format a client could not read
        return { ok: true, image };
      }
      const schema1Type = types.includes(SCHEMA1_MEDIA_TYPES.signed) ? SCHEMA1_MEDIA_TYPES.signed : SCHEMA1_MEDIA_TYPES.unsigned;
      return { ok: true, image, convert: target, schema1Type };
    }
  }
}
