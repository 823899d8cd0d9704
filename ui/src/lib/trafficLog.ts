// The UI's copy of the engine's traffic log: filled from `traffic.query`,
// then by `traffic` events (deduplicated by `seq`, bounded, merged once a
// frame), emptied by a clear, refilled after `events.lagged` or a
// reconnect. Both the Traffic and the Connections pane read it. It keeps
// its indexes (by seq, pairs, peers) up to date entry by entry, and says
// (`generation`) when the list changed other than at its ends, so that a
// view can filter only what is new.

import { writable, type Readable } from 'svelte/store';
import type { Model } from '../bindings/Model';
import type { CommandAnswer, CommandData, CommandName } from './control';
import { nextFrame, onceAFrame, type Scheduler } from './frames';
import {
  MAX_ENTRIES,
  QUERY_LIMIT,
  appendsTo,
  mergeEntries,
  pairSeq,
  peerKey,
  type Peer,
  type TrafficEntry,
} from './traffic';

/** What of the control client the log uses (tests pass a fake). */
export interface TrafficSource {
  send<N extends CommandName>(name: N, ...args: CommandData<N>): Promise<CommandAnswer<N>>;
  on(event: string, handler: (data: any) => void): () => void;
  readonly model?: Readable<Model | null>;
  readonly status?: Readable<{ kind: string }>;
}

/** The entries of a `traffic` event: a list of them (one entry alone from an older engine). */
export function entriesOf(data: unknown): TrafficEntry[] {
  if (Array.isArray(data)) return data as TrafficEntry[];
  return data && typeof data === 'object' ? [data as TrafficEntry] : [];
}

export class TrafficLog {
  private list: TrafficEntry[] = [];
  private queue: TrafficEntry[] = [];
  private responses = new Map<number, number>();
  private bySeq = new Map<number, TrafficEntry>();
  /** How many held entries each peer has, by `peerKey`. */
  private peerCount = new Map<string, { peer: Peer; n: number }>();
  private readonly store = writable<TrafficEntry[]>([]);
  private stops: (() => void)[] = [];
  /** Events received while a query runs, to keep when its answer replaces the list. */
  private buffering: TrafficEntry[] | null = null;
  private querying = 0;
  /** Changes whenever the list changed other than by new entries at its end (and old ones dropped at its start). */
  generation = 0;

  /** The entries, oldest first. */
  readonly entries: Readable<TrafficEntry[]> = { subscribe: this.store.subscribe };

  /** Asks for the queued events to be merged at the next frame (a burst is merged once a frame, not once an event). */
  private readonly flushSoon: () => void;

  constructor(
    readonly max = MAX_ENTRIES,
    schedule: Scheduler = nextFrame,
  ) {
    this.flushSoon = onceAFrame(() => this.flush(), schedule);
  }

  /** The entries now (not reactive). */
  get current(): TrafficEntry[] {
    return this.list;
  }

  get(seq: number): TrafficEntry | undefined {
    return this.bySeq.get(seq);
  }

  /** The other half of `e`'s request/response pair, if the log holds it. */
  pairOf(e: TrafficEntry): TrafficEntry | null {
    const s = pairSeq(e, this.responses);
    return s == null ? null : (this.bySeq.get(s) ?? null);
  }

  /** The distinct peers of the entries held. */
  peers(): Peer[] {
    return [...this.peerCount.values()].map((p) => p.peer);
  }

  /** Queues entries from events; they are merged at the next frame. */
  add(entry: TrafficEntry): void {
    this.queue.push(entry);
    this.buffering?.push(entry);
    // A hidden page gets no frames: only the newest `max` can be kept anyway.
    if (this.queue.length > 2 * this.max) this.queue = this.queue.slice(this.queue.length - this.max);
    this.flushSoon();
  }

  /** Merges what `add` queued now. */
  flush(): void {
    const q = this.queue;
    this.queue = [];
    if (q.length) this.set(mergeEntries(this.list, q, this.max), appendsTo(this.list, q));
  }

  /** Merges entries (a query's answer) at once. */
  merge(entries: readonly TrafficEntry[]): void {
    this.flush();
    this.set(mergeEntries(this.list, entries, this.max), appendsTo(this.list, entries));
  }

  /** Replaces everything with `entries`. */
  reset(entries: readonly TrafficEntry[] = []): void {
    this.queue = [];
    this.set(mergeEntries([], entries, this.max), false);
  }

  /** Forgets the entries up to `seq` (the engine's log was cleared then). */
  dropUpTo(seq: number): void {
    this.flush();
    if (this.list.length && this.list[0].seq <= seq) this.set(this.list.filter((e) => e.seq > seq), false);
  }

  private set(list: TrafficEntry[], appended: boolean): void {
    if (list === this.list) return;
    const old = this.list;
    this.list = list;
    if (appended) this.index(old, list);
    else {
      this.generation += 1;
      this.bySeq = new Map();
      this.responses = new Map();
      this.peerCount = new Map();
      this.index([], list);
    }
    this.store.set(list);
  }

  /** Updates the indexes from `old` to `list`, which only dropped entries at the start and added some at the end. */
  private index(old: readonly TrafficEntry[], list: readonly TrafficEntry[]): void {
    const first = list.length ? list[0].seq : Infinity;
    for (let i = 0; i < old.length && old[i].seq < first; i++) {
      const e = old[i];
      this.bySeq.delete(e.seq);
      if (e.kind === 'response' && e.pair != null) this.responses.delete(e.pair);
      const k = peerKey(e.peer);
      const c = this.peerCount.get(k);
      if (c && --c.n === 0) this.peerCount.delete(k);
    }
    const last = old.length ? old[old.length - 1].seq : -Infinity;
    let i = list.length;
    while (i > 0 && list[i - 1].seq > last) i--;
    for (; i < list.length; i++) {
      const e = list[i];
      this.bySeq.set(e.seq, e);
      if (e.kind === 'response' && e.pair != null) this.responses.set(e.pair, e.seq);
      const k = peerKey(e.peer);
      const c = this.peerCount.get(k);
      if (c) c.n += 1;
      else this.peerCount.set(k, { peer: e.peer, n: 1 });
    }
  }

  /**
   * Asks the engine for its newest entries; merges them, or with `replace`
   * makes them (and the events that came meanwhile) the whole list.
   */
  async query(source: TrafficSource, replace = false): Promise<void> {
    this.querying += 1;
    if (!this.buffering) this.buffering = [];
    try {
      const answer = await source.send('traffic.query', { limit: QUERY_LIMIT });
      const meanwhile = this.buffering ?? [];
      this.flush();
      if (replace) this.reset([...answer, ...meanwhile]);
      else this.merge(answer);
    } finally {
      this.querying -= 1;
      if (this.querying === 0) this.buffering = null;
    }
  }

  /** Clears the engine's log and this copy. */
  async clear(source: TrafficSource): Promise<void> {
    await source.send('traffic.clear', null);
    // Events of frames before the clear came before its answer: what the
    // engine holds now is what came after.
    this.reset();
    await this.query(source);
  }

  /** Follows `source`: its events, gaps (`events.lagged`, reconnects) and clears by anyone. */
  attach(source: TrafficSource): void {
    this.detach();
    this.stops.push(source.on('traffic', (data: unknown) => entriesOf(data).forEach((e) => this.add(e))));
    this.stops.push(source.on('events.lagged', () => void this.query(source).catch(() => {})));
    if (source.status) {
      let wasOpen = false;
      this.stops.push(
        source.status.subscribe((s) => {
          const open = s.kind === 'open';
          // Each (re)connection may have missed events, and the engine may
          // be a new one whose seq starts again: take its log as it is.
          if (open && !wasOpen) void this.query(source, true).catch(() => {});
          wasOpen = open;
        }),
      );
    } else {
      void this.query(source, true).catch(() => {});
    }
    if (source.model) {
      this.stops.push(
        source.model.subscribe((m) => {
          // An empty log with lastSeq N: everything up to N was cleared.
          if (m?.traffic && m.traffic.entries === 0) this.dropUpTo(m.traffic.lastSeq);
        }),
      );
    }
  }

  detach(): void {
    for (const s of this.stops) s();
    this.stops = [];
  }
}

let shared: TrafficLog | null = null;

/** The app's one log, attached to `source` the first time. */
export function sharedTrafficLog(source: TrafficSource): TrafficLog {
  if (!shared) {
    shared = new TrafficLog();
    shared.attach(source);
  }
  return shared;
}
