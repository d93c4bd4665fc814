/**
 * The input shapes of the replication backfill operations (StartReplicationBackfill,
 * StopReplicationBackfill, ListReplicationBackfills, DescribeReplicationBackfillResults), which the
 * botocore model ecr-input-model.ts was generated from does not have yet. Written by hand from the
 * API reference (maxResults 1-50 and 1-1000, resultStatusFilter COMPLETE|FAILED) and the shapes the
 * other operations share (RegistryId, Region); once a newer model is generated, it covers these and
 * this file can go.
 */
import type { InputModel } from './input-model.ts';
import { ECR_INPUT_MODEL } from './ecr-input-model.ts';

const shared = ECR_INPUT_MODEL.shapes;

export const BACKFILL_INPUT_MODEL: InputModel = {
  source: 'ECR API reference (replication backfill operations)',
  operations: {
    StartReplicationBackfill: { input: 'StartReplicationBackfillRequest', validationException: true },
    StopReplicationBackfill: { input: 'StopReplicationBackfillRequest', validationException: true },
    ListReplicationBackfills: { input: 'ListReplicationBackfillsRequest', validationException: true },
    DescribeReplicationBackfillResults: { input: 'DescribeReplicationBackfillResultsRequest', validationException: true },
  },
  shapes: {
    ...shared,
    StartReplicationBackfillRequest: {
      type: 'structure',
      members: { registryId: 'RegistryId', destination: 'ReplicationDestination' },
      required: ['destination'],
    },
    StopReplicationBackfillRequest: {
      type: 'structure',
      members: { registryId: 'RegistryId', replicationBackfillId: 'ReplicationBackfillId' },
      required: ['replicationBackfillId'],
    },
    ListReplicationBackfillsRequest: {
      type: 'structure',
      members: { registryId: 'RegistryId', maxResults: 'ListReplicationBackfillsMaxResults', nextToken: 'NextToken' },
    },
    DescribeReplicationBackfillResultsRequest: {
      type: 'structure',
      members: {
        registryId: 'RegistryId',
        replicationBackfillId: 'ReplicationBackfillId',
        resultStatusFilter: 'ReplicationBackfillResultStatus',
        maxResults: 'MaxResults',
        nextToken: 'NextToken',
      },
      required: ['replicationBackfillId'],
    },
    ReplicationBackfillId: { type: 'string', min: 1 },
    ListReplicationBackfillsMaxResults: { type: 'integer', min: 1, max: 50 },
    ReplicationBackfillResultStatus: { type: 'string', enum: ['COMPLETE', 'FAILED'] },
  },
};
