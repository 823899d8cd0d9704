// The Traffic pane's rows: the log's entries that pass the filter, kept
// up to date as the log changes without filtering it all again — new
// entries are filtered as they come, entries the log dropped are dropped —
// and, when the filter changes (or the log is replaced), filtered again in
// slices of a few milliseconds so that typing a search never blocks the page.

import type { TrafficEntry, TrafficFilter } from './traffic';
import { matchesFilter, normalizeFilter } from './traffic';

/** Runs `fn` later (a macrotask: lets the page render and handle input first). */
export type Slicer = (fn: () => void) => void;

const defaultSlicer: Slicer = (fn) => setTimeout(fn, 0);
const defaultClock = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** The log as the view sees it: its entries (oldest first) and a generation that changes when it was not only appended to. */
export interface LogSnapshot {
  list: readonly TrafficEntry[];
  generation: number;
}

export class FilteredTraffic {
  /** The entries that pass the filter, oldest first (a new array at each change). */
  rows: TrafficEntry[] = [];
  /** Whether a filtering of the whole log is under way (`rows` are the previous filter's until it ends). */
  filtering = false;

  private filter: TrafficFilter | null = null;
  /** The log `rows` were computed from. */
  private source: LogSnapshot = { list: [], generation: -1 };
  /** The newest log seen (a filtering catches up with it when it ends). */
  private latest: LogSnapshot = { list: [], generation: -1 };
  private job = 0;

  constructor(
    /** Called after `rows` or `filtering` changed. */
    private readonly onChange: () => void,
    private readonly slicer: Slicer = defaultSlicer,
    /** Milliseconds of filtering per slice. */
    private readonly budgetMs = 8,
    private readonly clock: () => number = defaultClock,
  ) {}

  /** Sets the filter (`null`: nothing passes) and filters the whole log again. */
  setFilter(filter: TrafficFilter | null): void {
    this.filter = filter ? normalizeFilter(filter) : null;
    this.refilter();
  }

  /** The log changed. */
  update(log: LogSnapshot): void {
    this.latest = log;
    if (this.filtering) return;
    if (log.generation !== this.source.generation) this.refilter();
    else this.append(log);
  }

  private passes(e: TrafficEntry): boolean {
    return this.filter !== null && matchesFilter(e, this.filter);
  }

  /** The log only grew at its end and lost entries at its start since `source`. */
  private append(log: LogSnapshot): void {
    const list = log.list;
    if (list === this.source.list) return;
    const prev = this.source.list;
    const lastSeq = prev.length ? prev[prev.length - 1].seq : -Infinity;
    let i = list.length;
    while (i > 0 && list[i - 1].seq > lastSeq) i--;
    const firstSeq = list.length ? list[0].seq : Infinity;
    let drop = 0;
    while (drop < this.rows.length && this.rows[drop].seq < firstSeq) drop++;
    const added: TrafficEntry[] = [];
    for (let j = i; j < list.length; j++) if (this.passes(list[j])) added.push(list[j]);
    this.source = log;
    if (drop === 0 && added.length === 0) return;
    this.rows = (drop ? this.rows.slice(drop) : this.rows).concat(added);
    this.onChange();
  }

  /** Filters the newest log whole, a slice at a time, newest entries first. */
  private refilter(): void {
    const job = ++this.job;
    const log = this.latest;
    const list = log.list;
    const found: TrafficEntry[] = [];
    let i = list.length - 1;
    const wasFiltering = this.filtering;
    this.filtering = true;
    const slice = () => {
      if (job !== this.job) return;
      const until = this.clock() + this.budgetMs;
      // The clock is read every 256 entries: reading it costs too.
      while (i >= 0) {
        const stop = Math.max(-1, i - 256);
        for (; i > stop; i--) if (this.passes(list[i])) found.push(list[i]);
        if (this.clock() >= until) break;
      }
      if (i >= 0) {
        this.slicer(slice);
        return;
      }
      this.rows = found.reverse();
      this.source = log;
      this.filtering = false;
      this.onChange();
      // The log moved on meanwhile: catch up.
      if (this.latest !== log) this.update(this.latest);
    };
    slice();
    if (this.filtering && job === this.job && !wasFiltering) this.onChange();
  }
}
