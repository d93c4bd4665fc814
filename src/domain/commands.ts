/**
 * What the faces ask the domain to do. A command is validated input; decide()
 * turns it into events or a DomainError. Time arrives as `now` beside it,
 * and every id (upload ids) is already on the command.
 */
import type { ParsedManifest } from './manifest.ts';
import type { RegistryScope } from './scope.ts';
import type { RepoSettings } from './settings/settings-state.ts';
import type { ScanningCommand } from './scanning/scanning-commands.ts';
import type { SettingsCommand } from './settings/settings-commands.ts';
import type { SigningCommand } from './signing/signing-commands.ts';
import type { LifecycleCommand } from './lifecycle/lifecycle-commands.ts';
import type { ClockCommand } from './clock/clock-commands.ts';
import type { ReplicationCommand } from './replication/replication-commands.ts';
import type { PullThroughCommand } from './pull-through/pull-through-commands.ts';

interface InRepo {
  scope: RegistryScope;
  repository: string;
}

export type CoreCommand =
  | ({ type: 'CreateRepository'; settings: Partial<RepoSettings> } & InRepo)
  | ({ type: 'DeleteRepository'; force: boolean } & InRepo)
  | ({ type: 'StartUpload'; uploadId: string; via: 'oci' | 'ecr' } & InRepo)
  /** The bytes are already staged at `offset` (adapters stage before they record). */
  | { type: 'AppendChunk'; uploadId: string; offset: number; length: number; part: number }
  /** The bytes are verified and in the blob store already; `chunk` records a final chunk sent with the PUT. */
  | { type: 'CompleteUpload'; uploadId: string; digest: string; size: number; chunk: { offset: number; length: number } | null }
  | { type: 'CancelUpload'; uploadId: string }
  /** Closes an upload the registry gives up on: too old on its clock (`ttl`), or its staged bytes are gone. */
  | { type: 'ExpireUpload'; uploadId: string; reason: 'ttl' | 'staged-bytes-missing' }
  /** A whole blob in one request (POST ?digest=): started, appended and completed at once. */
  | ({ type: 'PushBlob'; uploadId: string; digest: string; size: number } & InRepo)
  | ({ type: 'MountBlob'; digest: string; from: string | null } & InRepo)
  | ({
      type: 'PutManifest';
      digest: string;
      bytes: Uint8Array;
      manifest: ParsedManifest;
      tag: string | null;
      /** The face that pushed it: ECR's PutImage refuses a manifest and tag that are already there; /v2 accepts it again. */
      via: 'oci' | 'ecr';
    } & InRepo)
  | ({ type: 'DeleteTag'; tag: string; deleteImageIfUntagged: boolean } & InRepo)
  | ({ type: 'DeleteImage'; digest: string } & InRepo)
  | ({ type: 'DeleteBlob'; digest: string } & InRepo)
  | ({ type: 'RecordPull'; digest: string } & InRepo)
  | {
      type: 'SetMark';
      name: string;
      at: number;
      /** The sequence number the name marks now (the caller looks it up), or undefined for a new name. */
      current?: number | undefined;
      /** Move an existing mark to `at` (otherwise an existing name is refused). */
      move?: boolean;
    };

export type Command =
  | CoreCommand
  | SettingsCommand
  | SigningCommand
  | LifecycleCommand
  | ClockCommand
  | ScanningCommand
  | ReplicationCommand
  | PullThroughCommand;

/** What decide knows besides the state and the command. */
export interface DecideContext {
  readonly now: number;
}
