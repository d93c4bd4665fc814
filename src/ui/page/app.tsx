/**
 * The inspector page: the timeline on the left, the registry at the selected
 * position (or a diff, or an image's story) on the right. Keyboard: j/k or the
 * arrow keys step, Home/End go to the first/last event, PageUp/PageDown jump 20.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { Actions } from './actions.tsx';
import {
  filterQuery,
  follow,
  getJson,
  type Facets,
  type Filter,
  type Health,
  type ImageStory,
  type Mark,
  type RegistryView,
  type TimelinePage,
  type TimelineRow,
} from './api.ts';
import { DiffPanel } from './diff-panel.tsx';
import { time } from './format.ts';
import { ImagePanel } from './image-panel.tsx';
import { RegistryPanel } from './registry-panel.tsx';
import { TimelineList } from './timeline-list.tsx';

const PAGE = 200;
/** Images per repository asked for at a time. */
const IMAGES = 25;
type Tab = 'state' | 'diff' | 'image';

const isTyping = (t: EventTarget | null): boolean =>
  t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.isContentEditable);

export function App() {
  const [health, setHealth] = useState<Health>();
  const [facets, setFacets] = useState<Facets>();
  const [filter, setFilter] = useState<Filter>({ q: '', type: '', face: '', repository: '' });
  const [total, setTotal] = useState(0);
  const [loaded, setLoaded] = useState(false);
  /** seq of the first event (position 0 of the unfiltered timeline) */
  const firstSeq = useRef(1);
  const [marks, setMarks] = useState<Mark[]>([]);
  const pages = useRef(new Map<number, TimelineRow[]>());
  const loading = useRef(new Set<number>());
  const [, setPagesVersion] = useState(0);
  const [selected, setSelectedState] = useState(-1);
  // the keyboard reads the selection from here: key presses may come faster than renders
  const selectedRef = useRef(-1);
  const setSelected = useCallback((i: number): void => {
    selectedRef.current = i;
    setSelectedState(i);
  }, []);
  const [selectedSeq, setSelectedSeq] = useState<number>();
  const [reveal, setReveal] = useState(0);
  const [tab, setTab] = useState<Tab>('state');
  const [view, setView] = useState<RegistryView>();
  const [viewError, setViewError] = useState<string>();
  const [openRepos, setOpenRepos] = useState<ReadonlyMap<string, boolean>>(new Map());
  const toggleRepo = useCallback((name: string, isOpen: boolean): void => setOpenRepos((m) => new Map(m).set(name, isOpen)), []);
  const [story, setStory] = useState<ImageStory>();
  const [storyError, setStoryError] = useState<string>();
  const [message, setMessage] = useState('');
  const [following, setFollowing] = useState(true);
  const [fatal, setFatal] = useState<string>();
  const generation = useRef(0);
  const query = filterQuery(filter);

  const rowAt = useCallback((i: number): TimelineRow | undefined => pages.current.get(Math.floor(i / PAGE))?.[i % PAGE], []);

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
        setMessage(`The timeline did not load: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        loading.current.delete(page);
      }
    },
    [query],
  );

  const need = useCallback(
    (from: number, to: number): void => {
      for (let p = Math.floor(from / PAGE); p <= Math.floor(to / PAGE); p++) void loadPage(p);
    },
    [loadPage],
  );

  /** (Re)loads the timeline's size for the filter, keeping the selected seq in view. */
  const reload = useCallback(
    async (keepSeq: number | string | undefined, opts: { toEnd?: boolean } = {}): Promise<void> => {
      const locate = keepSeq === undefined ? '' : `&locate=${encodeURIComponent(String(keepSeq))}`;
      const head = await getJson<TimelinePage>(`/timeline?${query}&limit=0${locate}`);
      generation.current++;
      pages.current.clear();
      loading.current.clear();
      setTotal(head.total);
      setLoaded(true);
      firstSeq.current = head.firstSeq + 1;
      setMarks(head.marks);
      const at = opts.toEnd ? head.total - 1 : (head.located ?? head.total - 1);
      setSelected(at);
      setReveal((r) => r + 1);
      setPagesVersion((v) => v + 1);
      if (head.total === 0 && typeof keepSeq === 'number') setSelectedSeq(keepSeq);
    },
    [query],
  );

  // start: where the server stands (a read-only view of the past stands at its own seq)
  useEffect(() => {
    getJson<Health>('/health').then(
      (h) => {
        setHealth(h);
        setSelectedSeq(h.state.seq);
      },
      (err: unknown) => setFatal(`The admin API did not answer: ${String(err)}`),
    );
    getJson<Facets>('/timeline/facets').then(setFacets, () => undefined);
  }, []);

  // a new filter: the same seq, found in the new list
  useEffect(() => {
    if (!health) return;
    reload(selectedSeq ?? health.state.seq).catch((err: unknown) => setMessage(String(err)));
  }, [health, query]);

  // the selected row's seq once its page is there
  const selectedRow = rowAt(selected);
  useEffect(() => {
    if (selectedRow) setSelectedSeq(selectedRow.seq);
    else if (selected >= 0) need(selected, selected);
  }, [selectedRow?.seq, selected]);

  // the registry at the selected seq
  useEffect(() => {
    if (selectedSeq === undefined) return;
    const controller = new AbortController();
    getJson<RegistryView>(`/registry?at=${selectedSeq}&limit=${IMAGES}`, controller.signal).then(
      (v) => {
        if (controller.signal.aborted) return;
        setView(v);
        setViewError(undefined);
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setViewError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => controller.abort();
  }, [selectedSeq]);

  const select = useCallback(
    (i: number): void => {
      if (total === 0) return;
      const at = Math.max(0, Math.min(total - 1, i));
      setSelected(at);
      setReveal((r) => r + 1);
      setFollowing(at === total - 1);
    },
    [total],
  );

  const jumpToSeq = useCallback(
    (seq: number): void => {
      setSelectedSeq(seq);
      reload(seq).catch((err: unknown) => setMessage(String(err)));
    },
    [reload],
  );

  // the keyboard
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey || document.querySelector('dialog[open]')) return;
      const step: Record<string, number> = { j: 1, ArrowDown: 1, k: -1, ArrowUp: -1, PageDown: 20, PageUp: -20 };
      if (e.key in step) select(selectedRef.current + step[e.key]!);
      else if (e.key === 'Home') select(0);
      else if (e.key === 'End') select(total - 1);
      else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [select, total]);

  // live follow: new events grow the timeline; at the end, the selection follows them
  const followingRef = useRef(following);
  followingRef.current = following;
  const selectedSeqRef = useRef(selectedSeq);
  selectedSeqRef.current = selectedSeq;
  useEffect(() => {
    if (!health || health.status !== 'ok') return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = follow(health.journal.lastSeq + 1, () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        const toEnd = followingRef.current;
        reload(toEnd ? undefined : selectedSeqRef.current, { toEnd }).catch(() => undefined);
        getJson<Facets>('/timeline/facets').then(setFacets, () => undefined);
      }, 150);
    });
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [health, reload]);

  const [goto, setGoto] = useState('');
  const submitGoto = (e: Event): void => {
    e.preventDefault();
    const text = goto.trim();
    if (!text) return;
    setFollowing(false);
    if (/^\d+$/.test(text) && !query) {
      // a seq in the whole timeline: its position is known, no round trip
      const seq = Number(text);
      const at = seq - firstSeq.current;
      if (at >= 0 && at < total) {
        setSelected(at);
        setSelectedSeq(seq);
        setReveal((r) => r + 1);
        return;
      }
    }
    reload(text).catch((err: unknown) => setMessage(err instanceof Error ? err.message : String(err)));
  };

  const openImage = useCallback((repository: string, digest: string): void => {
    setTab('image');
    setStoryError(undefined);
    getJson<ImageStory>(`/image?repository=${encodeURIComponent(repository)}&digest=${encodeURIComponent(digest)}`).then(
      setStory,
      (err: unknown) => {
        setStory(undefined);
        setStoryError(err instanceof Error ? err.message : String(err));
      },
    );
  }, []);

  const moreImages = useCallback(
    (repository: string, offset: number): void => {
      getJson<RegistryView>(
        `/registry?at=${selectedSeq}&repository=${encodeURIComponent(repository)}&offset=${offset}&limit=${IMAGES}`,
      ).then(
        (more) => {
          setView((v) => {
            if (!v) return v;
            const extra = more.repositories[0];
            return {
              ...v,
              repositories: v.repositories.map((r) =>
                r.name === repository && extra ? { ...r, images: [...r.images, ...extra.images] } : r,
              ),
            };
          });
        },
        () => undefined,
      );
    },
    [selectedSeq],
  );

  if (fatal)
    return (
      <p class="error" role="alert">
        {fatal}
      </p>
    );
  const readOnly = health?.status === 'read-only';
  const set = (k: keyof Filter) => (e: Event) => setFilter((f) => ({ ...f, [k]: (e.currentTarget as HTMLInputElement).value }));
  return (
    <>
      <header class="top">
        <h1>ecr-rewind inspector</h1>
        <span class={`badge ${readOnly ? 'badge-ro' : 'badge-live'}`} data-testid="mode">
          {readOnly ? `read-only view (seq ${health?.state.seq})` : 'live'}
        </span>
        <span class="muted small journal" title="journal folder">
          {health?.journal.dir}
        </span>
        <span class="position" aria-live="polite" data-testid="position">
          {selectedRow
            ? `seq ${selectedRow.seq} · ${time(selectedRow.time)} · ${selectedRow.type}`
            : selectedSeq !== undefined
              ? `seq ${selectedSeq}`
              : ''}
        </span>
        <form class="goto" onSubmit={submitGoto}>
          <input
            aria-label="Go to position"
            placeholder="seq, mark, time"
            size={12}
            value={goto}
            onInput={(e) => setGoto(e.currentTarget.value)}
            data-testid="goto"
          />
          <button type="submit">Go</button>
        </form>
        {readOnly ? null : (
          <label class="small">
            <input type="checkbox" checked={following} onChange={(e) => setFollowing(e.currentTarget.checked)} /> follow new events
          </label>
        )}
      </header>
      <main class="layout">
        <section class="left" aria-label="Timeline">
          <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
            <input
              type="search"
              placeholder="tag, digest prefix or repository"
              aria-label="Search"
              value={filter.q}
              onInput={set('q')}
              data-testid="search"
            />
            <select aria-label="Event type" value={filter.type} onChange={set('type')}>
              <option value="">all types</option>
              {facets?.types.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
            <select aria-label="Face" value={filter.face} onChange={set('face')}>
              <option value="">all faces</option>
              <option value="oci">OCI (/v2)</option>
              <option value="ecr">ECR API</option>
              <option value="admin">admin</option>
              <option value="either">OCI or ECR</option>
            </select>
            <select aria-label="Repository" value={filter.repository} onChange={set('repository')}>
              <option value="">all repositories</option>
              {facets?.repositories.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </form>
          <p class="muted small count" data-testid="count">
            {total.toLocaleString('en-US')} events{query ? ' match' : ''} · j/k or ↑/↓ to step, Home/End
          </p>
          {loaded ? (
            <TimelineList
              total={total}
              rowAt={rowAt}
              need={need}
              selected={selected}
              onSelect={select}
              onJump={jumpToSeq}
              marks={marks}
              reveal={reveal}
            />
          ) : (
            <p class="muted">Loading the timeline…</p>
          )}
        </section>
        <section class="right" aria-label="Details">
          <Actions seq={selectedSeq} readOnly={readOnly} journalDir={health?.journal.dir ?? 'JOURNAL'} onDone={setMessage} />
          <p class="message" role="status" data-testid="message">
            {message}
          </p>
          <div role="tablist" class="tabs">
            {(['state', 'diff', 'image'] as const).map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                aria-selected={tab === t}
                class={tab === t ? 'active' : ''}
                onClick={() => setTab(t)}
                data-testid={`tab-${t}`}
              >
                {t === 'state' ? 'Registry here' : t === 'diff' ? 'Diff' : 'Image story'}
              </button>
            ))}
          </div>
          <div role="tabpanel" class="panel">
            {tab === 'state' ? (
              <RegistryPanel
                view={view}
                event={selectedRow}
                open={openRepos}
                onToggle={toggleRepo}
                error={viewError}
                onImage={openImage}
                onMore={moreImages}
              />
            ) : null}
            {tab === 'diff' ? <DiffPanel marks={marks} selectedSeq={selectedSeq} /> : null}
            {tab === 'image' ? <ImagePanel story={story} error={storyError} onSeq={jumpToSeq} /> : null}
          </div>
        </section>
      </main>
    </>
  );
}
