/**
 * The timeline's state in the page: its size for the current filter, its rows
 * fetched a page at a time by position, the selection (a position, and the seq
 * of the row there), and reloads that keep a seq in view.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { getJson, type Mark, type TimelinePage, type TimelineRow } from './api.ts';

const PAGE = 200;

export interface TimelineState {
  total: number;
  loaded: boolean;
  marks: Mark[];
  /** seq of position 0 of the unfiltered timeline */
  firstSeq: number;
  rowAt: (i: number) => TimelineRow | undefined;
  need: (from: number, to: number) => void;
  selected: number;
  /** The selection as the keyboard reads it: key presses may come faster than renders. */
  selectedRef: { current: number };
  setSelected: (i: number) => void;
  selectedSeq: number | undefined;
  setSelectedSeq: (seq: number | undefined) => void;
  selectedRow: TimelineRow | undefined;
  /** Bumped to scroll the selection into view. */
  reveal: number;
  revealSelection: () => void;
  /** Reloads the size for the filter, selecting `keep` (a seq, mark or time) or the end. */
  reload: (keep: number | string | undefined, opts?: { toEnd?: boolean }) => Promise<void>;
}

export function useTimeline(query: string, onError: (message: string) => void): TimelineState {
  const [total, setTotal] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const firstSeq = useRef(1);
  const [marks, setMarks] = useState<Mark[]>([]);
  const pages = useRef(new Map<number, TimelineRow[]>());
  const loading = useRef(new Set<number>());
  const generation = useRef(0);
  const [, setPagesVersion] = useState(0);
  const [selected, setSelectedState] = useState(-1);
  const selectedRef = useRef(-1);
  const [selectedSeq, setSelectedSeq] = useState<number>();
  const [reveal, setReveal] = useState(0);

  const rowAt = useCallback((i: number): TimelineRow | undefined => pages.current.get(Math.floor(i / PAGE))?.[i % PAGE], []);
  const setSelected = useCallback(
    (i: number): void => {
      selectedRef.current = i;
      setSelectedState(i);
      // a loaded row: its seq at once, in the same render (no effect and second render first)
      const row = rowAt(i);
      if (row) setSelectedSeq(row.seq);
    },
    [rowAt],
  );
  const revealSelection = useCallback(() => setReveal((r) => r + 1), []);

  const loadPage = useCallback(
    async (page: number): Promise<void> => {
      if (pages.current.has(page) || loading.current.has(page)) return;
      const gen = generation.current;
      loading.current.add(page);
      try {
        const got = await getJson<TimelinePage>(`/timeline?${query}&offset=${page * PAGE}&limit=${PAGE}`);
        if (gen !== generation.current) return;
        pages.current.set(page, got.rows);
        setMarks(got.marks);
        setPagesVersion((v) => v + 1);
      } catch (err) {
        onError(`The timeline did not load: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        loading.current.delete(page);
      }
    },
    [query, onError],
  );

  const need = useCallback(
    (from: number, to: number): void => {
      for (let p = Math.floor(from / PAGE); p <= Math.floor(to / PAGE); p++) void loadPage(p);
    },
    [loadPage],
  );

  const reload = useCallback(
    async (keep: number | string | undefined, opts: { toEnd?: boolean } = {}): Promise<void> => {
      const locate = keep === undefined ? '' : `&locate=${encodeURIComponent(String(keep))}`;
      const head = await getJson<TimelinePage>(`/timeline?${query}&limit=0${locate}`);
      generation.current++;
      pages.current.clear();
      loading.current.clear();
      setTotal(head.total);
      setLoaded(true);
      firstSeq.current = head.firstSeq + 1;
      setMarks(head.marks);
      setSelected(opts.toEnd ? head.total - 1 : (head.located ?? head.total - 1));
      setReveal((r) => r + 1);
      setPagesVersion((v) => v + 1);
      if (head.total === 0 && typeof keep === 'number') setSelectedSeq(keep);
    },
    [query, setSelected],
  );

  // the selected row's seq once its page is there
  const selectedRow = rowAt(selected);
  useEffect(() => {
    if (selectedRow) setSelectedSeq(selectedRow.seq);
    else if (selected >= 0) need(selected, selected);
  }, [selectedRow?.seq, selected]);

  return {
    total,
    loaded,
    marks,
    firstSeq: firstSeq.current,
    rowAt,
    need,
    selected,
    selectedRef,
    setSelected,
    selectedSeq,
    setSelectedSeq,
    selectedRow,
    reveal,
    revealSelection,
    reload,
  };
}
