/**
 * A journal opened for reading only (`serve --at`): the same reads as the writer's,
 * through a JournalReader, so it takes no lock and may sit beside the server that
 * writes the folder; appends are refused.
 */
import { existsSync } from 'node:fs';
import type { Envelope, NewRecord } from './envelope.ts';
import { JournalNotFoundError } from './errors.ts';
import { JournalReader } from './reader.ts';
import { segmentsDir } from './segment-format.ts';
import type { UpcastTable } from './upcast.ts';

/** What the engine and the faces use of a journal: the writer (Journal) or a read-only view. */
export interface JournalHandle {
  readonly dir: string;
  /** The last sequence number on disk (a read-only view follows the writer's appends). */
  readonly lastSeq: number;
  read(fromSeq?: number, toSeq?: number): Iterable<Envelope>;
  append(records: NewRecord[]): Promise<Envelope[]>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** After a failed append: back to what is on disk, accepting appends again (the writer only). */
  revive?(): Promise<void>;
}

export class ReadOnlyJournal implements JournalHandle {
  readonly #reader: JournalReader;

  private constructor(
    readonly dir: string,
    reader: JournalReader,
  ) {
    this.#reader = reader;
  }

  /** Opens the journal folder `dir`, which must exist (it is not created). */
  static open(dir: string, opts: { upcasters?: UpcastTable; eventTypes?: ReadonlySet<string> } = {}): ReadOnlyJournal {
    if (!existsSync(segmentsDir(dir)))
      throw new JournalNotFoundError(dir, `no journal at ${dir}: a read-only view (--at) needs an existing journal folder`);
    return new ReadOnlyJournal(dir, JournalReader.open(dir, opts));
  }

  get lastSeq(): number {
    return this.#reader.lastSeq;
  }

  read(fromSeq = 1, toSeq = Number.POSITIVE_INFINITY): Iterable<Envelope> {
    return this.#reader.read(fromSeq, toSeq);
  }

  append(): Promise<Envelope[]> {
    return Promise.reject(new Error(`journal ${this.dir} is open read-only`));
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.#reader.close();
  }
}
