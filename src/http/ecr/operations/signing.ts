/** DescribeImageSigningStatus: the managed-signing status of an image, one per signing profile. */
import { signingStatuses } from '../../../domain/signing/signing-state.ts';
import { getRepository } from '../../../queries/repository.ts';
import { invalidParameter } from '../ecr-errors.ts';
import { op, scopeOf } from '../operation.ts';
import { imageId, registryId, repositoryName, structure } from '../shapes.ts';
import { imageNotFound, resolve } from './images.ts';

export const signingOperations = {
  DescribeImageSigningStatus: op(structure({ registryId, repositoryName, imageId }), (i, call) => {
    const scope = scopeOf(call, i.registryId);
    const repo = getRepository(call.deps.engine.state, scope, i.repositoryName);
    const r = resolve(repo, i.imageId);
    if ('failureCode' in r) {
      if (r.failureCode === 'ImageNotFound') throw imageNotFound(scope, i.repositoryName, i.imageId);
      throw invalidParameter(`Invalid parameter at 'imageId' failed to satisfy constraint: '${r.failureReason}'`);
    }
    const image = repo.images.get(r.digest)!;
    return {
      repositoryName: i.repositoryName,
      imageId: { imageDigest: r.digest, ...(i.imageId.imageTag !== undefined ? { imageTag: i.imageId.imageTag } : {}) },
      registryId: scope.account,
      signingStatuses: signingStatuses(image).map((s) => ({
        signingProfileArn: s.profileArn,
        status: s.status,
        ...(s.status === 'FAILED' ? { failureCode: s.failureCode, failureReason: s.failureReason } : {}),
      })),
    };
  }),
};
