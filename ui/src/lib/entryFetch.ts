// The Replay pane's list asks for a recording's entries around the current
// step, again as the step moves and the window is redrawn. `EntryFetch`
// answers a request whose range a recent one (done or on its way) covers
// from that one, so the engine does not send, and the page does not parse,
// the same entries twice.

import type { RecordingEntry } from '../bindings/RecordingEntry';

/** Fetches entries `[from, from + limit)` (`undefined`: failed, the caller already said why). */
export type FetchEntries = (from: number, limit: number) => Promise<RecordingEntry[] | undefined>;

/** Recent fetches kept (each may hold a 10 MB entry until it is dropped). */
const KEEP = 3;

export class EntryFetch {
  private key = '';
  private recent: { from: number; limit: number; entries: Promise<RecordingEntry[] | undefined> }[] = [];

  constructor(private readonly fetch: FetchEntries) {}

  /** Entries `[from, from + limit)` of recording `key` (fewer at its end). */
  get(key: string, from: number, limit: number): Promise<RecordingEntry[] | undefined> {
    if (key !== this.key) this.forget(key);
    for (const r of this.recent) {
      if (r.from <= from && from + limit <= r.from + r.limit) {
        return r.entries.then((all) => all?.slice(from - r.from, from - r.from + limit));
      }
    }
    const entries = this.fetch(from, limit);
    this.recent.unshift({ from, limit, entries });
    this.recent.length = Math.min(this.recent.length, KEEP);
    // A failed fetch is not an answer to keep.
    entries.then((e) => {
      if (e === undefined) this.recent = this.recent.filter((r) => r.entries !== entries);
    });
    return entries;
  }

  /** Drops what was fetched (another recording is loaded as `key`). */
  forget(key = ''): void {
    this.key = key;
    this.recent = [];
  }
}
