// The UI's copy of the engine's traffic log: filled from `traffic.query`,
// then by `traffic` events (deduplicated by `seq`, bounded, merged once a
// frame), emptied by a clear, refilled after `events.lagged` or a
// reconnect. The engine sends entries only to a client that follows the
// traffic (`traffic.follow`): a pane that lists entries claims them while
// it is open (`follow()`), so that a studio whose UI shows no traffic
// writes none out for it; the copy catches up when the following starts. Both the Traffic and the Connections pane read it. It keeps
// its indexes (by seq, pairs, peers) up to date entry by entry, and says
// (`generation`) when the list changed other than at its ends, so that a
// view can filter only what is new.

import { writable, type Readable } from 'svelte/store';
import type { Model } from '../bindings/Model';
import type { TrafficRow } from '../bindings/TrafficRow';
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

/**
 * The entries of a `traffic` event: a list of rows (an older engine sent
 * entry objects, or one entry alone: taken too).
 */
export function entriesOf(data: unknown): TrafficEntry[] {
  if (!Array.isArray(data)) return data && typeof data === 'object' ? [data as TrafficEntry] : [];
  return data.map((item) => (Array.isArray(item) ? rowEntry(item as TrafficRow) : (item as TrafficEntry)));
}

/** An entry from its row (its fields in order). */
export function rowEntry(row: TrafficRow): TrafficEntry {
  const [seq, timeMs, peer, direction, kind, name, requestId, success, data, dataTruncated, size, pair, rttMs, note] = row;
  const entry: TrafficEntry = { seq, timeMs, peer, direction, kind, name, requestId, success, data, dataTruncated, size, pair, rttMs };
  if (note != null) entry.note = note;
  return entry;
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
  /** Panes that claimed the entries now (see `follow`). */
  private claims = 0;
  /** Whether the engine was asked to send entries, on the connection open now. */
  private following = false;
  private unfollowTimer: ReturnType<typeof setTimeout> | null = null;
  private source: TrafficSource | null = null;
  private open = false;
  /** The engine's newest seq (`/traffic/lastSeq`), to tell what a follow missed. */
  private lastSeq = 0;

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

  /**
   * Claims the entries for a pane that lists them, while it is open: the
   * engine sends them while any pane claims them (and a second after the
   * last lets go, so that going from one such pane to another asks for
   * nothing again). Returns the release.
   */
  follow(): () => void {
    this.claims += 1;
    if (this.unfollowTimer) clearTimeout(this.unfollowTimer);
    this.unfollowTimer = null;
    if (!this.following) this.startFollowing(false);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.claims -= 1;
      if (this.claims > 0) return;
      this.unfollowTimer = setTimeout(() => {
        this.unfollowTimer = null;
        if (this.claims === 0) this.stopFollowing();
      }, UNFOLLOW_AFTER_MS);
    };
  }

  /** Whether a pane claims the entries (and the engine sends them). */
  get followed(): boolean {
    return this.claims > 0;
  }

  /**
   * Asks the engine for entries, then for what it logged meanwhile: the
   * newest, merged when they join what is held, else (or with `replace`:
   * a new connection, maybe a new engine) as the whole list.
   */
  private startFollowing(replace: boolean): void {
    const source = this.source;
    if (!source || !this.open) return;
    this.following = true;
    const held = this.list.length ? this.list[this.list.length - 1].seq : 0;
    const missed = this.lastSeq - held;
    void source
      .send('traffic.follow', { on: true })
      .then(() => {
        if (replace || !this.list.length) return this.query(source, true);
        if (missed > 0) return this.query(source, missed > QUERY_LIMIT);
      })
      .catch(() => {});
  }

  private stopFollowing(): void {
    const source = this.source;
    if (!this.following || !source) return;
    this.following = false;
    void source.send('traffic.follow', { on: false }).catch(() => {});
  }

  /** Follows `source`: its events, gaps (`events.lagged`, reconnects) and clears by anyone. */
  attach(source: TrafficSource): void {
    this.detach();
    this.source = source;
    this.stops.push(source.on('traffic', (data: unknown) => entriesOf(data).forEach((e) => this.add(e))));
    this.stops.push(source.on('events.lagged', () => void this.query(source).catch(() => {})));
    const opened = (open: boolean) => {
      this.open = open;
      // A new connection follows nothing yet, may have missed events, and
      // the engine may be a new one whose seq starts again.
      this.following = false;
      if (open && this.claims > 0) this.startFollowing(true);
    };
    if (source.status) {
      let wasOpen = false;
      this.stops.push(
        source.status.subscribe((s) => {
          const open = s.kind === 'open';
          if (open !== wasOpen) opened(open);
          wasOpen = open;
        }),
      );
    } else {
      opened(true);
    }
    if (source.model) {
      this.stops.push(
        source.model.subscribe((m) => {
          if (!m?.traffic) return;
          this.lastSeq = m.traffic.lastSeq;
          // An empty log with lastSeq N: everything up to N was cleared.
          if (m.traffic.entries === 0) this.dropUpTo(m.traffic.lastSeq);
        }),
      );
    }
  }

  detach(): void {
    for (const s of this.stops) s();
    this.stops = [];
    this.source = null;
    this.open = false;
    this.following = false;
  }
}

/** How long the engine keeps sending entries after the last pane let go. */
const UNFOLLOW_AFTER_MS = 1000;

let shared: TrafficLog | null = null;

/** The app's one log, attached to `source` the first time. */
export function sharedTrafficLog(source: TrafficSource): TrafficLog {
  if (!shared) {
    shared = new TrafficLog();
    shared.attach(source);
  }
  return shared;
}
