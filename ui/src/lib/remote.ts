// Pure logic of the Client pane (remote sessions): the connect form and its
// validation, bookmarks, the per-path change history of a session's mirrored
// state (collected from the model's JSON Patch diffs), bounded lists, the
// status line and the request composer's JSON. No DOM, no Svelte: Vitest
// covers it (tests/remote.test.ts).

import type { RemoteBookmark } from '../bindings/RemoteBookmark';
import type { RemoteStatus } from '../bindings/RemoteStatus';
import type { RemoteTarget } from '../bindings/RemoteTarget';
import type { RemoteTrust } from '../bindings/RemoteTrust';
import type { ReceivedNotification } from '../bindings/ReceivedNotification';
import type { JSONEditorSelection } from 'svelte-jsoneditor';
import { jsonEqual, preview as previewJson } from './json';
import { getAt, parsePointer, toPointer, type Json, type PatchOp } from './patch';

// ---------------------------------------------------------------- the form

/** 'auto': told from what the server sends when connecting. */
export type Generation = RemoteTarget['generation'];
export type TrustKind = 'system' | 'caFile' | 'insecure';

/** What the connect form holds. */
export type ConnectForm = {
  url: string;
  generation: Generation;
  user: string;
  password: string;
  trust: TrustKind;
  caFile: string;
};


export function emptyForm(url = ''): ConnectForm {
  return { url, generation: 'auto', user: '', password: '', trust: 'system', caFile: '' };
}

/** Why `url` is not a juggler WebSocket URL, or `null` when it is one. */
export function validateUrl(url: string): string | null {
  const text = url.trim();
  if (text === '') return 'Enter the server’s WebSocket URL, e.g. ws://127.0.0.1:8080/ws';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) return 'The URL needs a scheme: ws://HOST:PORT/PATH or wss://…';
  if (scheme !== 'ws' && scheme !== 'wss') {
    const hint = scheme === 'http' ? ' (ws://… for http)' : scheme === 'https' ? ' (wss://… for https)' : '';
    return `Use ws:// or wss://, not ${scheme}://${hint}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return 'Not a valid URL: check the host and port';
  }
  if (!parsed.hostname) return 'The URL has no host';
  if (parsed.hash) return 'A WebSocket URL cannot have a #fragment';
  return null;
}

/** Field → message for what keeps the form from connecting (empty: none). */
export function formErrors(form: ConnectForm): Partial<Record<'url' | 'caFile' | 'password', string>> {
  const errors: Partial<Record<'url' | 'caFile' | 'password', string>> = {};
  const url = validateUrl(form.url);
  if (url) errors.url = url;
  if (form.trust === 'caFile' && form.caFile.trim() === '') errors.caFile = 'Choose the PEM file of the CA certificates';
  if (form.password !== '' && form.user.trim() === '') errors.password = 'A password needs a user';
  return errors;
}

/** The `remote.connect` target of a valid form (absent fields left out). */
export function buildTarget(form: ConnectForm): RemoteTarget {
  const target: RemoteTarget = { url: form.url.trim(), generation: form.generation };
  const user = form.user.trim();
  if (user) {
    target.user = user;
    if (form.password !== '') target.password = form.password;
  }
  if (form.trust === 'caFile' && form.caFile.trim()) target.caFile = form.caFile.trim();
  if (form.trust === 'insecure') target.insecure = true;
  return target;
}

export function trustOf(form: ConnectForm): RemoteTrust {
  if (form.trust === 'caFile') return { caFile: form.caFile.trim() };
  return form.trust;
}

/** The form of where a session connects, to change it before Reconnect
 * (the password never comes back: left empty, the session keeps its own). */
export function formFromTarget(t: RemoteTarget): ConnectForm {
  const form = emptyForm(t.url);
  form.generation = t.generation === '0.7' || t.generation === '0.6' ? t.generation : 'auto';
  form.user = t.user ?? '';
  if (t.insecure) form.trust = 'insecure';
  else if (t.caFile) {
    form.trust = 'caFile';
    form.caFile = t.caFile;
  }
  return form;
}

// ---------------------------------------------------------------- bookmarks

/** A form filled from a bookmark (the password is never stored). */
export function formFromBookmark(b: RemoteBookmark): ConnectForm {
  const form = emptyForm(b.url);
  form.generation = b.generation === '0.7' || b.generation === '0.6' ? b.generation : 'auto';
  form.user = b.user ?? '';
  if (b.trust === 'insecure') form.trust = 'insecure';
  else if (typeof b.trust === 'object' && b.trust !== null) {
    form.trust = 'caFile';
    form.caFile = b.trust.caFile;
  }
  return form;
}

/** A bookmark of the form (never its password). */
export function bookmarkFromForm(name: string, form: ConnectForm): RemoteBookmark {
  const b: RemoteBookmark = { name: name.trim(), url: form.url.trim(), trust: trustOf(form) };
  if (form.generation !== 'auto') b.generation = form.generation;
  if (form.user.trim()) b.user = form.user.trim();
  return b;
}

/** A name for a new bookmark of `url`: its host:port and path, unique among `taken`. */
export function suggestBookmarkName(url: string, taken: string[]): string {
  let base = url.trim();
  try {
    const u = new URL(base);
    base = u.host + (u.pathname === '/' ? '' : u.pathname);
  } catch {
    /* keep the text */
  }
  let name = base || 'server';
  for (let i = 2; taken.includes(name); i++) name = `${base} (${i})`;
  return name;
}

/** `list` with `b` added, or replacing the one of the same name. */
export function upsertBookmark(list: RemoteBookmark[], b: RemoteBookmark): RemoteBookmark[] {
  const i = list.findIndex((x) => x.name === b.name);
  if (i < 0) return [...list, b];
  const copy = list.slice();
  copy[i] = b;
  return copy;
}

/** `list` without the bookmark named `name`. */
export function removeBookmark(list: RemoteBookmark[], name: string): RemoteBookmark[] {
  return list.filter((b) => b.name !== name);
}

// ---------------------------------------------------------------- bounded lists

/** `list` with `items` appended, keeping the last `max`. */
export function pushBounded<T>(list: T[], items: T[], max: number): T[] {
  const all = list.concat(items);
  return all.length > max ? all.slice(all.length - max) : all;
}

// ---------------------------------------------------------------- change history

/** One change of a session's state: `path` relative to the state (a pointer; '' the whole state). */
export type StateChange = {
  seq: number;
  time: number;
  path: string;
  op: PatchOp['op'];
  /** The new value; `undefined` when removed. */
  value: Json | undefined;
};

export const HISTORY_MAX = 200;

/**
 * The per-path change history of every session's mirrored state, fed with
 * the model's diffs (`ControlClient.onDiff`). Each session keeps its last
 * `max` changes, oldest first; a session that leaves `/remotes` is dropped.
 *
 * A whole model or `/remotes` (or `/remotes/ID`) set again — the UI's control
 * link reconnected and got the whole model — records a session's state at
 * the root only when the session is new or its state differs from the one
 * last seen: a resync is not a change. The last seen state is a reference
 * into the model, not a copy: `applyPatch` never mutates a document in place
 * (it copies the path it edits and shares the rest), so an old reference
 * keeps the value it had, costs no memory the model does not already hold,
 * and an unchanged state is usually the very same object.
 */
export class ChangeHistory {
  private readonly bySession = new Map<string, StateChange[]>();
  /** Each session's state (`/remotes/ID/state`) in the model of the last `record`. */
  private readonly lastState = new Map<string, Json | undefined>();
  private seq = 0;

  constructor(readonly max = HISTORY_MAX) {}

  /** Records the changes `ops` made under `/remotes/ID/state`; `model` is the model after them. Returns the sessions that changed. */
  record(ops: PatchOp[], model: unknown, time = Date.now()): string[] {
    const added = new Map<string, StateChange[]>();
    const add = (id: string, c: Omit<StateChange, 'seq' | 'time'>) => {
      let l = added.get(id);
      if (!l) added.set(id, (l = []));
      l.push({ seq: ++this.seq, time, ...c });
    };
    const remotes = (getAt(model as Json, ['remotes']) ?? {}) as Record<string, Json>;
    const stateOf = (id: string) => getAt(model as Json, ['remotes', id, 'state']);
    // Sessions whose whole state was already recorded (or found unchanged) in this batch.
    const wholeDone = new Set<string>();
    for (const op of ops) {
      let tokens: string[];
      try {
        tokens = parsePointer(op.path);
      } catch {
        continue;
      }
      if (tokens.length >= 3 && tokens[0] === 'remotes' && tokens[2] === 'state') {
        const id = tokens[1];
        const path = toPointer(tokens.slice(3));
        if (op.op === 'test') continue;
        const value = 'value' in op ? op.value : op.op === 'remove' ? undefined : getAt(model as Json, tokens);
        add(id, { path, op: op.op, value });
        if (op.op === 'move') {
          const from = parsePointer(op.from);
          if (from[0] === 'remotes' && from[1] === id && from[2] === 'state')
            add(id, { path: toPointer(from.slice(3)), op: 'remove', value: undefined });
        }
      } else if (tokens.length < 3 && (tokens.length === 0 || tokens[0] === 'remotes') && op.op !== 'test') {
        // A whole session (or the whole model) was set: its state as it now is,
        // when the session is new or its state is not the one last seen.
        const ids = tokens.length === 2 ? [tokens[1]] : Object.keys(remotes);
        for (const id of ids) {
          if (wholeDone.has(id)) continue;
          wholeDone.add(id);
          const state = stateOf(id);
          if (state === undefined || state === null) continue;
          if (this.lastState.has(id) && jsonEqual(this.lastState.get(id), state)) continue;
          add(id, { path: '', op: 'replace', value: state });
        }
      }
    }
    for (const id of [...this.bySession.keys()]) if (!(id in remotes)) this.bySession.delete(id);
    for (const id of [...this.lastState.keys()]) if (!(id in remotes)) this.lastState.delete(id);
    for (const id of Object.keys(remotes)) this.lastState.set(id, stateOf(id));
    for (const [id, list] of added) {
      if (!(id in remotes)) continue;
      this.bySession.set(id, pushBounded(this.bySession.get(id) ?? [], list, this.max));
    }
    return [...added.keys()];
  }

  /** A session's changes, oldest first. */
  of(id: string): StateChange[] {
    return this.bySession.get(id) ?? [];
  }

  clear(id: string): void {
    this.bySession.delete(id);
  }
}

/** Whether `path` is `under` or inside it (pointers). */
export function isUnder(path: string, under: string): boolean {
  return under === '' || path === under || path.startsWith(under + '/');
}

/** The changes at `selected` (a pointer) and below it, newest first; all when `selected` is null. */
export function filterChanges(changes: StateChange[], selected: string | null): StateChange[] {
  const out = selected === null ? changes.slice() : changes.filter((c) => isUnder(c.path, selected));
  return out.reverse();
}

/** svelte-jsoneditor's path (keys and indices) → a pointer. */
export function pathToPointer(path: readonly (string | number)[]): string {
  return toPointer([...path]);
}

/** The pointer a svelte-jsoneditor selection points at (its path, or the focus of a multi-selection); `null` for none. */
export function selectionPointer(selection: JSONEditorSelection | undefined): string | null {
  if (!selection) return null;
  if ('path' in selection) return pathToPointer(selection.path);
  if ('focusPath' in selection) return pathToPointer(selection.focusPath);
  return null;
}

// ---------------------------------------------------------------- status

/** Milliseconds left of a retry of `retryInMs` announced at `since`. */
export function remainingMs(retryInMs: number, since: number, now: number): number {
  return Math.max(0, retryInMs - Math.max(0, now - since));
}

/** The status line: `connecting (attempt 2)`, `connected`, `disconnected: REASON — retrying in 3 s`… */
export function statusText(status: RemoteStatus, leftMs: number | null = null): string {
  switch (status.kind) {
    case 'connecting':
      return status.attempt > 1 ? `connecting (attempt ${status.attempt})…` : 'connecting…';
    case 'connected':
      return 'connected';
    case 'disconnected': {
      const left = leftMs ?? status.retryInMs;
      const retry = left === null ? '' : left <= 0 ? ' — retrying now' : ` — retrying in ${Math.ceil(left / 1000)} s`;
      return `disconnected: ${status.reason}${retry}`;
    }
    case 'stopped':
      return `stopped: ${status.reason}`;
  }
}

/**
 * Tab labels by session id: the server's host:port (and path unless /ws),
 * numbered "#2", "#3"… in `sessions` order when several share it — the
 * same URL twice gave two tabs no one could tell apart.
 */
export function tabLabels(sessions: { id: string; target: { url: string } }[]): Record<string, string> {
  const base = (url: string) => {
    try {
      const u = new URL(url);
      return u.host + (u.pathname === '/ws' || u.pathname === '/' ? '' : u.pathname);
    } catch {
      return url;
    }
  };
  const seen = new Map<string, number>();
  const labels: Record<string, string> = {};
  for (const s of sessions) {
    const b = base(s.target.url);
    const n = (seen.get(b) ?? 0) + 1;
    seen.set(b, n);
    labels[s.id] = n === 1 ? b : `${b} #${n}`;
  }
  return labels;
}

export type StatusTone = 'ok' | 'warn' | 'err' | 'off';

export function statusTone(status: RemoteStatus): StatusTone {
  return status.kind === 'connected' ? 'ok' : status.kind === 'connecting' ? 'warn' : 'err';
}

// ---------------------------------------------------------------- composer and lists

export type Parsed = { ok: true; value: Json } | { ok: false; error: string };

/** The composer's data: JSON text, empty meaning `null`. */
export function parseData(text: string): Parsed {
  if (text.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) as Json };
  } catch (e) {
    return { ok: false, error: `Not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Notifications newest first whose name contains `filter` (any case). */
export function filterNotifications(list: ReceivedNotification[], filter: string): ReceivedNotification[] {
  const f = filter.trim().toLowerCase();
  const out = f ? list.filter((n) => n.name.toLowerCase().includes(f)) : list.slice();
  return out.reverse();
}

/** One-line JSON, cut at `max` characters. */
export function preview(value: Json | undefined, max = 120): string {
  return value === undefined ? '(removed)' : previewJson(value, max);
}

/** Milliseconds for people: `0.42 ms`, `1.6 ms`, `37 ms`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const digits = ms < 1 ? 2 : ms < 10 ? 1 : 0;
  return `${ms.toFixed(digits)} ms`;
}

/** `HH:MM:SS.mmm` in local time. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** The data of an error answer (`remoteError` puts the remote's value in `data`). */
export function errorValue(e: unknown): Json {
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; data?: unknown; message?: unknown };
    if (o.code === 'remoteError') return (o.data ?? null) as Json;
    if (typeof o.message === 'string') return o.message;
  }
  return String(e);
}

/**
 * Whether the number in the UI's copy (parsed by `JSON.parse`) may not be
 * what the server sent, so that a view should show the engine's text of
 * it: an integer past 2^53 (rounded), `-0` (shown as `0`), or a number
 * out of a double's range (`Infinity`). A decimal with more digits than a
 * double holds cannot be told from the copy: it shows rounded.
 */
export function needsExactText(value: unknown): boolean {
  if (typeof value !== 'number') return false;
  return !Number.isFinite(value) || Object.is(value, -0) || (Number.isInteger(value) && !Number.isSafeInteger(value));
}

/**
 * svelte-jsoneditor's path (every step a string) as the engine takes it:
 * a step into an array is an index, a number.
 */
export function typedPath(doc: unknown, path: readonly string[]): (string | number)[] {
  const out: (string | number)[] = [];
  let at = doc;
  for (const step of path) {
    if (Array.isArray(at)) {
      out.push(Number(step));
      at = at[Number(step)];
    } else {
      out.push(step);
      at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[step] : undefined;
    }
  }
  return out;
}
