/**
 * Converted manifests as both faces serve them (ECR BatchGetImage with acceptedMediaTypes, /v2
 * GET by tag with an Accept header): the conversion of src/manifest-conversion/ fed with what it
 * reads (the image config for schema 1), and kept per process so that a client that resolves a tag
 * and then fetches the digest it was given (containerd does) finds the converted manifest by that
 * digest too. Conversions are deterministic, so a restart loses nothing but the cache.
 */
import { repoKey } from '../domain/scope.ts';
import type { Image, Repository } from '../domain/state.ts';
import {
  convertImageManifest,
  convertToSchema1,
  SCHEMA1_MEDIA_TYPES,
  type ConversionTarget,
  type ConvertedManifest,
} from '../manifest-conversion/convert.ts';
import type { FaceDeps } from './face-deps.ts';

/** How many converted manifests are kept (the oldest goes first). */
const CAPACITY = 1024;

export interface PullConversions {
  /** `image` of `repo` in the target format; `tag` is the tag it was pulled by (schema 1 names it). */
  convert(repo: Repository, image: Image, target: ConversionTarget, tag: string, schema1Type?: string): Promise<ConvertedManifest>;
  /** A manifest converted earlier in this process, by its digest. */
  byDigest(repo: Repository, digest: string): ConvertedManifest | undefined;
}

export function createPullConversions(deps: Pick<FaceDeps, 'blobReads'>): PullConversions {
  const byKey = new Map<string, ConvertedManifest>();
  const byDigest = new Map<string, ConvertedManifest>();
  const keep = (map: Map<string, ConvertedManifest>, key: string, value: ConvertedManifest): void => {
    map.set(key, value);
    if (map.size > CAPACITY) map.delete(map.keys().next().value as string);
  };

  async function configBytes(image: Image): Promise<Buffer> {
    const config = image.blobs[0];
    if (config === undefined) throw new Error(`the image ${image.digest} has no config blob`);
    return (await deps.blobReads.open(config)).read();
  }

  return {
    async convert(repo, image, target, tag, schema1Type = SCHEMA1_MEDIA_TYPES.signed) {
      const rk = repoKey(repo, repo.name);
      const key = `${rk}\0${image.digest}\0${target}\0${target === 'schema1' ? `${tag}\0${schema1Type}` : ''}`;
      let converted = byKey.get(key);
      if (!converted) {
        converted =
          target === 'schema1'
            ? convertToSchema1(
                image.bytes,
                await configBytes(image),
                { name: repo.name, tag },
                new Date(image.pushedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
                schema1Type,
              )
            : convertImageManifest(image.bytes, target);
        keep(byKey, key, converted);
      }
      keep(byDigest, `${rk}\0${converted.digest}`, converted);
      return converted;
    },
    byDigest(repo, digest) {
      return byDigest.get(`${repoKey(repo, repo.name)}\0${digest}`);
    },
  };
}
