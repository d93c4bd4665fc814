/**
 * Actions on the selected position, each behind a confirmation: set a mark here,
 * reset the live registry to here, download a snapshot file of here, copy the CLI
 * command that shows it. A read-only server (serve --at, inspect) gets the copy only.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { BASE, postJson } from './api.ts';

type Pending = { kind: 'mark' | 'reset' | 'snapshot' } | undefined;

export interface ActionsProps {
  seq: number | undefined;
  readOnly: boolean;
  journalDir: string;
  onDone: (message: string) => void;
}

export function Actions({ seq, readOnly, journalDir, onDone }: ActionsProps) {
  const [pending, setPending] = useState<Pending>();
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (pending && !d.open) d.showModal();
    if (!pending && d.open) d.close();
  }, [pending]);
  const command = seq === undefined ? '' : `npx ecr-rewind state ${journalDir} --at ${seq}`;
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(command);
      onDone(`Copied: ${command}`);
    } catch {
      onDone(`Copy this command: ${command}`);
    }
  };
  const confirm = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!pending || seq === undefined) return;
    setError(undefined);
    try {
      if (pending.kind === 'mark') {
        const out = await postJson<{ name: string; seq: number }>('/marks', { name: name.trim(), at: seq });
        onDone(`Mark '${out.name}' set at seq ${out.seq}`);
      } else if (pending.kind === 'reset') {
        const out = await postJson<{ to: number; seq: number }>('/reset', { to: seq });
        onDone(`The live registry was reset to seq ${out.to} (Rewound event ${out.seq})`);
      } else {
        const a = document.createElement('a');
        a.href = `${BASE}/snapshot?at=${seq}`;
        a.download = `ecr-rewind-${seq}.snapshot`;
        document.body.append(a);
        a.click();
        a.remove();
        onDone(`Downloading a snapshot file of seq ${seq}`);
      }
      setPending(undefined);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const disabled = seq === undefined;
  return (
    <fieldset class="actions">
      <legend class="visually-hidden">Actions on the selected position</legend>
      {readOnly ? null : (
        <>
          <button
            type="button"
            disabled={disabled}
            onClick={() => {
              setName('');
              setPending({ kind: 'mark' });
            }}
          >
            Set mark here…
          </button>
          <button type="button" disabled={disabled} onClick={() => setPending({ kind: 'reset' })}>
            Reset live registry here…
          </button>
          <button type="button" disabled={disabled} onClick={() => setPending({ kind: 'snapshot' })}>
            Download snapshot…
          </button>
        </>
      )}
      <button type="button" disabled={disabled} onClick={copy} title={command}>
        Copy CLI command
      </button>
      <dialog ref={dialog} onClose={() => setPending(undefined)} aria-labelledby="confirm-title">
        <form method="dialog" onSubmit={confirm}>
          <h2 id="confirm-title">
            {pending?.kind === 'mark'
              ? `Set a mark at seq ${seq}`
              : pending?.kind === 'reset'
                ? `Reset the live registry to seq ${seq}?`
                : `Download a snapshot file of seq ${seq}?`}
          </h2>
          {pending?.kind === 'mark' ? (
            <label>
              Mark name <input name="mark" required value={name} onInput={(e) => setName(e.currentTarget.value)} autoFocus />
            </label>
          ) : pending?.kind === 'reset' ? (
            <p>Clients will see the registry as it was right after seq {seq}. History is kept: a Rewound event records the reset.</p>
          ) : (
            <p>A self-contained file with the state and every blob it references, for `--from-snapshot`.</p>
          )}
          {error ? (
            <p class="error" role="alert">
              {error}
            </p>
          ) : null}
          <div class="dialog-buttons">
            <button type="button" onClick={() => setPending(undefined)}>
              Cancel
            </button>
            <button type="submit" class="primary" data-testid="confirm">
              {pending?.kind === 'mark' ? 'Set mark' : pending?.kind === 'reset' ? 'Reset' : 'Download'}
            </button>
          </div>
        </form>
      </dialog>
    </fieldset>
  );
}
