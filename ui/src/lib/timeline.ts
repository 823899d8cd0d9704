// Pure logic of the Replay pane: steps ↔ recorded times, the scrubber's
// throttle, the window of entries shown around the current step, entry
// summaries and the per-path history rows. No DOM, no Svelte: Vitest covers
// it (tests/timeline.test.ts).

import type { Peer } from '../bindings/Peer';
import type { JsonValue } from '../bindings/JsonValue';
import type { PathChange } from '../bindings/PathChange';
import type { RecordingEntry } from '../bindings/RecordingEntry';
import { oneLine, preview } from './json';

/** The speeds offered by the speed select (1 is real time). */
export const SPEEDS = [0.25, 0.5, 1, 2, 4, 10, 100] as const;

/** `step` as a whole number in 0..entries. */
export function clampStep(step: number, entries: number): number {
  if (!Number.isFinite(step)) return 0;
  return Math.min(Math.max(0, Math.round(step)), Math.max(0, entries));
}

/**
 * The recorded time at `step` (entries played): 0 before the first entry,
 * else the time of the last one played. `times[i]` is entry i's `t`; a step
 * beyond the known times takes the last known one.
 */
export function timeAtStep(times: readonly number[], step: number): number {
  if (step <= 0 || times.length === 0) return 0;
  return times[Math.min(step, times.length) - 1];
}

/**
 * The step that shows the recording as it was at time `t`: every entry at
 * or before `t` played (the times are sorted ascending).
 */
export function stepAtTime(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How far `step` is through `entries`, 0..100. */
export function progressPercent(step: number, entries: number): number {
  if (entries <= 0) return 0;
  return Math.min(100, Math.max(0, (step / entries) * 100));
}

/** A recorded offset: `0:00.000`, `1:02.345`, `1:02:03.004` past an hour. */
export function formatOffset(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  const total = Math.floor(ms);
  const milli = total % 1000;
  const s = Math.floor(total / 1000) % 60;
  const min = Math.floor(total / 60000) % 60;
  const h = Math.floor(total / 3600000);
  const tail = `${String(s).padStart(2, '0')}.${String(milli).padStart(3, '0')}`;
  return h > 0 ? `${h}:${String(min).padStart(2, '0')}:${tail}` : `${min}:${tail}`;
}

/** A speed as shown: `0.25×`, `1×`, `10×`. */
export function formatSpeed(speed: number): string {
  return `${speed}×`;
}

/**
 * The entries to fetch around `step`: `size` of them, the current step's
 * entry (index step - 1) about a third of the way down, never past the end.
 */
export function entryWindow(step: number, entries: number, size = 50): { from: number; limit: number } {
  const limit = Math.max(1, Math.min(size, entries));
  const ideal = step - 1 - Math.floor(limit / 3);
  const from = Math.max(0, Math.min(ideal, entries - limit));
  return { from, limit };
}

/** Whether a fetched window `[from, from + count)` still shows the entry of `step` with some margin. */
export function windowCovers(window: { from: number; count: number }, step: number, entries: number, margin = 5): boolean {
  const index = step - 1;
  if (window.count === 0) return entries === 0;
  const lo = window.from === 0 ? -1 : window.from + margin;
  const hi = window.from + window.count >= entries ? entries : window.from + window.count - margin;
  return index >= lo && index < hi;
}

/** Clicking entry `index` seeks to just after it: that entry played. */
export function stepAfter(index: number): number {
  return index + 1;
}

type Op = { op: string; path: string; value?: JsonValue; from?: string };

/** The JSON Patch ops of a state entry (else none). */
export function entryOps(entry: RecordingEntry | null | undefined): Op[] {
  if (!entry || entry.kind !== 'state' || !Array.isArray(entry.diff)) return [];
  return entry.diff as unknown as Op[];
}

/** One line that says what an entry is, after its kind badge. */
export function entrySummary(entry: RecordingEntry, max = 90): string {
  switch (entry.kind) {
    case 'state': {
      const ops = entryOps(entry);
      if (ops.length === 0) return 'empty diff';
      const first = ops[0];
      const head = first.op === 'remove' ? `remove ${first.path || '/'}` : `${first.op} ${first.path || '/'} = ${preview(first.value, 40)}`;
      return ops.length === 1 ? head : `${head} (+${ops.length - 1} more)`;
    }
    case 'notify':
      return `${entry.name} ${preview(entry.data, max)}`;
    case 'request':
      return entry.name === '' ? `ping #${entry.id}` : `#${entry.id} ${entry.name} ${preview(entry.data, max)}`;
    case 'response':
      return `#${entry.id} ${entry.success ? 'ok' : 'failed'} ${preview(entry.data, max)}`;
  }
}

/** A row of the per-path history list. */
export type HistoryRow = { step: number; t: number; time: string; text: string; removed: boolean };

/** The per-path history as rows: `t · value`, or `removed`. */
export function historyRows(changes: readonly PathChange[], max = 80): HistoryRow[] {
  return changes.map((c) => ({
    step: c.step + 1,
    t: c.t,
    time: formatOffset(c.t),
    text: c.present ? shortJson(c.value, max) : 'removed',
    removed: !c.present,
  }));
}

function shortJson(value: JsonValue, max: number): string {
  const text = oneLine(value);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Why `text` is not an RFC 6901 pointer (`''` or `/…`), else `null`. */
export function pointerError(text: string): string | null {
  if (text === '' || text.startsWith('/')) {
    if (/~[^01]|~$/.test(text)) return 'A ~ must be followed by 0 (~) or 1 (/)';
    return null;
  }
  return 'A JSON pointer starts with / (e.g. /counter), or is empty for the whole state';
}

/** A throttled function: runs at once, then at most every `ms`, the last call always runs. */
export interface Throttled<A extends unknown[]> {
  (...args: A): void;
  /** Runs a pending call now. */
  flush(): void;
  /** Drops a pending call. */
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Throttles `fn` (leading and trailing): for the scrubber's `replay.seek`. */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, ms: number, clock: Clock = realClock): Throttled<A> {
  let last = -Infinity;
  let timer: unknown = null;
  let pending: A | null = null;
  const run = () => {
    timer = null;
    if (!pending) return;
    const args = pending;
    pending = null;
    last = clock.now();
    fn(...args);
  };
  const throttled = ((...args: A) => {
    pending = args;
    const wait = last + ms - clock.now();
    if (wait <= 0 && timer === null) run();
    else if (timer === null) timer = clock.setTimeout(run, Math.max(0, wait));
  }) as Throttled<A>;
  throttled.flush = () => {
    if (timer !== null) clock.clearTimeout(timer);
    run();
  };
  throttled.cancel = () => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    pending = null;
  };
  return throttled;
}

/** A default recording path for a peer: `recording-connection-3-20250131-140327.ndjson`. */
export function suggestRecordingPath(label: string, stamp: string): string {
  return `recording-${label.replace(/[^A-Za-z0-9_-]+/g, '-')}-${stamp}.ndjson`;
}

/** Whether a recording of `peer` is one of `target` (what `record.start` took). */
export function recordsTarget(
  peer: Peer,
  target: { connection: number } | { remote: string } | { proxy: string; connection: number },
): boolean {
  if ('proxy' in target) {
    return 'proxy' in peer && peer.proxy.proxy === target.proxy && peer.proxy.connection === target.connection;
  }
  if ('connection' in target) return 'connection' in peer && peer.connection === target.connection;
  return 'remote' in peer && peer.remote === target.remote;
}
