// What the builder proposes when a node of a state is dropped on the
// canvas: the widgets that fit the value's type, the first the default,
// each already bound to the node's path.
//
//   number         gauge, trend, value, setpoint
//   boolean        lamp, toggle, value
//   array of objects  table (columns from the first rows' keys)
//   other array, object  json
//   string, null   value, json

import type { JsonValue } from '../../bindings/JsonValue';
import type { WidgetKind } from '../../bindings/WidgetKind';

export type Kind = WidgetKind['type'];

/** A path step, as the State tree gives it. */
export type Step = string | number;

/** A widget without its id and place: its title and its kind's members. */
export type WidgetBody = { title?: string } & WidgetKind;

/** A widget to add: its kind, the palette's name for it, its size in
 * cells, its members. */
export type Proposal = { kind: Kind; label: string; w: number; h: number; widget: WidgetBody };

/** The default size of each kind, in cells. */
export const SIZES: Record<Kind, [number, number]> = {
  value: [3, 2],
  lamp: [3, 2],
  gauge: [3, 4],
  table: [6, 5],
  trend: [6, 5],
  button: [2, 2],
  toggle: [3, 2],
  setpoint: [3, 3],
  notifications: [6, 4],
  json: [4, 4],
  text: [4, 1],
};

/** The palette: every kind with its name and what it is for. */
export const PALETTE: { kind: Kind; label: string; hint: string }[] = [
  { kind: 'value', label: 'Value', hint: 'a value, formatted, with its unit' },
  { kind: 'lamp', label: 'Lamp', hint: 'a boolean, or a value → colour map' },
  { kind: 'gauge', label: 'Gauge', hint: 'a number between min and max, arc or bar' },
  { kind: 'table', label: 'Table', hint: 'an array of objects, with a row action' },
  { kind: 'trend', label: 'Trend', hint: 'numbers over the last minutes' },
  { kind: 'button', label: 'Button', hint: 'sends a request' },
  { kind: 'toggle', label: 'Toggle', hint: 'shows a boolean, sends the opposite' },
  { kind: 'setpoint', label: 'Setpoint', hint: 'shows a number, sends a new one' },
  { kind: 'notifications', label: 'Notifications', hint: 'the notifications received' },
  { kind: 'json', label: 'JSON', hint: 'a subtree of the state' },
  { kind: 'text', label: 'Text', hint: 'a heading or a note' },
];

/** A path as a JSON Pointer. */
export function pointer(path: Step[]): string {
  return path.map((s) => '/' + String(s).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/** Last keys that say little on their own: the key before them joins them. */
const GENERIC_KEYS = new Set(['value', 'state', 'status', 'data', 'current', 'actual']);

/** A title from a path: its last key, words split (`flowRate` → `Flow rate`),
 * with the key before it when the last is generic (`level/value` → `Level value`). */
export function titleOf(path: Step[]): string {
  const keys = path.filter((s): s is string => typeof s === 'string');
  const n = keys.length;
  const last = n === 0 ? 'state' : n > 1 && GENERIC_KEYS.has(keys[n - 1].toLowerCase()) ? `${keys[n - 2]} ${keys[n - 1]}` : keys[n - 1];
  const index = typeof path[path.length - 1] === 'number' ? ` ${path[path.length - 1]}` : '';
  const words = last.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_.-]+/g, ' ').trim().toLowerCase();
  return (words.charAt(0).toUpperCase() + words.slice(1) || 'State') + index;
}

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The keys of the first rows of an array of objects, in order seen. */
export function rowKeys(rows: JsonValue[], look = 5): string[] {
  const keys: string[] = [];
  for (const row of rows.slice(0, look)) {
    if (!isObject(row)) continue;
    for (const k of Object.keys(row)) if (!keys.includes(k)) keys.push(k);
  }
  return keys;
}

/** A request name from a path, for controls: `level.setpoint.set`. */
function requestName(path: Step[]): string {
  const keys = path.filter((s) => typeof s === 'string');
  return `${keys.join('.') || 'state'}.set`;
}

/** A widget of `kind` bound to `path` whose value is `value`; from the
 * palette (`path` null) it has no path at all: unbound until the author
 * binds it (an empty path would be the whole state, printed as JSON, and
 * a control would send a request named after no key). */
export function make(kind: Kind, path: Step[] | null, value?: JsonValue): Proposal {
  const p = path ?? [];
  const bound = path ? { path: pointer(p) } : {};
  const title = path ? titleOf(p) : PALETTE.find((x) => x.kind === kind)?.label ?? kind;
  const [w, h] = SIZES[kind];
  const label = PALETTE.find((x) => x.kind === kind)?.label ?? kind;
  const request = path ? requestName(p) : `${kind}.set`;
  const widget = ((): Record<string, unknown> => {
    switch (kind) {
      case 'value':
        return { type: 'value', title, ...bound, ...(typeof value === 'number' && !Number.isInteger(value) ? { decimals: 1 } : {}) };
      case 'lamp':
        return { type: 'lamp', title, ...bound };
      case 'gauge':
        return { type: 'gauge', title, ...bound, min: 0, max: typeof value === 'number' && value > 100 ? 10 ** Math.ceil(Math.log10(value)) : 100 };
      case 'trend':
        return { type: 'trend', title, series: [{ ...bound, label: title.toLowerCase() }], windowMinutes: 5 };
      case 'table': {
        const keys = Array.isArray(value) ? rowKeys(value) : [];
        return { type: 'table', title, ...bound, columns: (keys.length ? keys : ['id']).slice(0, 6).map((key) => ({ key })) };
      }
      case 'button':
        return { type: 'button', title, label: 'Send', send: { name: path ? `${requestName(p).replace(/\.set$/, '')}.press` : 'press' }, ...bound };
      case 'toggle':
        return { type: 'toggle', title, ...bound, send: { name: request, data: { value: '{{value}}' } } };
      case 'setpoint':
        return { type: 'setpoint', title, ...bound, send: { name: request, data: { value: '{{value}}' } } };
      case 'notifications':
        return { type: 'notifications', title: 'Notifications' };
      case 'json':
        return { type: 'json', title, ...bound };
      case 'text':
        return { type: 'text', text: path ? title : 'Text', style: 'heading' };
    }
  })();
  return { kind, label, w, h, widget: widget as WidgetBody };
}

/** The kinds that read a value at their own `path` (a button's is optional). */
const PATH_KINDS = new Set<Kind>(['value', 'lamp', 'gauge', 'table', 'toggle', 'setpoint', 'json']);

/** Whether `kind` reads a value at its own `path`. */
export function takesPath(kind: Kind): boolean {
  return PATH_KINDS.has(kind);
}

/** Whether `w` reads the state but is bound to no path yet (a palette's). */
export function isUnbound(w: WidgetBody): boolean {
  if (w.type === 'trend') return w.series.some((s) => s.path == null);
  return takesPath(w.type) && (!('path' in w) || w.path == null);
}

/** Why a dashboard with unbound widgets is not saved yet (the engine
 * refuses a widget that reads the state with no path, as
 * `widgets[11]: missing field path`), naming them; `null` when every
 * widget is bound. */
export function unboundMessage(widgets: { id: string; type: string }[]): string | null {
  const ids = widgets.filter((w) => isUnbound(w as WidgetBody)).map((w) => `${w.id} (${w.type})`);
  if (!ids.length) return null;
  const named = ids.length > 3 ? `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more` : ids.join(', ');
  return `Not saved: ${named} ${ids.length === 1 ? 'reads' : 'read'} no place in the state yet. ` +
    'Set the Path in the properties (selected now), or remove the widget.';
}

/** The kinds that fit a value, the best first. */
export function fittingKinds(value: JsonValue | undefined): Kind[] {
  if (typeof value === 'number') return ['gauge', 'trend', 'value', 'setpoint'];
  if (typeof value === 'boolean') return ['lamp', 'toggle', 'value'];
  if (Array.isArray(value)) return value.length > 0 && value.every(isObject) ? ['table', 'json'] : ['json', 'table'];
  if (isObject(value)) return ['json'];
  return ['value', 'json'];
}

/** The proposals for a node of the state: the widgets that fit it. */
export function propose(path: Step[], value: JsonValue | undefined): Proposal[] {
  return fittingKinds(value).map((kind) => make(kind, path, value));
}

/** An id for a new widget from its path or kind, unique among `taken`. */
export function newId(base: string, taken: Set<string>): string {
  const stem = base.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'widget';
  if (!taken.has(stem)) return stem;
  for (let i = 2; ; i++) if (!taken.has(`${stem}-${i}`)) return `${stem}-${i}`;
}

/** What a palette entry carries when dragged: the widget kind (a state
 * node's drag: pathDrag.ts). */
export const KIND_MIME = 'application/x-juggler-widget';

/** A bound path (a JSON Pointer or a juggler path) as steps. */
export function stepsOf(path: string | Step[]): Step[] {
  if (Array.isArray(path)) return path;
  if (path === '') return [];
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The value at `path` in `value`, or undefined when there is none. */
export function lookup(value: JsonValue | undefined, path: Step[]): JsonValue | undefined {
  let v = value;
  for (const step of path) {
    if (Array.isArray(v)) {
      const i = typeof step === 'number' ? step : /^(0|[1-9][0-9]*)$/.test(step) ? Number(step) : NaN;
      v = Number.isInteger(i) ? v[i] : undefined;
    } else if (isObject(v)) {
      v = Object.prototype.hasOwnProperty.call(v, String(step)) ? v[String(step)] : undefined;
    } else return undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

/** The state paths a widget reads (a trend's series each). */
export function boundPaths(w: WidgetBody): Step[][] {
  if (w.type === 'trend') return w.series.filter((s) => s.path != null).map((s) => stepsOf(s.path as string | Step[]));
  if ('path' in w && w.path != null) return [stepsOf(w.path as string | Step[])];
  return [];
}

/** Members that mean the same in each of these kinds (a gauge's `style`
 * and a text's do not; a notification list's `max` is a count). */
const SHARED: [string[], Kind[]][] = [
  [['unit', 'decimals'], ['value', 'gauge', 'trend', 'setpoint']],
  [['min', 'max'], ['gauge', 'trend', 'setpoint']],
  [['send'], ['toggle', 'setpoint']],
];

/** Whether `member` of a `from` widget means the same in a `to` widget. */
function shared(member: string, from: Kind, to: Kind): boolean {
  return SHARED.some(([members, kinds]) => members.includes(member) && kinds.includes(from) && kinds.includes(to));
}

/** Members a retype leaves to the kind's own making: where it is bound
 * (made from the path bound now) and its place. */
const NOT_SETTINGS = new Set(['id', 'type', 'title', 'path', 'series', 'x', 'y', 'w', 'h']);

/** The settings of a widget of each kind it was before, by kind: what a
 * retype back to that kind gives back (Value → Gauge → Value keeps the
 * value's format, which a gauge has not). */
export type Earlier = Partial<Record<Kind, Record<string, unknown>>>;

/** `w` as a widget of `kind`, bound to the same path, keeping its title,
 * the settings the new kind also has, and those it had as that kind
 * before (`earlier`); and the settings to remember for a later retype. */
export function retype(w: WidgetBody, kind: Kind, state: JsonValue | undefined, earlier: Earlier = {}): { widget: WidgetBody; earlier: Earlier } {
  const path = boundPaths(w)[0] ?? null;
  const made = make(kind, path, path ? lookup(state, path) : undefined).widget as Record<string, unknown>;
  const settings = Object.fromEntries(Object.entries(w).filter(([k]) => !NOT_SETTINGS.has(k)));
  const out: Record<string, unknown> = { ...made, ...earlier[kind] };
  for (const [k, v] of Object.entries(settings)) if (shared(k, w.type, kind)) out[k] = v;
  if (w.title) out.title = w.title;
  return { widget: out as WidgetBody, earlier: { ...earlier, [w.type]: settings } };
}
