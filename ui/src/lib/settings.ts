// The Server pane's form logic, kept free of Svelte so it can be tested:
// the fields of `ServerSettings` and how they show in the form, a draft
// (what the form holds, as typed), its validation (the same checks as the
// engine's workspace validation, `crates/studio/src/workspace/validate.rs`,
// so most mistakes never reach it), diffing a draft against the engine's
// settings, carrying unsaved edits over a change made elsewhere, and
// finding the field an engine error message names.

import type { ServerSettings } from '../bindings/ServerSettings';
import type { CommandError } from '../bindings/CommandError';
import type { FileKind } from './native';

export type FieldKey = keyof ServerSettings;

export type FieldKind =
  /** a string, required */
  | 'text'
  /** a string or null (empty → null) */
  | 'optText'
  /** a file or folder path, or null (empty → null) */
  | 'path'
  /** an integer within [min, max] */
  | 'int'
  /** a number of seconds within [min, max] */
  | 'seconds'
  /** a number of seconds, or null ("only when asked") */
  | 'optSeconds'
  | 'bool'
  | 'generation'
  /** a list of strings, one per line, or null (empty → null) */
  | 'lines';

export type Group = 'Listening' | 'Security' | 'Behaviour' | 'Limits';
export const GROUPS: Group[] = ['Listening', 'Security', 'Behaviour', 'Limits'];

export interface FieldSpec {
  key: FieldKey;
  label: string;
  group: Group;
  kind: FieldKind;
  help: string;
  min?: number;
  max?: number;
  /** a number must be more than `min` (not equal) */
  exclusiveMin?: boolean;
  /** the native chooser's kind, for paths */
  browse?: FileKind;
  /** a path that is a folder (else a file) */
  folder?: boolean;
  placeholder?: string;
  /** `optSeconds`: what `null` means, as the mode choice says it */
  nullLabel?: string;
}

const MAX_SECONDS = 1e9;
const MAX_UINT = Number.MAX_SAFE_INTEGER;

export const FIELDS: FieldSpec[] = [
  { key: 'host', label: 'Host', group: 'Listening', kind: 'text', placeholder: '127.0.0.1',
    help: '127.0.0.1 listens on this machine only; 0.0.0.0 on every interface.' },
  { key: 'port', label: 'Port', group: 'Listening', kind: 'int', min: 0, max: 65535, placeholder: '8080',
    help: 'TCP port, 1–65535; 0 picks a free one.' },
  { key: 'wsPath', label: 'WebSocket path', group: 'Listening', kind: 'optText', placeholder: '/ws',
    help: 'Path of the juggler endpoint, starting with /. Empty: no endpoint.' },
  { key: 'staticDir', label: 'Static folder', group: 'Listening', kind: 'path', browse: 'staticDir', folder: true,
    placeholder: 'dashboard', help: 'Folder served over HTTP at / (the dashboard), relative to the workspace file. Empty: none.' },
  { key: 'liveReload', label: 'Live reload', group: 'Listening', kind: 'bool',
    help: 'Watch the static folder: a changed stylesheet is swapped in place, anything else reloads the open pages; their errors show in the Console. Adds a small script to the HTML served (never to the files).' },
  { key: 'indexPath', label: 'Index path', group: 'Listening', kind: 'optText', placeholder: '/index.html',
    help: 'Where / redirects, starting with /. Empty: no redirect.' },
  { key: 'pemFile', label: 'PEM file', group: 'Security', kind: 'path', browse: 'pem',
    help: 'Certificate and private key: serve https and wss only. Empty: plain http and ws.' },
  { key: 'htpasswdFile', label: 'htpasswd file', group: 'Security', kind: 'path', browse: 'htpasswd',
    help: 'Require HTTP Basic auth ($apr1$ or bcrypt entries). Empty: no auth.' },
  { key: 'allowedOrigins', label: 'Allowed origins', group: 'Security', kind: 'lines',
    placeholder: 'http://plant.example:8080', help: 'Sites that may use the server besides its own pages (its address, localhost, 127.0.0.1 on its port), one per line: an origin, a host name, or * for any. Empty: its own pages only.' },
  { key: 'autoflush', label: 'Autoflush', group: 'Behaviour', kind: 'optSeconds', min: 0, max: MAX_SECONDS,
    help: 'Seconds during which state changes are gathered into one message (0: each at once), or only when a flush is asked.' },
  { key: 'sharedState', label: 'Shared state', group: 'Behaviour', kind: 'bool',
    help: 'One state for every connection; off: each connection has its own.' },
  { key: 'parallelRequests', label: 'Parallel requests', group: 'Behaviour', kind: 'bool',
    help: 'Answer a connection’s requests concurrently, in any order.' },
  { key: 'noCache', label: 'No cache', group: 'Behaviour', kind: 'bool',
    help: 'Send Cache-Control: no-cache on every HTTP response.' },
  { key: 'generation', label: 'Wire generation', group: 'Behaviour', kind: 'generation',
    help: 'The juggler protocol generation the server speaks.' },
  { key: 'shutdownTimeout', label: 'Shutdown timeout', group: 'Behaviour', kind: 'seconds', min: 0, max: MAX_SECONDS,
    help: 'Seconds that stopping waits for connections to close cleanly.' },
  { key: 'maxSegmentSize', label: 'Max segment size', group: 'Limits', kind: 'int', min: 1, max: MAX_UINT,
    help: '0.7: longest message segment, in characters.' },
  { key: 'pingDelay', label: 'Ping delay', group: 'Limits', kind: 'seconds', min: 0, exclusiveMin: true, max: MAX_SECONDS,
    help: '0.7: seconds of silence before a ping.' },
  { key: 'pingTimeout', label: 'Ping timeout', group: 'Limits', kind: 'seconds', min: 0, exclusiveMin: true, max: MAX_SECONDS,
    help: '0.7: seconds to wait for anything after a ping before closing.' },
  { key: 'maxMessageSize', label: 'Max message size', group: 'Limits', kind: 'int', min: 1, max: MAX_UINT,
    help: 'Longest message accepted, in bytes.' },
  { key: 'sendQueueSize', label: 'Send queue size', group: 'Limits', kind: 'int', min: 1, max: MAX_UINT,
    help: 'Notifications queued per connection before sending waits.' },
  { key: 'maxPendingRequests', label: 'Max pending requests', group: 'Limits', kind: 'int', min: 1, max: MAX_UINT,
    help: 'Unanswered requests per connection before reading pauses.' },
  { key: 'maxConnections', label: 'Max connections', group: 'Limits', kind: 'int', min: 1, max: MAX_UINT,
    help: 'Juggler connections at once; more are refused.' },
  { key: 'idleTimeout', label: 'Idle timeout', group: 'Limits', kind: 'optSeconds', min: 0, exclusiveMin: true, max: MAX_SECONDS,
    nullLabel: 'never', help: '0.6: close a connection after this many seconds without anything received (0.6 has no ping).' },
  { key: 'tcpKeepalive', label: 'TCP keepalive', group: 'Limits', kind: 'optSeconds', min: 0, exclusiveMin: true, max: MAX_SECONDS,
    nullLabel: 'off', help: 'Seconds of silence before the kernel probes a peer; a vanished one is dropped soon after.' },
  { key: 'notifyOverflowClose', label: 'Close slow readers', group: 'Limits', kind: 'optSeconds', min: 0, max: MAX_SECONDS,
    nullLabel: 'never (notify waits)', help: 'Seconds a connection’s notification queue may stay full before it is closed (code 1008); 0: at once.' },
];

export const FIELD_KEYS: FieldKey[] = FIELDS.map((f) => f.key);

export function fieldSpec(key: FieldKey): FieldSpec {
  return FIELDS.find((f) => f.key === key)!;
}

/**
 * What the form holds for one field: text as typed for text, number and
 * list fields; a boolean for switches; `null` for an `optSeconds` field set
 * to "only when asked".
 */
export type DraftValue = string | boolean | null;
export type Draft = Record<FieldKey, DraftValue>;
export type Errors = Partial<Record<FieldKey, string>>;

function valueToDraft(spec: FieldSpec, v: unknown): DraftValue {
  switch (spec.kind) {
    case 'bool':
      return Boolean(v);
    case 'optSeconds':
      return v === null || v === undefined ? null : String(v);
    case 'lines':
      return Array.isArray(v) ? v.join('\n') : '';
    case 'generation':
      return v === '0.7' ? '0.7' : '0.6';
    default:
      return v === null || v === undefined ? '' : String(v);
  }
}

/** The form's values for `settings`. */
export function toDraft(settings: ServerSettings): Draft {
  const d = {} as Draft;
  for (const f of FIELDS) d[f.key] = valueToDraft(f, settings[f.key]);
  return d;
}

function parseNumber(text: string): number | null {
  const t = text.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

function checkRange(spec: FieldSpec, n: number, unit: string): string | undefined {
  const { min, max } = spec;
  if (min !== undefined && (n < min || (spec.exclusiveMin && n === min))) {
    return spec.exclusiveMin ? `must be more than ${min}${unit}` : `must be at least ${min}${unit}`;
  }
  if (max !== undefined && n > max) return `must be at most ${max}${unit}`;
  return undefined;
}

/** Parses one field; `{error}` says what is wrong, in words for the form. */
export function parseField(spec: FieldSpec, value: DraftValue): { value?: unknown; error?: string } {
  switch (spec.kind) {
    case 'bool':
      return { value: value === true };
    case 'generation':
      return value === '0.6' || value === '0.7' ? { value } : { error: 'must be 0.6 or 0.7' };
    case 'text': {
      const t = String(value ?? '').trim();
      if (t === '') return { error: `is required${spec.placeholder ? `, e.g. ${spec.placeholder}` : ''}` };
      return { value: t };
    }
    case 'optText': {
      const t = String(value ?? '').trim();
      if (t === '') return { value: null };
      if (spec.key === 'wsPath' || spec.key === 'indexPath') {
        if (!t.startsWith('/')) return { error: `must start with /, as "/${t}"` };
        if (/\s/.test(t)) return { error: 'must not contain spaces' };
      }
      return { value: t };
    }
    case 'path': {
      const t = String(value ?? '').trim();
      return { value: t === '' ? null : t };
    }
    case 'lines': {
      const lines = String(value ?? '')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '');
      if (lines.length === 0) return { value: null };
      for (const l of lines) {
        if (!/^[a-z][a-z0-9+.-]*:\/\/[^\s/]+$/i.test(l) && l !== 'null') {
          return { error: `"${l}" is not an origin: write one as http://localhost:8080 (no path)` };
        }
      }
      return { value: lines };
    }
    case 'int': {
      const t = String(value ?? '').trim();
      if (t === '') return { error: 'is required: a whole number' };
      if (!/^[+-]?\d+$/.test(t)) return { error: 'must be a whole number' };
      const n = Number(t);
      const range = checkRange(spec, n, '');
      if (range) return { error: range };
      if (!Number.isSafeInteger(n)) return { error: 'is too large' };
      return { value: n };
    }
    case 'seconds':
    case 'optSeconds': {
      if (spec.kind === 'optSeconds' && value === null) return { value: null };
      const t = String(value ?? '').trim();
      if (t === '') return { error: 'is required: a number of seconds' };
      const n = parseNumber(t);
      if (n === null) return { error: 'must be a number of seconds' };
      const range = checkRange(spec, n, ' s');
      if (range) return { error: range };
      return { value: n };
    }
  }
}

/**
 * Validates the whole draft: `settings` (every field) when all is well,
 * else `errors` by field.
 */
export function validateDraft(draft: Draft): { settings: ServerSettings | null; errors: Errors } {
  const errors: Errors = {};
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const r = parseField(f, draft[f.key]);
    if (r.error) errors[f.key] = r.error;
    else out[f.key] = r.value;
  }
  return { settings: Object.keys(errors).length ? null : (out as ServerSettings), errors };
}

/** Fields whose draft value differs from `settings`' (as the form shows them). */
export function changedFields(draft: Draft, settings: ServerSettings): FieldKey[] {
  const base = toDraft(settings);
  return FIELDS.filter((f) => !sameDraftValue(f, draft[f.key], base[f.key])).map((f) => f.key);
}

function sameDraftValue(spec: FieldSpec, a: DraftValue, b: DraftValue): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string') {
    if (spec.kind === 'lines') {
      const norm = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean).join('\n');
      return norm(a) === norm(b);
    }
    if (spec.kind === 'int' || spec.kind === 'seconds' || spec.kind === 'optSeconds') {
      const x = parseNumber(a);
      const y = parseNumber(b);
      if (x !== null && y !== null) return x === y;
    }
    return a.trim() === b.trim();
  }
  return false;
}

/**
 * The engine's settings changed from `before` to `after` (another client,
 * a workspace opened) while the form holds `draft`: fields the user did not
 * touch follow the engine; edited fields keep the user's value. `conflicts`
 * lists the edited fields that the engine changed too.
 */
export function rebaseDraft(
  draft: Draft,
  before: ServerSettings,
  after: ServerSettings,
): { draft: Draft; conflicts: FieldKey[] } {
  const was = toDraft(before);
  const now = toDraft(after);
  const next = { ...draft };
  const conflicts: FieldKey[] = [];
  for (const f of FIELDS) {
    const edited = !sameDraftValue(f, draft[f.key], was[f.key]);
    const changed = !sameDraftValue(f, was[f.key], now[f.key]);
    if (!edited) next[f.key] = now[f.key];
    else if (changed && !sameDraftValue(f, draft[f.key], now[f.key])) conflicts.push(f.key);
  }
  return { draft: next, conflicts };
}

/**
 * The settings field an engine error is about: its `field`, as
 * `server.wsPath`, `server.autoflush` or `server.allowedOrigins[1]`;
 * `null` when it names none (or one that is not a setting).
 */
export function fieldOfError(error: Pick<CommandError, 'field'>): FieldKey | null {
  const field = error.field;
  if (!field) return null;
  const path = field.startsWith('server.') ? field.slice('server.'.length) : field;
  const end = [...path].findIndex((c) => c === '.' || c === '[');
  const name = end < 0 ? path : path.slice(0, end);
  return FIELD_KEYS.find((k) => k === name) ?? null;
}

/** What to show next to the field: the error without the field's name. */
export function errorText(error: Pick<CommandError, 'message' | 'detail'>): string {
  return error.detail || error.message;
}
