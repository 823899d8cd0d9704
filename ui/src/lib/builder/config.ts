// The property panel's editors of a widget's lists (a gauge's thresholds,
// a lamp's colour map, a table's columns, a trend's series), as pure
// functions: a list in, a new list out, never changed in place.

import type { Dashboard } from '../../bindings/Dashboard';
import type { JsonValue } from '../../bindings/JsonValue';
import type { LampColor } from '../../bindings/LampColor';
import type { TableColumn } from '../../bindings/TableColumn';
import type { Threshold } from '../../bindings/Threshold';
import type { TrendSeries } from '../../bindings/TrendSeries';
import { lookup, pointer, rowKeys, stepsOf, type Step } from './propose';

/** Colours offered to new rows, in turn (the runtime's palette). */
export const COLORS = ['#2563eb', '#16a34a', '#d97706', '#dc2626', '#9333ea', '#0891b2', '#65a30d', '#db2777'];

/** The most series a trend has (the schema's limit). */
export const MAX_SERIES = 8;

/** `list` with item `i` replaced by `item`. */
export function replaceAt<T>(list: T[], i: number, item: T): T[] {
  return list.map((x, j) => (j === i ? item : x));
}

/** `list` without item `i`. */
export function removeAt<T>(list: T[], i: number): T[] {
  return list.filter((_, j) => j !== i);
}

/** `list` with item `i` moved by `delta` places (kept inside the list). */
export function moveAt<T>(list: T[], i: number, delta: number): T[] {
  const to = Math.max(0, Math.min(list.length - 1, i + delta));
  if (to === i || i < 0 || i >= list.length) return list;
  const out = removeAt(list, i);
  out.splice(to, 0, list[i]);
  return out;
}

// ---- a gauge's thresholds

/** Thresholds in the order the runtime reads them: ascending `from`. */
export function sortThresholds(list: Threshold[]): Threshold[] {
  return [...list].sort((a, b) => a.from - b.from);
}

/** `d` with every gauge's thresholds ascending, as the engine saves them
 * (`d` itself when they are): the editor keeps its rows where they are
 * while they are edited, so that a row's next edit is still that row's. */
export function withThresholdsSorted(d: Dashboard): Dashboard {
  const ascending = (list: Threshold[]) => list.every((t, i) => i === 0 || list[i - 1].from <= t.from);
  if (d.widgets.every((w) => w.type !== 'gauge' || ascending(w.thresholds ?? []))) return d;
  return { ...d, widgets: d.widgets.map((w) => (w.type === 'gauge' && w.thresholds && !ascending(w.thresholds) ? { ...w, thresholds: sortThresholds(w.thresholds) } : w)) };
}

/** A new threshold after the others: a tenth of the scale above the last
 * (from three quarters of it for the first), never above `max`. */
export function addThreshold(list: Threshold[], min: number, max: number): Threshold[] {
  const span = Number.isFinite(max - min) && max > min ? max - min : 100;
  const last = list.length ? Math.max(...list.map((t) => t.from)) : null;
  const from = last === null ? min + span * 0.75 : Math.min(max, last + span / 10);
  const color = ['#d97706', '#dc2626', ...COLORS][list.length % (COLORS.length + 2)];
  return sortThresholds([...list, { from: roundNice(from), color }]);
}

/** A number without float noise (`0.1 + 0.2` → `0.3`). */
function roundNice(x: number): number {
  return Number(x.toPrecision(12));
}

// ---- a lamp's colour map

/** A lamp entry's value as typed: JSON when it reads as JSON (`true`,
 * `3`, `"on"`, `null`), else the text itself as a string (`on`). */
export function parseLampValue(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/** A lamp entry's value as the field shows it: the inverse of
 * `parseLampValue` (a string that would read as something else is quoted). */
export function lampValueText(v: JsonValue): string {
  if (typeof v === 'string') {
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(v);
    } catch {
      return v;
    }
    return parsed === v ? v : JSON.stringify(v);
  }
  return JSON.stringify(v);
}

/** The first entries of a lamp's map for the value it shows now: on/off
 * for a boolean, else the value itself. */
export function addLampColor(list: LampColor[], current: JsonValue | undefined): LampColor[] {
  const taken = new Set(list.map((c) => JSON.stringify(c.value)));
  const candidates: LampColor[] =
    typeof current === 'boolean' || current === undefined
      ? [
          { value: true, color: '#16a34a', label: 'on' },
          { value: false, color: '#9ca3af', label: 'off' },
        ]
      : [{ value: current, color: COLORS[list.length % COLORS.length] }];
  const next = candidates.find((c) => !taken.has(JSON.stringify(c.value)));
  return [...list, next ?? { value: `value ${list.length + 1}`, color: COLORS[list.length % COLORS.length] }];
}

// ---- a table's columns

/** The keys a table can show: its columns' and the first rows' of the
 * array bound (the columns' first, in their order). */
export function columnKeys(columns: TableColumn[], rows: JsonValue | undefined): string[] {
  const keys = columns.map((c) => c.key);
  for (const k of Array.isArray(rows) ? rowKeys(rows) : []) if (!keys.includes(k)) keys.push(k);
  return keys;
}

/** `columns` with the column of `key` shown (added at the end) or not. */
export function toggleColumn(columns: TableColumn[], key: string, shown: boolean): TableColumn[] {
  const has = columns.some((c) => c.key === key);
  if (shown && !has) return [...columns, { key }];
  if (!shown && has) return columns.filter((c) => c.key !== key);
  return columns;
}

/** `col` with `member` set to `value`, or without it when `value` is
 * empty (the runtime's default: the key as label, `auto` format). */
export function setColumn<K extends 'label' | 'format' | 'unit' | 'decimals'>(col: TableColumn, member: K, value: TableColumn[K] | '' | undefined): TableColumn {
  const out = { ...col };
  if (value === '' || value === undefined || (member === 'format' && value === 'auto')) delete out[member];
  else out[member] = value as TableColumn[K];
  return out;
}

// ---- a trend's series

/** The paths of the numbers in `state`, as JSON Pointers, depth first, at
 * most `limit` of them (a big state offers its first ones). */
export function numberPaths(state: JsonValue | undefined, limit = 200): string[] {
  const out: string[] = [];
  const walk = (v: JsonValue | undefined, path: Step[]) => {
    if (out.length >= limit) return;
    if (typeof v === 'number') out.push(pointer(path));
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x as JsonValue, [...path, k]);
  };
  walk(state, []);
  return out;
}

/** A new series: the first number of the state that no series shows yet
 * (else the last series' path), in the next colour. */
export function addSeries(list: TrendSeries[], state: JsonValue | undefined): TrendSeries[] {
  if (list.length >= MAX_SERIES) return list;
  const used = new Set(list.filter((s) => s.path != null).map((s) => (typeof s.path === 'string' ? s.path : pointer(s.path as Step[]))));
  const path = numberPaths(state).find((p) => !used.has(p)) ?? (list.length ? list[list.length - 1].path : '');
  return [...list, { path, color: COLORS[list.length % COLORS.length] }];
}

/** Whether `path` holds a number in `state` (else the editor marks it). */
export function isNumberAt(state: JsonValue | undefined, path: string): boolean {
  if (path !== '' && !path.startsWith('/')) return false;
  return typeof lookup(state, stepsOf(path)) === 'number';
}
