/**
 * The emulator's one V8 setting: ArrayBuffers are swept at the end of the garbage collection
 * that found them dead, on the thread that ran it, instead of by a background task afterwards
 * (`--no-concurrent-array-buffer-sweeping`, set at run time: V8 reads it at each collection).
 *
 * Why: node:http copies every fragment of a request body (up to 64 KiB) into a fresh ArrayBuffer,
 * so a blob push allocates its own size in ArrayBuffers; V8 scavenges every 32 MiB of them. V8
 * counts the ArrayBuffer bytes allocated since the last full collection against the old
 * generation's limit, and checks that limit right after each scavenge. With concurrent sweeping
 * the dead bodies of that scavenge are still counted at that moment (the background task frees
 * them later, and later still on a busy 2-core machine), so the check sees up to 32 MiB that is
 * already garbage and starts a full mark of the heap; on a busy machine this repeated after every
 * scavenge (66 full collections instead of 3 for eight 64 MiB chunked pushes, the server's CPU per
 * push doubled). Swept at once, the check sees what is really alive.
 *
 * What it costs: freeing the dead ArrayBuffers of a scavenge (a few hundred, for 32 MiB of bodies)
 * on the main thread, and the ArrayBuffers of the old generation at the end of a full collection
 * (one per stored manifest). Incremental marking stays on: full collections stay incremental.
 */
import { setFlagsFromString } from 'node:v8';

let applied = false;

/** Sets the flag once per process (every emulator started in it shares the heap). */
export function sweepArrayBuffersAtOnce(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString('--no-concurrent-array-buffer-sweeping');
}
