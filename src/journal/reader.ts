import { closeSync, openSync } from 'node:fs';
import type { Envelope } from './envelope.ts';
import { JournalCorruptError } from './errors.ts';
import { findGoodFrameAfter, scanFrames } from './frame-scan.ts';
import { HEADER_SIZE, listSegments } from './segment-format.ts';
import { SeekIndex } from './seek-index.ts';
import { readSegments } from './segment-reader.ts';
import type { UpcastTable } from './upcast.ts';

/**
 * Read-only access to a journal directory, safe while another process writes it (for `log`,
 * replay tools, tests). Takes no lock and never changes a file: a bad frame at the end of the last
 * segment (a write in progress, or a torn tail the writer will cut) quietly ends a read.
 */
export class JournalReader {
  private closed = false;
  /** where the tail scan of `lastSeq` left off, so polling it stays cheap */
  private tail: { firstSeq: number; end: number; nextSeq: number } | undefined;
  /** where frames start in the segments read so far (a read from a seq deep in a segment starts near it) */
  private readonly seek = new SeekIndex();

  private constructor(
    readonly dir: string,
    private readonly upcasters: UpcastTable | undefined,
    private readonly eventTypes: ReadonlySet<string> | undefined,
  ) {}

  static open(dir: string, opts?: { upcasters?: UpcastTable; eventTypes?: ReadonlySet<string> }): JournalReader {
    return new JournalReader(dir, opts?.upcasters, opts?.eventTypes);
  }

  /** Envelopes from fromSeq to toSeq (inclusive), as far as they are whole on disk now. */
  read(fromSeq = 1, toSeq = Number.POSITIVE_INFINITY): Iterable<Envelope> {
    this.checkOpen();
    return readSegments(listSegments(this.dir), {
      from: fromSeq,
      to: toSeq,
      tolerateTail: true,
      upcasters: this.upcasters,
      eventTypes: this.eventTypes,
      seek: this.seek,
    });
  }

  /** The last seq whose frame is whole on disk (0 when empty). */
  get lastSeq(): number {
    this.checkOpen();
    const last = listSegments(this.dir).at(-1);
    if (last === undefined) return 0;
    if (this.tail?.firstSeq !== last.firstSeq) this.tail = { firstSeq: last.firstSeq, end: HEADER_SIZE, nextSeq: last.firstSeq };
    const fd = openSync(last.path, 'r');
    try {
      const scan = scanFrames(fd, this.tail.end, this.tail.nextSeq);
      if (scan.bad) {
        const good = findGoodFrameAfter(fd, scan.bad.offset, scan.nextSeq);
        if (scan.bad.certain || good >= 0) throw new JournalCorruptError(last.path, scan.bad.offset, scan.nextSeq, scan.bad.reason);
      }
      this.tail.end = scan.end;
      this.tail.nextSeq = scan.nextSeq;
      return scan.nextSeq - 1;
    } finally {
      closeSync(fd);
    }
  }

  close(): void {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`journal reader for ${this.dir} is closed`);
  }
}
