/** Where a tool writes: stdout lines for results, stderr for notes, and how it shows progress. */
import type { ProgressFactory } from '../support/progress.ts';

export interface ToolIO {
  out(line: string): void;
  note(line: string): void;
  progress: ProgressFactory;
}
