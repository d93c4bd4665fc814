/**
 * The inspector page: the timeline on the left, the registry at the selected
 * position (or a diff, or an image's story) on the right. Keyboard: j/k or the
 * arrow keys step, Home/End go to the first/last event, PageUp/PageDown jump 20.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { Actions } from './actions.tsx';
import { type Facets, type Filter, filterQuery, follow, getJson, type Health, type ImageStory } from './api.ts';
import { DiffPanel } from './diff-panel.tsx';
import { time } from './format.ts';
import { ImagePanel } from './image-panel.tsx';
import { RegistryPanel } from './registry-panel.tsx';
import { TimelineList } from './timeline-list.tsx';
import { type TimelineState, useTimeline } from './use-timeline.ts';
import { useRegistry } from './use-registry.ts';

type Tab = 'state' | 'diff' | 'image';

const isTyping = (t: EventTarget | null): boolean =>
  t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.isContentEditable);

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** j/k, arrows, Home/End, PageUp/PageDown move the selection (not while typing or in a dialog). */
function useKeyboard(tl: TimelineState, select: (i: number) => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey || document.querySelector('dialog[open]')) return;
      const step: Record<string, number> = { j: 1, ArrowDown: 1, k: -1, ArrowUp: -1, PageDown: 20, PageUp: -20 };
      if (e.key in step) select(tl.selectedRef.current + step[e.key]!);
      else if (e.key === 'Home') select(0);
      else if (e.key === 'End') select(tl.total - 1);
      else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [select, tl.total]);
}

/** New events grow the timeline; at the end (following), the selection moves with them. */
function useFollow(health: Health | undefined, tl: TimelineState, following: boolean, onFacets: (f: Facets) => void): void {
  const followingRef = useRef(following);
  followingRef.current = following;
  const seqRef = useRef(tl.selectedSeq);
  seqRef.current = tl.selectedSeq;
  const { reload } = tl;
  useEffect(() => {
    if (health?.status !== 'ok') return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = follow(health.journal.lastSeq + 1, () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        const toEnd = followingRef.current;
        reload(toEnd ? undefined : seqRef.current, { toEnd }).catch(() => undefined);
        getJson<Facets>('/timeline/facets').then(onFacets, () => undefined);
      }, 150);
    });
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [health, reload, onFacets]);
}

function Filters({
  filter,
  setFilter,
  facets,
}: {
  filter: Filter;
  setFilter: (f: (old: Filter) => Filter) => void;
  facets: Facets | undefined;
}) {
  const set = (k: keyof Filter) => (e: Event) => setFilter((f) => ({ ...f, [k]: (e.currentTarget as HTMLInputElement).value }));
  return (
    <form class="filters" aria-label="Filter the timeline" onSubmit={(e) => e.preventDefault()}>
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
  );
}

interface HeaderProps {
  health: Health | undefined;
  tl: TimelineState;
  following: boolean;
  setFollowing: (f: boolean) => void;
  onGoto: (text: string) => void;
}

function Header({ health, tl, following, setFollowing, onGoto }: HeaderProps) {
  const [goto, setGoto] = useState('');
  const readOnly = health?.status === 'read-only';
  const row = tl.selectedRow;
  return (
    <header class="top">
      <h1>ecr-rewind inspector</h1>
      <span class={`badge ${readOnly ? 'badge-ro' : 'badge-live'}`} data-testid="mode">
        {readOnly ? `read-only view (seq ${health?.state.seq})` : 'live'}
      </span>
      <span class="muted small journal" title="journal folder">
        {health?.journal.dir}
      </span>
      <span class="position" aria-live="polite" data-testid="position">
        {row ? `seq ${row.seq} · ${time(row.time)} · ${row.type}` : tl.selectedSeq !== undefined ? `seq ${tl.selectedSeq}` : ''}
      </span>
      <form
        class="goto"
        onSubmit={(e) => {
          e.preventDefault();
          if (goto.trim()) onGoto(goto.trim());
        }}
      >
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
  );
}

function Details({ health, tl, onJump }: { health: Health | undefined; tl: TimelineState; onJump: (seq: number) => void }) {
  const [tab, setTab] = useState<Tab>('state');
  const [note, setNote] = useState('');
  const [openRepos, setOpenRepos] = useState<ReadonlyMap<string, boolean>>(new Map());
  const registry = useRegistry(
    tl.selectedSeq,
    [...openRepos].filter(([, isOpen]) => isOpen).map(([name]) => name),
  );
  const { view, more } = registry;
  const toggleRepo = useCallback(
    (name: string, isOpen: boolean): void => {
      setOpenRepos((m) => new Map(m).set(name, isOpen));
      // opened where only its counts were asked for: its first images now
      const repo = view?.repositories.find((r) => r.name === name);
      if (isOpen && repo && repo.images.length === 0 && repo.total > 0) more(name, 0);
    },
    [view, more],
  );
  const [story, setStory] = useState<ImageStory>();
  const [storyError, setStoryError] = useState<string>();
  const openImage = useCallback((repository: string, digest: string): void => {
    setTab('image');
    setStoryError(undefined);
    getJson<ImageStory>(`/image?repository=${encodeURIComponent(repository)}&digest=${encodeURIComponent(digest)}`).then(
      setStory,
      (err: unknown) => {
        setStory(undefined);
        setStoryError(message(err));
      },
    );
  }, []);
  return (
    <section class="right" aria-label="Details">
      <Actions
        seq={tl.selectedSeq}
        readOnly={health?.status === 'read-only'}
        journalDir={health?.journal.dir ?? 'JOURNAL'}
        onDone={setNote}
      />
      <p class="message" role="status" data-testid="message">
        {note}
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
            view={registry.view}
            event={tl.selectedRow}
            open={openRepos}
            onToggle={toggleRepo}
            error={registry.error}
            onImage={openImage}
            onMore={registry.more}
          />
        ) : null}
        {tab === 'diff' ? <DiffPanel marks={tl.marks} selectedSeq={tl.selectedSeq} /> : null}
        {tab === 'image' ? <ImagePanel story={story} error={storyError} onSeq={onJump} /> : null}
      </div>
    </section>
  );
}

export function App() {
  const [health, setHealth] = useState<Health>();
  const [facets, setFacets] = useState<Facets>();
  const [filter, setFilter] = useState<Filter>({ q: '', type: '', face: '', repository: '' });
  const [following, setFollowing] = useState(true);
  const [problem, setProblem] = useState<string>();
  const query = filterQuery(filter);
  const tl = useTimeline(query, setProblem);

  // start where the server stands (a read-only view of the past stands at its own seq)
  useEffect(() => {
    getJson<Health>('/health').then(
      (h) => {
        setHealth(h);
        tl.setSelectedSeq(h.state.seq);
      },
      (err: unknown) => setProblem(`The admin API did not answer: ${message(err)}`),
    );
    getJson<Facets>('/timeline/facets').then(setFacets, () => undefined);
  }, []);
  // a new filter: the same seq, found in the new list
  useEffect(() => {
    if (health) tl.reload(tl.selectedSeq ?? health.state.seq).catch((err: unknown) => setProblem(message(err)));
  }, [health, query]);

  const select = useCallback(
    (i: number): void => {
      if (tl.total === 0) return;
      const at = Math.max(0, Math.min(tl.total - 1, i));
      tl.setSelected(at);
      tl.revealSelection();
      setFollowing(at === tl.total - 1);
    },
    [tl.total],
  );
  const jump = useCallback(
    (seq: number): void => {
      tl.setSelectedSeq(seq);
      tl.reload(seq).catch((err: unknown) => setProblem(message(err)));
    },
    [tl.reload],
  );
  const goto = (text: string): void => {
    setFollowing(false);
    const at = Number(text) - tl.firstSeq;
    if (/^\d+$/.test(text) && !query && at >= 0 && at < tl.total) {
      // a seq of the whole timeline: its position is known, no round trip
      tl.setSelected(at);
      tl.setSelectedSeq(Number(text));
      tl.revealSelection();
    } else tl.reload(text).catch((err: unknown) => setProblem(message(err)));
  };
  useKeyboard(tl, select);
  useFollow(health, tl, following, setFacets);

  return (
    <>
      <Header health={health} tl={tl} following={following} setFollowing={setFollowing} onGoto={goto} />
      {problem ? (
        <p class="error" role="alert">
          {problem}
        </p>
      ) : null}
      <main class="layout">
        <section class="left" aria-label="Timeline">
          <Filters filter={filter} setFilter={setFilter} facets={facets} />
          <p class="muted small count" data-testid="count">
            {tl.total.toLocaleString('en-US')} events{query ? ' match' : ''} · j/k or ↑/↓ to step, Home/End
          </p>
          {tl.loaded ? (
            <TimelineList
              total={tl.total}
              rowAt={tl.rowAt}
              need={tl.need}
              selected={tl.selected}
              onSelect={select}
              onJump={jump}
              marks={tl.marks}
              reveal={tl.reveal}
            />
          ) : (
            <p class="muted">Loading the timeline…</p>
          )}
        </section>
        <Details health={health} tl={tl} onJump={jump} />
      </main>
    </>
  );
}
