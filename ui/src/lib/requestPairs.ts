// The dashboards' requests with their answers (the Requests pane's list),
// kept from the traffic log: a request (in) and its response (out) are
// linked by `pair`. Events may be lost on the way (`events.lagged`, a
// reconnect): then the newest entries are asked for again, so that a
// request seen while the pane lagged is not left without its answer.

import type { TrafficEntry } from '../bindings/TrafficEntry';
import { entriesOf, type TrafficSource } from './trafficLog';

export interface RequestPair {
  req: TrafficEntry;
  res: TrafficEntry | null;
}

export class RequestPairs {
  private readonly pairs = new Map<number, RequestPair>();
  /** Responses whose request is not here (yet). */
  private readonly early = new Map<number, TrafficEntry>();
  /** Entries up to this seq were cleared by the user (0: none). */
  private clearedUpTo = 0;
  private newest = 0;

  constructor(readonly max = 300) {}

  /** Takes one entry of the log; anything but a dashboard's request or its answer is ignored. */
  add(e: TrafficEntry): void {
    if (!('connection' in e.peer) || e.seq <= this.clearedUpTo) return;
    this.newest = Math.max(this.newest, e.seq);
    if (e.kind === 'request' && e.direction === 'in') {
      if (e.name === '' || this.pairs.has(e.seq)) return;
      this.pairs.set(e.seq, { req: e, res: this.early.get(e.seq) ?? null });
      this.early.delete(e.seq);
      if (this.pairs.size > this.max) this.pairs.delete(this.pairs.keys().next().value!);
    } else if (e.kind === 'response' && e.direction === 'out' && e.pair !== null) {
      const p = this.pairs.get(e.pair);
      if (p) this.pairs.set(e.pair, { ...p, res: e });
      else {
        this.early.set(e.pair, e);
        if (this.early.size > this.max) this.early.delete(this.early.keys().next().value!);
      }
    }
  }

  /** The pairs, newest request first. */
  rows(): RequestPair[] {
    return [...this.pairs.values()].sort((a, b) => b.req.seq - a.req.seq);
  }

  /** Empties the list; what the log already held stays out of it. */
  clear(): void {
    this.pairs.clear();
    this.early.clear();
    this.clearedUpTo = this.newest;
  }

  /**
   * Asks `source` for the newest requests and answers. `fresh`: the engine
   * may be a new one (after a reconnect), whose seq starts again: what is
   * held is replaced.
   */
  async load(source: TrafficSource, fresh = false): Promise<void> {
    const entries = await source.send('traffic.query', {
      filter: { kinds: ['request', 'response'] },
      limit: this.max * 2,
    });
    if (fresh) {
      const last = entries.reduce((m, e) => Math.max(m, e.seq), 0);
      // A log that ends before what was cleared is a new engine's.
      if (last < this.clearedUpTo) this.clearedUpTo = 0;
      this.pairs.clear();
      this.early.clear();
      this.newest = 0;
    }
    for (const e of entries) this.add(e);
  }

  /**
   * Follows `source`: its `traffic` events, and a new query after a lag or
   * a reconnect. `changed` is called after every change of the list.
   * Returns the function that stops it.
   */
  attach(source: TrafficSource, changed: () => void): () => void {
    const reload = (fresh: boolean) =>
      this.load(source, fresh)
        .then(changed)
        .catch(() => {});
    const stops = [
      source.on('traffic', (data: unknown) => {
        entriesOf(data).forEach((e) => this.add(e));
        changed();
      }),
      source.on('events.lagged', () => void reload(false)),
    ];
    if (source.status) {
      let wasOpen: boolean | null = null;
      stops.push(
        source.status.subscribe((s) => {
          const open = s.kind === 'open';
          // Reopened: events were lost meanwhile, and the engine may be new.
          if (open && wasOpen === false) void reload(true);
          wasOpen = open;
        }),
      );
    }
    return () => stops.forEach((stop) => stop());
  }
}
