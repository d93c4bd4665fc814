/**
 * The timeline: a virtualized listbox over every (filtered) event, rows fetched a
 * page at a time by position. @tanstack/virtual-core does the windowing; this
 * file only binds it to Preact.
 */
import { elementScroll, observeElementOffset, observeElementRect, Virtualizer } from '@tanstack/virtual-core';
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { Mark, TimelineRow } from './api.ts';
import { shortDigest, time } from './format.ts';

export const ROW_HEIGHT = 26;

function useVirtualList(
  count: number,
  scroller: { current: HTMLDivElement | null },
  start: number,
): Virtualizer<HTMLDivElement, HTMLDivElement> {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const [v] = useState(
    () =>
      new Virtualizer<HTMLDivElement, HTMLDivElement>({
        count,
        getScrollElement: () => scroller.current,
        estimateSize: () => ROW_HEIGHT,
        overscan: 12,
        // open where the selection is, not at the top (no page of rows fetched for nothing)
        initialOffset: Math.max(0, start * ROW_HEIGHT - 200),
        observeElementRect,
        observeElementOffset,
        scrollToFn: elementScroll,
        onChange: () => rerender(0),
      }),
  );
  v.setOptions({ ...v.options, count });
  useLayoutEffect(() => v._didMount(), [v]);
  useLayoutEffect(() => v._willUpdate());
  return v;
}

export interface TimelineListProps {
  total: number;
  /** The row at a position, or undefined while its page loads (the list asks for it). */
  rowAt: (index: number) => TimelineRow | undefined;
  need: (from: number, to: number) => void;
  selected: number;
  onSelect: (index: number) => void;
  onJump: (seq: number) => void;
  marks: Mark[];
  /** Bumped to scroll the selection into view. */
  reveal: number;
}

export function TimelineList(props: TimelineListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualList(props.total, scroller, props.selected);
  const items = v.getVirtualItems();
  const first = items[0]?.index;
  const last = items.at(-1)?.index;
  useEffect(() => {
    if (first !== undefined && last !== undefined) props.need(first, last);
  }, [first, last, props.total, props.need]);
  useEffect(() => {
    if (props.selected >= 0 && props.selected < props.total) v.scrollToIndex(props.selected, { align: 'auto' });
  }, [props.reveal]);
  const marksAt = new Map<number, string[]>();
  for (const m of props.marks) marksAt.set(m.seq, [...(marksAt.get(m.seq) ?? []), m.name]);
  const selectedRow = props.rowAt(props.selected);
  return (
    <div
      ref={scroller}
      class="timeline"
      role="listbox"
      tabIndex={0}
      aria-label="Timeline of events"
      aria-activedescendant={selectedRow ? `ev-${selectedRow.seq}` : undefined}
      data-testid="timeline"
    >
      <div style={{ height: `${v.getTotalSize()}px`, position: 'relative' }}>
        {items.map((item) => {
          const row = props.rowAt(item.index);
          const isSelected = item.index === props.selected;
          const style = { transform: `translateY(${item.start}px)`, height: `${ROW_HEIGHT}px` };
          if (!row)
            return (
              <div key={item.key} class="row loading" style={style} aria-hidden="true">
                …
              </div>
            );
          const flags = marksAt.get(row.seq);
          return (
            <div
              key={item.key}
              id={`ev-${row.seq}`}
              role="option"
              aria-selected={isSelected}
              class={`row${isSelected ? ' selected' : ''}${row.type === 'Rewound' ? ' jump' : ''}`}
              style={style}
              data-seq={row.seq}
              tabIndex={-1}
              onClick={() => props.onSelect(item.index)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') props.onSelect(item.index);
              }}
            >
              <span class="seq">{row.seq}</span>
              <span class="time">{time(row.time).slice(11)}</span>
              <span class={`face face-${row.face}`} title={row.face === 'either' ? 'OCI or ECR: the journal does not say' : row.face}>
                {row.face === 'either' ? '·' : row.face}
              </span>
              <span class="type">{row.type}</span>
              <span class="repo">{row.repository}</span>
              <span class="ref">{row.tag || (row.digest ? shortDigest(row.digest) : '')}</span>
              <span class="summary">
                {flags?.map((f) => (
                  <span class="flag" key={f} title={`mark ${f}`}>
                    ⚑ {f}
                  </span>
                ))}
                {row.jumpTo !== undefined ? (
                  <button
                    type="button"
                    class="linkish"
                    onClick={(e) => {
                      e.stopPropagation();
                      props.onJump(row.jumpTo!);
                    }}
                  >
                    ↶ jump back to seq {row.jumpTo}
                  </button>
                ) : (
                  row.summary
                )}
              </span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
