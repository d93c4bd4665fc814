/** The registry right after the selected seq (GET /_rewind/registry), and more images of a repository on demand. */
import { useCallback, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { getJson, type RegistryView } from './api.ts';

/** Images per repository asked for at a time. */
const IMAGES = 25;
/** A registry of at most this many repositories shows them all open (registry-panel.tsx). */
export const FEW_REPOSITORIES = 3;

/**
 * `opened`: the repositories the user opened. Only those, and the one the selected event is
 * about, are shown open in a larger registry, so only their images are asked for (the server
 * adds the event's); a registry of a few repositories, shown all open, is asked for whole.
 */
export function useRegistry(
  seq: number | undefined,
  opened: readonly string[],
): {
  view: RegistryView | undefined;
  error: string | undefined;
  more: (repository: string, offset: number) => void;
} {
  const [view, setView] = useState<RegistryView>();
  const [error, setError] = useState<string>();
  const openedRef = useRef(opened);
  openedRef.current = opened;
  const fewRef = useRef(false);
  // a layout effect: the request leaves as soon as the new selection is rendered, not a frame later;
  // a newer selection aborts it (the page never waits for a state it no longer shows)
  useLayoutEffect(() => {
    if (seq === undefined) return;
    const controller = new AbortController();
    const ask = (whole: boolean): Promise<RegistryView> =>
      getJson<RegistryView>(
        `/registry?at=${seq}&limit=${IMAGES}${whole ? '' : `&images=${openedRef.current.map(encodeURIComponent).join(',')}`}`,
        controller.signal,
      );
    ask(fewRef.current)
      .then((v) => (!fewRef.current && v.repositories.length <= FEW_REPOSITORIES && v.repositories.length > 0 ? ask(true) : v))
      .then(
        (v) => {
          if (controller.signal.aborted) return;
          fewRef.current = v.repositories.length <= FEW_REPOSITORIES;
          setView(v);
          setError(undefined);
        },
        (err: unknown) => {
          if (!controller.signal.aborted) setError(err instanceof Error ? err.message : String(err));
        },
      );
    return () => controller.abort();
  }, [seq]);
  const more = useCallback(
    (repository: string, offset: number): void => {
      getJson<RegistryView>(`/registry?at=${seq}&repository=${encodeURIComponent(repository)}&offset=${offset}&limit=${IMAGES}`).then(
        (page) => {
          const extra = page.repositories[0];
          setView((v) =>
            v && extra && v.seq === page.seq
              ? {
                  ...v,
                  repositories: v.repositories.map((r) =>
                    r.name === repository ? { ...r, images: [...r.images.slice(0, offset - r.offset), ...extra.images] } : r,
                  ),
                }
              : v,
          );
        },
        () => undefined,
      );
    },
    [seq],
  );
  return { view, error, more };
}
