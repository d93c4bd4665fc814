/**
 * What the faces and the command line use of replay and time travel: reading a
 * journal's history, positions in it, the state at any of them, differences
 * between two, and the event log. The rest of this room is its own business.
 */
export { pageEvents, type EventFilter, type EventPage } from './event-filter.ts';
export { eventJson, eventRow, type EventRow } from './event-summary.ts';
export { errorKind, type ErrorKind } from './error-kind.ts';
export { openHistory, type JournalHistory } from './journal-history.ts';
export { marksOf, resolvePosition, seqRangeText, type Position } from './positions.ts';
export type { EventSource } from './replay.ts';
export { diffStates } from './state-diff.ts';
export { viewState } from './state-view.ts';
export { replayTo, stateAtSeq } from './time-travel.ts';
export { diffView, type DiffImage, type DiffView, type RepositoryDiff } from './diff-view.ts';
export { imageStory, type BlobReader, type ImageStory } from './image-story.ts';
export { Timeline, type TimelineSource } from './timeline.ts';
export { FACES, type Face, type TimelineFilter, type TimelineRow } from './timeline-index.ts';
export { timelinePage, type TimelinePage, type TimelinePageQuery } from './timeline-page.ts';
