/** StartImageScan, DescribeImageScanFindings. */
import type * as Sdk from '@aws-sdk/client-ecr';
import { domainError } from '../../../domain/errors.ts';
import { imageScans } from '../../../domain/scanning/image-scans.ts';
import { tagsByDigest } from '../../../queries/ecr-images.ts';
import { paginate } from '../../../queries/ecr-pagination.ts';
import { basicFinding, enhancedFinding, hasResults, platformOf, scanStatusView, shownScan } from '../../../queries/ecr-scan-findings.ts';
import { severityCounts } from '../../../domain/scanning/match-findings.ts';
import { EcrError, invalidParameter } from '../ecr-errors.ts';
import { execute, op, scopeOf } from '../operation.ts';
import type { Wire } from '../wire.ts';
import { imageId, maxResults, nextToken, registryId, repositoryName, structure } from '../shapes.ts';
import { imageNotFound, resolve, type ImageId } from './images.ts';
import { getRepository } from '../../../queries/repository.ts';

const idText = (id: ImageId): string => `{imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'}`;

const echoId = (digest: string, id: ImageId) => ({ imageDigest: digest, ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}) });

export const scanningOperations = {
  StartImageScan: op(structure({ registryId, repositoryName, imageId }), async (i, call) => {
    const scope = scopeOf(call, i.registryId);
    const repo = getRepository(call.deps.engine.state, scope, i.repositoryName);
    const r = resolve(repo, i.imageId);
    if ('failureCode' in r) {
      if (r.failureCode === 'ImageNotFound') throw imageNotFound(scope, i.repositoryName, i.imageId);
      throw invalidParameter(`Invalid parameter at 'imageId' failed to satisfy constraint: '${r.failureReason}'`);
    }
    await execute(call, { type: 'StartImageScan', scope, repository: i.repositoryName, digest: r.digest });
    return {
      registryId: scope.account,
      repositoryName: i.repositoryName,
      imageId: echoId(r.digest, i.imageId),
      imageScanStatus: { status: 'IN_PROGRESS' as const },
    };
  }),

  DescribeImageScanFindings: op(structure({ registryId, repositoryName, imageId, nextToken, maxResults: maxResults(1000) }), (i, call) => {
    const state = call.deps.engine.state;
    const scope = scopeOf(call, i.registryId);
    const repo = getRepository(call.deps.engine.state, scope, i.repositoryName);
    const r = resolve(repo, i.imageId);
    if ('failureCode' in r) {
      if (r.failureCode === 'ImageNotFound') throw imageNotFound(scope, i.repositoryName, i.imageId);
      throw invalidParameter(`Invalid parameter at 'imageId' failed to satisfy constraint: '${r.failureReason}'`);
    }
    const image = repo.images.get(r.digest)!;
    const shown = shownScan(state, repo, image);
    if (!shown)
      throw EcrError.fromDomain(
        domainError(
          'ScanNotFound',
          `Image scan does not exist for the image with '${idText(i.imageId)}' in the repository with name '${i.repositoryName}' in the registry with id '${scope.account}'`,
        ),
      );
    const { type, record } = shown;
    const base = {
      registryId: scope.account,
      repositoryName: i.repositoryName,
      imageId: echoId(r.digest, i.imageId),
      imageScanStatus: scanStatusView(image, record),
    };
    if (!hasResults(record)) {
      if (type === 'ENHANCED') return { ...base, imageScanFindings: { findings: [], enhancedFindings: [] } };
      return base;
    }
    const query = `scan:${r.digest}:${type}:${record.completedAt}`;
    const page = paginate(record.findings, { maxResults: i.maxResults, nextToken: i.nextToken, defaultMax: 100, query });
    const summary = {
      imageScanCompletedAt: record.completedAt! / 1000,
      ...(record.vulnerabilitySourceUpdatedAt !== null ? { vulnerabilitySourceUpdatedAt: record.vulnerabilitySourceUpdatedAt / 1000 } : {}),
      findingSeverityCounts: severityCounts(record.findings, type === 'ENHANCED' ? 'UNTRIAGED' : 'UNDEFINED'),
    };
    let imageScanFindings: Wire<Sdk.ImageScanFindings>;
    if (type === 'BASIC') imageScanFindings = { ...summary, findings: page.items.map(basicFinding) };
    else {
      const inventory = imageScans(image)?.inventory ?? null;
      const context = {
        repo,
        image,
        tags: tagsByDigest(repo).get(r.digest) ?? [],
        scannedAt: record.completedAt!,
        platform: platformOf(inventory?.os ?? null),
        architecture: inventory?.architecture ?? null,
      };
      imageScanFindings = { ...summary, findings: [], enhancedFindings: page.items.map((f) => enhancedFinding(f, context)) };
    }
    return { ...base, imageScanFindings, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  }),
};
