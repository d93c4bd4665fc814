/** The registry right after the selected event: repositories, images, platforms, referrers. */
import type { RegistryView, TimelineRow } from './api.ts';
import { bytes, mediaTypeShort, shortDigest, time } from './format.ts';
import { FEW_REPOSITORIES } from './use-registry.ts';

type Repo = RegistryView['repositories'][number];
type Img = Repo['images'][number];

export interface RegistryPanelProps {
  /**
   * Repositories the user opened (true) or closed (false); the others are open when the
   * registry has few, or when the selected event is theirs (a registry may hold thousands of images).
   */
  open: ReadonlyMap<string, boolean>;
  onToggle: (repository: string, open: boolean) => void;
  view: RegistryView | undefined;
  /** The selected event, when its row is loaded. */
  event: TimelineRow | undefined;
  error: string | undefined;
  onImage: (repository: string, digest: string) => void;
  onMore: (repository: string, offset: number) => void;
}

function ImageRow({ repo, image, depth, onImage }: { repo: Repo; image: Img; depth: number; onImage: RegistryPanelProps['onImage'] }) {
  return (
    <>
      <tr class={depth > 0 ? 'referrer' : ''}>
        <td>
          <button
            type="button"
            class="linkish mono"
            title={image.digest}
            onClick={() => onImage(repo.name, image.digest)}
            style={{ paddingLeft: `${depth * 1.2}em` }}
          >
            {depth > 0 ? '↳ ' : ''}
            {shortDigest(image.digest)}
          </button>
        </td>
        <td>
          {image.tags.length > 0 ? (
            image.tags.map((t) => (
              <span class="tag" key={t}>
                {t}
              </span>
            ))
          ) : (
            <span class="muted">untagged</span>
          )}
        </td>
        <td class="nowrap">{bytes(image.size)}</td>
        <td title={image.mediaType}>
          {mediaTypeShort(image.mediaType)}
          {image.artifactType && depth > 0 ? <div class="muted small">{image.artifactType}</div> : null}
        </td>
        <td class="col-pushed">{time(image.pushedAt)}</td>
      </tr>
      {image.manifests?.map((m) => (
        <tr class="child" key={m.digest}>
          <td colSpan={5} style={{ paddingLeft: `${depth * 1.2 + 1.5}em` }}>
            <span class="platform">{m.platform || 'no platform'}</span>{' '}
            {m.present ? (
              <button type="button" class="linkish mono" title={m.digest} onClick={() => onImage(repo.name, m.digest)}>
                {shortDigest(m.digest)}
              </button>
            ) : (
              <span class="mono muted" title={`${m.digest} is not in the repository`}>
                {shortDigest(m.digest)} (absent)
              </span>
            )}
          </td>
        </tr>
      ))}
      {image.referrers?.map((r) => (
        <ImageRow key={r.digest} repo={repo} image={r} depth={depth + 1} onImage={onImage} />
      ))}
    </>
  );
}

export function RegistryPanel({ view, event, error, onImage, onMore, open, onToggle }: RegistryPanelProps) {
  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (!view) return <p class="muted">Loading the registry…</p>;
  return (
    <div data-testid="registry" data-seq={view.seq}>
      {event && event.seq === view.seq ? (
        <p class="event-line" data-testid="event">
          <strong>{event.type}</strong>
          {event.repository ? ` in ${event.repository}` : ''}: {event.summary}
          {event.digest ? <span class="mono small break"> {event.digest}</span> : null}
        </p>
      ) : null}
      <p class="summary-line">
        Right after seq <strong data-testid="state-seq">{view.seq}</strong>: {view.repositories.length} repositories, {view.blobs.count}{' '}
        blobs ({bytes(view.blobs.bytes)}){view.uploads.length > 0 ? `, ${view.uploads.length} uploads in progress` : ''}
      </p>
      {view.repositories.length === 0 ? <p class="muted">The registry is empty here.</p> : null}
      {view.repositories.map((repo) => {
        const isOpen = open.get(repo.name) ?? (view.repositories.length <= FEW_REPOSITORIES || repo.name === event?.repository);
        return (
          <details
            open={isOpen}
            // only a toggle by the user differs from what was rendered
            onToggle={(e) => {
              if (e.currentTarget.open !== isOpen) onToggle(repo.name, e.currentTarget.open);
            }}
            key={`${repo.account}:${repo.region}:${repo.name}`}
            class="repo"
            data-repository={repo.name}
          >
            <summary>
              <strong>{repo.name}</strong>{' '}
              <span class="muted">
                {repo.imageCount} images, {repo.tagCount} tags · {repo.settings.imageTagMutability} · created {time(repo.createdAt)}
                {repo.account !== '000000000000' || repo.region !== 'us-east-1' ? ` · ${repo.account} ${repo.region}` : ''}
              </span>
            </summary>
            {isOpen ? (
              <>
                <dl class="settings">
                  <dt>scan on push</dt>
                  <dd>{repo.settings.scanOnPush ? 'yes' : 'no'}</dd>
                  <dt>encryption</dt>
                  <dd>{repo.settings.encryptionType}</dd>
                  {repo.settings.resourceTags.length > 0 ? (
                    <>
                      <dt>tags</dt>
                      <dd>{repo.settings.resourceTags.map((t) => `${t.Key}=${t.Value}`).join(', ')}</dd>
                    </>
                  ) : null}
                  {repo.settings.lifecyclePolicyText ? (
                    <>
                      <dt>lifecycle</dt>
                      <dd>policy set</dd>
                    </>
                  ) : null}
                </dl>
                {repo.images.length > 0 ? (
                  <div class="table-wrap">
                    <table class="images">
                      <thead>
                        <tr>
                          <th scope="col">digest</th>
                          <th scope="col">tags</th>
                          <th scope="col">size</th>
                          <th scope="col">media type</th>
                          <th scope="col" class="col-pushed">
                            pushed
                          </th>
                        </tr>
                      </thead>
                      <tbody>
                        {repo.images.map((image) => (
                          <ImageRow key={image.digest} repo={repo} image={image} depth={0} onImage={onImage} />
                        ))}
                      </tbody>
                    </table>
                  </div>
                ) : null}
                {repo.offset + repo.images.length < repo.total ? (
                  <button type="button" onClick={() => onMore(repo.name, repo.offset + repo.images.length)}>
                    Show more ({repo.total - repo.offset - repo.images.length} more images)
                  </button>
                ) : null}
              </>
            ) : null}
          </details>
        );
      })}
    </div>
  );
}
