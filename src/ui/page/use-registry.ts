/** The registry right after the selected seq (GET /_rewind/registry), and more images of a repository on demand. */
import { useCallback, useLayoutEffect, useState } from 'preact/hooks';
import { getJson, type RegistryView } from './api.ts';

/** Images per repository asked for at a time. */
const IMAGES = 25;

export function useRegistry(seq: number | undefined): {
  view: RegistryView | undefined;
  error: string | undefined;
  more: (repository: string, offset: number) => void;
} {
  const [view, setView] = useState<RegistryView>();
  const [error, setError] = useState<string>();
  // a layout effect: the request leaves as soon as the new selection is rendered, not a frame later;
  // a newer selection aborts it (the page never waits for a state it no longer shows)
  useLayoutEffect(() => {
    if (seq === undefined) return;
    const controller = new AbortController();
    getJson<RegistryView>(`/registry?at=${seq}&limit=${IMAGES}`, controller.signal).then(
      (v) => {
        if (controller.signal.aborted) return;
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
            v && extra
              ? {
                  ...v,
                  repositories: v.repositories.map((r) => (r.name === repository ? { ...r, images: [...r.images, ...extra.images] } : r)),
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
