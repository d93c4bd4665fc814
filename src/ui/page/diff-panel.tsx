/** What changed between two positions (marks, seqs or times): appeared, vanished, moved. */
import { useState } from 'preact/hooks';
import { getJson, type DiffView, type Mark } from './api.ts';
import { shortDigest } from './format.ts';

export interface DiffPanelProps {
  marks: Mark[];
  selectedSeq: number | undefined;
}

export function DiffPanel({ marks, selectedSeq }: DiffPanelProps) {
  const [from, setFrom] = useState(marks[0]?.name ?? '0');
  const [to, setTo] = useState(marks[1]?.name ?? 'end');
  const [diff, setDiff] = useState<(DiffView & { fromLabel: string; toLabel: string }) | undefined>();
  const [error, setError] = useState<string>();
  const run = async (e?: Event): Promise<void> => {
    e?.preventDefault();
    setError(undefined);
    try {
      setDiff(await getJson(`/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`));
    } catch (err) {
      setDiff(undefined);
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div class="diff">
      <form class="diff-form" onSubmit={run}>
        <label>
          From <input name="from" list="positions" value={from} onInput={(e) => setFrom(e.currentTarget.value)} size={10} />
        </label>
        {selectedSeq !== undefined ? (
          <button type="button" onClick={() => setFrom(String(selectedSeq))}>
            selected
          </button>
        ) : null}
        <label>
          To <input name="to" list="positions" value={to} onInput={(e) => setTo(e.currentTarget.value)} size={10} />
        </label>
        {selectedSeq !== undefined ? (
          <button type="button" onClick={() => setTo(String(selectedSeq))}>
            selected
          </button>
        ) : null}
        <button type="submit" class="primary">
          Compare
        </button>
        <datalist id="positions">
          {marks.map((m) => (
            <option key={m.name} value={m.name}>{`seq ${m.seq}`}</option>
          ))}
          <option value="end" />
        </datalist>
      </form>
      <p class="muted small">A position is a mark, a sequence number, an ISO time or "end".</p>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {diff ? (
        <div data-testid="diff-result">
          <p class="summary-line">
            {diff.fromLabel} (seq {diff.from}) → {diff.toLabel} (seq {diff.to}):{' '}
            {diff.same ? 'no change' : `${diff.repositories.length} repositories changed`}
          </p>
          {diff.repositories.map((r) => (
            <section key={r.repository} class="diff-repo" data-repository={r.repository}>
              <h3>
                {r.repository} <span class={`status status-${r.status}`}>{r.status}</span>
              </h3>
              <ul class="changes">
                {r.imagesAdded.map((i) => (
                  <li key={`+${i.digest}`} class="added" data-change="image-added" data-digest={i.digest}>
                    + image{' '}
                    <span class="mono" title={i.digest}>
                      {shortDigest(i.digest)}
                    </span>{' '}
                    {i.tags.length > 0 ? `(${i.tags.join(', ')})` : '(untagged)'}
                  </li>
                ))}
                {r.imagesRemoved.map((i) => (
                  <li key={`-${i.digest}`} class="removed" data-change="image-removed" data-digest={i.digest}>
                    − image{' '}
                    <span class="mono" title={i.digest}>
                      {shortDigest(i.digest)}
                    </span>{' '}
                    {i.tags.length > 0 ? `(was ${i.tags.join(', ')})` : '(untagged)'}
                  </li>
                ))}
                {r.tagsMoved.map((t) => (
                  <li key={`~${t.tag}`} class="moved" data-change="tag-moved" data-tag={t.tag}>
                    ~ tag <strong>{t.tag}</strong> moved <span class="mono">{shortDigest(t.from)}</span> →{' '}
                    <span class="mono">{shortDigest(t.to)}</span>
                  </li>
                ))}
                {r.tagsAdded.map((t) => (
                  <li key={`+t${t.tag}`} class="added" data-change="tag-added" data-tag={t.tag}>
                    + tag <strong>{t.tag}</strong> → <span class="mono">{shortDigest(t.digest)}</span>
                  </li>
                ))}
                {r.tagsRemoved.map((t) => (
                  <li key={`-t${t.tag}`} class="removed" data-change="tag-removed" data-tag={t.tag}>
                    − tag <strong>{t.tag}</strong> (was <span class="mono">{shortDigest(t.digest)}</span>)
                  </li>
                ))}
                {r.settingsChanged.map((s) => (
                  <li key={`s${s.setting}`} class="moved" data-change="setting">
                    ~ setting {s.setting}: {JSON.stringify(s.from)} → {JSON.stringify(s.to)}
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </div>
      ) : null}
    </div>
  );
}
