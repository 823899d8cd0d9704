// The builder's edits of a dashboard, as pure functions (a dashboard in, a
// new dashboard out, never changed in place), and the history that undoes
// and redoes them. A dashboard is small: the history keeps whole copies.

import type { Dashboard } from '../../bindings/Dashboard';
import type { Widget } from '../../bindings/Widget';
import { DEFAULT_GRID, fitSize, freePlace, rectOf } from './grid';
import { newId, type Proposal } from './propose';

export function gridOf(d: Dashboard) {
  return d.grid ?? DEFAULT_GRID;
}

function ids(d: Dashboard): Set<string> {
  return new Set(d.widgets.map((w) => w.id));
}

/** `d` with a widget made from `p`, at the first free place at or after
 * `near`; and the new widget's id. */
export function addWidget(d: Dashboard, p: Proposal, near?: { x: number; y: number }): { dashboard: Dashboard; id: string } {
  const id = newId(('path' in p.widget && typeof p.widget.path === 'string' && p.widget.path) || p.kind, ids(d));
  const place = freePlace(gridOf(d), d.widgets.map(rectOf), p.w, p.h, near);
  const widget = { ...structuredClone(p.widget), id, ...place } as Widget;
  return { dashboard: { ...d, widgets: [...d.widgets, widget] }, id };
}

/** `d` with the widgets `selected` moved by whole cells, together: the
 * move is cut short so that none leaves the grid. */
export function moveWidgets(d: Dashboard, selected: string[], dx: number, dy: number): Dashboard {
  const grid = gridOf(d);
  const moving = d.widgets.filter((w) => selected.includes(w.id));
  if (moving.length === 0) return d;
  const minX = Math.min(...moving.map((w) => w.x));
  const maxX = Math.max(...moving.map((w) => w.x + w.w));
  const minY = Math.min(...moving.map((w) => w.y));
  const ddx = Math.max(-minX, Math.min(dx, grid.columns - maxX));
  const ddy = Math.max(-minY, dy);
  if (ddx === 0 && ddy === 0) return d;
  return { ...d, widgets: d.widgets.map((w) => (selected.includes(w.id) ? { ...w, x: w.x + ddx, y: w.y + ddy } : w)) };
}

/** `d` with widget `id` resized to `w`×`h` cells where it stands, no
 * wider than the grid leaves it. */
export function resizeWidget(d: Dashboard, id: string, w: number, h: number): Dashboard {
  return { ...d, widgets: d.widgets.map((x) => (x.id === id ? { ...x, ...fitSize(gridOf(d), { x: x.x, y: x.y, w, h }) } : x)) };
}

/** `d` without the widgets `selected`. */
export function removeWidgets(d: Dashboard, selected: string[]): Dashboard {
  return { ...d, widgets: d.widgets.filter((w) => !selected.includes(w.id)) };
}

/** `d` with widget `id` replaced by `widget` (its id may change, to one
 * not taken). */
export function updateWidget(d: Dashboard, id: string, widget: Widget): Dashboard {
  return { ...d, widgets: d.widgets.map((w) => (w.id === id ? widget : w)) };
}

/** `d` with copies of `widgets` (a clipboard's), each with a new id, at
 * free places from one row below where they were; and the new ids. */
export function pasteWidgets(d: Dashboard, widgets: Widget[]): { dashboard: Dashboard; ids: string[] } {
  const grid = gridOf(d);
  let out = d;
  const added: string[] = [];
  for (const w of widgets) {
    const id = newId(w.id, ids(out));
    const place = freePlace(grid, out.widgets.map(rectOf), w.w, w.h, { x: w.x, y: w.y + 1 });
    out = { ...out, widgets: [...out.widgets, { ...structuredClone(w), id, ...place }] };
    added.push(id);
  }
  return { dashboard: out, ids: added };
}

/** The widgets `selected`, copied, in the dashboard's order. */
export function copyWidgets(d: Dashboard, selected: string[]): Widget[] {
  return structuredClone(d.widgets.filter((w) => selected.includes(w.id)));
}

/** Undo and redo over whole dashboards. */
export class History {
  private past: Dashboard[] = [];
  private future: Dashboard[] = [];

  constructor(private readonly limit = 200) {}

  /** Remembers `before`, the dashboard an edit is about to change. */
  record(before: Dashboard) {
    this.past.push(before);
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
  }

  get canUndo() {
    return this.past.length > 0;
  }

  get canRedo() {
    return this.future.length > 0;
  }

  /** The dashboard before the last edit, given the current one. */
  undo(current: Dashboard): Dashboard | null {
    const prev = this.past.pop();
    if (!prev) return null;
    this.future.push(current);
    return prev;
  }

  redo(current: Dashboard): Dashboard | null {
    const next = this.future.pop();
    if (!next) return null;
    this.past.push(current);
    return next;
  }

  clear() {
    this.past = [];
    this.future = [];
  }
}
