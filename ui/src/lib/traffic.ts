// The pure pieces of the UI's traffic log (merge, filter, pairs, sizes,
// peers, schema flags), tested by tests/traffic.test.ts; `TrafficLog`
// (trafficLog.ts) glues them to a control client, `FilteredTraffic`
// (trafficView.ts) to the Traffic pane's filter.

import { writable } from 'svelte/store';
import type { TrafficEntry } from '../bindings/TrafficEntry';
import type { TrafficFilter } from '../bindings/TrafficFilter';
import type { TrafficKind } from '../bindings/TrafficKind';
import type { Peer } from '../bindings/Peer';
import type { SchemaViolation } from '../bindings/SchemaViolation';
import { formatBytes } from './format';

export type { TrafficEntry, TrafficFilter, TrafficKind, Peer };

export const KINDS: TrafficKind[] = ['request', 'response', 'state', 'notify'];
/** Entries the UI keeps: as many as the engine's log holds (`TrafficLimits`); the list renders only the rows in view. */
export const MAX_ENTRIES = 10_000;
/** Entries asked for at start and after a gap. */
export const QUERY_LIMIT = 2000;

// --- peers -------------------------------------------------------------------

/** A string key for a peer: `c:3`, `r:r1`, `p:p1:3:browser`. */
export function peerKey(peer: Peer): string {
  if ('connection' in peer) return `c:${peer.connection}`;
  if ('remote' in peer) return `r:${peer.remote}`;
  return `p:${peer.proxy.proxy}:${peer.proxy.connection}:${peer.proxy.side}`;
}

/** The peer of a key from `peerKey`; `null` for anything else. */
export function parsePeerKey(key: string): Peer | null {
  const p = /^p:([^:]+):(\d+):(browser|upstream)$/.exec(key);
  if (p) return { proxy: { proxy: p[1], connection: Number(p[2]), side: p[3] as 'browser' | 'upstream' } };
  const m = /^([cr]):(.+)$/.exec(key);
  if (!m) return null;
  if (m[1] === 'c') {
    const id = Number(m[2]);
    return Number.isInteger(id) ? { connection: id } : null;
  }
  return { remote: m[2] };
}

/** How a peer is shown: `#3`, `remote r1`, `proxy p1 #3 ⇄ browser`. */
export function peerLabel(peer: Peer): string {
  if ('connection' in peer) return `#${peer.connection}`;
  if ('remote' in peer) return `remote ${peer.remote}`;
  return `proxy ${peer.proxy.proxy} #${peer.proxy.connection} ${peer.proxy.side}`;
}

/**
 * The key of the peer select's option "every connection of proxy `id`, both
 * sides" (the filter's `proxy`): `proxy:p1`. `parsePeerKey` gives no peer
 * for it.
 */
export function proxyKey(id: string): string {
  return `proxy:${id}`;
}

/** The proxy id of a key from `proxyKey`; `null` for anything else. */
export function parseProxyKey(key: string): string | null {
  const m = /^proxy:(.+)$/.exec(key);
  return m ? m[1] : null;
}

/** How the option of `proxyKey(id)` is shown: `proxy p1 (all)`. */
export function proxyLabel(id: string): string {
  return `proxy ${id} (all)`;
}

/** The part of a filter that a key of the peer select sets: one peer, one whole proxy, or neither (`''`, all peers). */
export function peerSelection(key: string): Pick<TrafficFilter, 'peer' | 'proxy'> {
  const proxy = parseProxyKey(key);
  if (proxy !== null) return { peer: null, proxy };
  return { peer: key ? parsePeerKey(key) : null, proxy: null };
}

/** The distinct proxy ids of `entries`' peers (and `extra`), in natural order (`p2` before `p10`). */
export function proxiesOf(entries: readonly TrafficEntry[], extra: readonly string[] = []): string[] {
  const ids = new Set<string>(extra);
  for (const e of entries) if ('proxy' in e.peer) ids.add(e.peer.proxy.proxy);
  return [...ids].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

/**
 * The keys of the peer select's options after "all peers", in order: the
 * connections and remote sessions of `peers`, then for each proxy of
 * `proxies` (and each proxy one of `peers` belongs to) its `proxyKey`
 * followed by its own peers (each browser connection's two sides).
 */
export function peerOptionKeys(peers: readonly Peer[], proxies: readonly string[]): string[] {
  const out: string[] = [];
  const sides = new Map<string, string[]>();
  for (const id of proxies) sides.set(id, []);
  for (const p of peers) {
    if (!('proxy' in p)) {
      out.push(peerKey(p));
      continue;
    }
    const list = sides.get(p.proxy.proxy);
    if (list) list.push(peerKey(p));
    else sides.set(p.proxy.proxy, [peerKey(p)]);
  }
  for (const id of proxiesOf([], [...sides.keys()])) out.push(proxyKey(id), ...(sides.get(id) ?? []));
  return out;
}

export function samePeer(a: Peer, b: Peer): boolean {
  return peerKey(a) === peerKey(b);
}

/** The distinct peers of `entries` (and of `extra`), connections first by id, then remote sessions. */
export function peersOf(entries: readonly TrafficEntry[], extra: readonly Peer[] = []): Peer[] {
  const seen = new Map<string, Peer>();
  for (const p of extra) seen.set(peerKey(p), p);
  for (const e of entries) {
    const k = peerKey(e.peer);
    if (!seen.has(k)) seen.set(k, e.peer);
  }
  const rank = (p: Peer) => ('connection' in p ? 0 : 'remote' in p ? 1 : 2);
  return [...seen.values()].sort((a, b) => {
    if (rank(a) !== rank(b)) return rank(a) - rank(b);
    if ('connection' in a && 'connection' in b) return a.connection - b.connection;
    return peerKey(a).localeCompare(peerKey(b), undefined, { numeric: true });
  });
}

// --- merging -----------------------------------------------------------------

/**
 * `list` (sorted by seq, no duplicates) with `incoming` merged in: sorted by
 * seq, one entry per seq (the later copy wins: a request queried after its
 * answer knows its pair), at most `max` entries (the newest). Returns `list`
 * itself when nothing changed; never mutates it.
 */
export function mergeEntries(list: readonly TrafficEntry[], incoming: readonly TrafficEntry[], max = MAX_ENTRIES): TrafficEntry[] {
  if (incoming.length === 0 && list.length <= max) return list as TrafficEntry[];
  let out: TrafficEntry[];
  if (appendsTo(list, incoming)) {
    // The usual case: new events after the newest.
    out = list.concat(incoming);
  } else {
    const bySeq = new Map<number, TrafficEntry>();
    for (const e of list) bySeq.set(e.seq, e);
    for (const e of incoming) bySeq.set(e.seq, e);
    out = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
  return out.length > max ? out.slice(out.length - max) : out;
}

/** Whether `incoming` are all newer than `list`'s newest, in order (merging only appends them). */
export function appendsTo(list: readonly TrafficEntry[], incoming: readonly TrafficEntry[]): boolean {
  const last = list.length ? list[list.length - 1].seq : -Infinity;
  for (let i = 0; i < incoming.length; i++) {
    if (incoming[i].seq <= (i ? incoming[i - 1].seq : last)) return false;
  }
  return true;
}

// --- filtering ---------------------------------------------------------------

export const EMPTY_FILTER: TrafficFilter = { kinds: [], name: null, peer: null, proxy: null, direction: null, text: null };

const dataText = new WeakMap<TrafficEntry, string>();

/** The entry's data as lower-case JSON text (cached). */
function lowerData(e: TrafficEntry): string {
  let t = dataText.get(e);
  if (t === undefined) {
    t = e.data === null || e.data === undefined ? '' : JSON.stringify(e.data).toLowerCase();
    dataText.set(e, t);
  }
  return t;
}

/** Whether `e` passes `f`, as the engine's `traffic.query` decides: every field that is set must match. */
export function matchesFilter(e: TrafficEntry, f: TrafficFilter): boolean {
  if (f.kinds.length && !f.kinds.includes(e.kind)) return false;
  if (f.direction && e.direction !== f.direction) return false;
  if (f.peer && !samePeer(e.peer, f.peer)) return false;
  // Set (even to ''), only that proxy's peers pass, as in the engine.
  if (f.proxy != null && !('proxy' in e.peer && e.peer.proxy.proxy === f.proxy)) return false;
  if (f.name) {
    if (!(e.name ?? '').toLowerCase().includes(f.name.toLowerCase())) return false;
  }
  if (f.text) {
    const t = f.text.toLowerCase();
    if (!(e.name ?? '').toLowerCase().includes(t) && !lowerData(e).includes(t)) return false;
  }
  return true;
}

/** The filter with empty texts as `null` and all kinds as none, as the engine takes it. */
export function normalizeFilter(f: TrafficFilter): TrafficFilter {
  const text = (s: string | null) => (s && s.trim() !== '' ? s : null);
  return {
    kinds: f.kinds.length === KINDS.length ? [] : [...f.kinds],
    name: text(f.name),
    peer: f.peer,
    // Older callers may leave it out: the engine takes that as none.
    proxy: f.proxy ?? null,
    direction: f.direction,
    text: text(f.text),
  };
}

/** The newest `cap` entries of `list` that pass `f`, oldest first, and how many pass in all. */
export function newestMatching(list: readonly TrafficEntry[], f: TrafficFilter, cap: number): { rows: TrafficEntry[]; total: number } {
  const nf = normalizeFilter(f);
  const rows: TrafficEntry[] = [];
  let total = 0;
  for (let i = list.length - 1; i >= 0; i--) {
    if (matchesFilter(list[i], nf)) {
      total += 1;
      if (rows.length < cap) rows.push(list[i]);
    }
  }
  rows.reverse();
  return { rows, total };
}

// --- pairs and sizes ----------------------------------------------------------

/** Index of request seq → response seq, for requests whose entry predates their answer. */
export function responseIndex(list: readonly TrafficEntry[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const e of list) if (e.kind === 'response' && e.pair != null) m.set(e.pair, e.seq);
  return m;
}

/** The seq of the other half of a request/response pair, if known. */
export function pairSeq(e: TrafficEntry, responses: Map<number, number>): number | null {
  if (e.pair != null) return e.pair;
  if (e.kind === 'request') return responses.get(e.seq) ?? null;
  return null;
}

/** The round-trip time of a pair, from either half. */
export function pairRtt(e: TrafficEntry, other: TrafficEntry | null | undefined): number | null {
  return e.rttMs ?? other?.rttMs ?? null;
}

/** The ops of a state entry (its data is a JSON Patch). */
export function diffOps(e: TrafficEntry): { op: string; path: string; value?: unknown }[] {
  return e.kind === 'state' && Array.isArray(e.data) ? (e.data as unknown as { op: string; path: string; value?: unknown }[]) : [];
}

/** The size column: `812 B`; for a state diff `diff 3 ops, 812 B`. */
export function describeSize(e: TrafficEntry): string {
  const bytes = formatBytes(e.size);
  if (e.kind === 'state' && !e.dataTruncated && Array.isArray(e.data)) {
    const n = e.data.length;
    return `diff ${n} op${n === 1 ? '' : 's'}, ${bytes}`;
  }
  return bytes;
}

/** `→` for frames the studio sent, `←` for frames it received. */
export function directionArrow(e: TrafficEntry): string {
  return e.direction === 'out' ? '→' : '←';
}

// --- schema violations ----------------------------------------------------------

/** How long after a request its violation may be recorded (and how far around a state diff). */
export const VIOLATION_WINDOW_MS = 1000;
/** Slack for the two clocks: a violation may be stamped a little before its frame. */
const VIOLATION_SLACK_MS = 100;

/**
 * Which of `entries` broke a schema, by seq, with the violations' messages:
 * a request of kind `request` goes to the request received from its
 * connection with its name, stamped at most `windowMs` before it (the
 * nearest); a state violation goes to the state diff sent to each
 * connection nearest to it within `windowMs` either way.
 */
export function matchViolations(
  entries: readonly TrafficEntry[],
  violations: readonly SchemaViolation[],
  windowMs = VIOLATION_WINDOW_MS,
): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const flag = (seq: number, text: string) => {
    const list = out.get(seq);
    if (!list) out.set(seq, [text]);
    else if (!list.includes(text)) list.push(text);
  };
  if (violations.length === 0) return out;
  // Only entries near some violation can match: one pass over the log
  // instead of one per violation.
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of violations) {
    lo = Math.min(lo, v.time);
    hi = Math.max(hi, v.time);
  }
  const margin = windowMs + VIOLATION_SLACK_MS;
  entries = entries.filter((e) => e.timeMs >= lo - margin && e.timeMs <= hi + margin);
  for (const v of violations) {
    const text = v.pointer ? `${v.pointer}: ${v.message}` : v.message;
    if (v.kind === 'request') {
      let best: TrafficEntry | null = null;
      for (const e of entries) {
        if (e.kind !== 'request' || e.direction !== 'in' || e.name !== v.name) continue;
        if (!('connection' in e.peer) || e.peer.connection !== v.connectionId) continue;
        const dt = v.time - e.timeMs;
        if (dt < -VIOLATION_SLACK_MS || dt > windowMs) continue;
        if (!best || Math.abs(dt) < Math.abs(v.time - best.timeMs)) best = e;
      }
      if (best) flag(best.seq, text);
    } else if (v.kind === 'state') {
      const nearest = new Map<string, TrafficEntry>();
      for (const e of entries) {
        if (e.kind !== 'state' || e.direction !== 'out' || !('connection' in e.peer)) continue;
        const dt = Math.abs(e.timeMs - v.time);
        if (dt > windowMs) continue;
        const k = peerKey(e.peer);
        const b = nearest.get(k);
        if (!b || dt < Math.abs(b.timeMs - v.time)) nearest.set(k, e);
      }
      for (const e of nearest.values()) flag(e.seq, text);
    }
  }
  return out;
}

/** An entry another pane asks the Traffic pane to show (the Connections pane's recent traffic). */
export const trafficFocus = writable<number | null>(null);

/**
 * A proxy whose traffic another pane asks the Traffic pane to show (the
 * Proxy pane's Traffic button): when the pane is shown it selects "proxy ID
 * (all)" in its peer filter, clears its other filters and sets this back
 * to `null`.
 */
export const trafficProxy = writable<string | null>(null);
