/** An image's story: the events that touched it, its manifest and config. */
import type { ImageStory } from './api.ts';
import { shortDigest, time } from './format.ts';

export interface ImagePanelProps {
  story: ImageStory | undefined;
  error: string | undefined;
  onSeq: (seq: number) => void;
}

export function ImagePanel({ story, error, onSeq }: ImagePanelProps) {
  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (!story) return <p class="muted">Choose an image in the registry view to see its story.</p>;
  return (
    <div class="image-story" data-testid="image-story">
      <h3>
        {story.repository}{' '}
        <span class="mono" title={story.digest}>
          @{shortDigest(story.digest)}
        </span>
      </h3>
      <p class="mono small break">{story.digest}</p>
      <ol class="story">
        {story.events.map((e) => (
          <li key={e.seq}>
            <button type="button" class="linkish" onClick={() => onSeq(e.seq)}>
              seq {e.seq}
            </button>{' '}
            <span class="muted">{time(e.time)}</span> {e.role}
          </li>
        ))}
      </ol>
      <h4>Manifest {story.mediaType ? <span class="muted small">({story.mediaType})</span> : null}</h4>
      <pre class="json">{story.manifest === null ? 'not in the journal' : JSON.stringify(story.manifest, null, 2)}</pre>
      <h4>Config</h4>
      {story.config ? (
        <pre class="json">{JSON.stringify(story.config.json, null, 2)}</pre>
      ) : (
        <p class="muted">{story.configNote ?? 'an index or artifact without a config'}</p>
      )}
    </div>
  );
}
