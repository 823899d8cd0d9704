// The builder canvas's geometry: the dashboard's grid (columns, rows,
// gap) laid over the page's grid element, whose place the runtime reports
// (runtime/edit.js). Pixels are CSS pixels of the page in the iframe.

import type { Grid } from '../../bindings/Grid';
import type { Widget } from '../../bindings/Widget';

export const DEFAULT_GRID: Grid = { columns: 12, rowHeight: 48, gap: 8 };

/** Where the page's grid is (the runtime's `layout` message). */
export interface GridBox {
  left: number;
  top: number;
  width: number;
}

/** The grid's padding inside its element (runtime/style.css `.grid`). */
export const GRID_PADDING = 16;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Width of one column in pixels. */
export function columnWidth(grid: Grid, box: GridBox): number {
  const inner = box.width - 2 * GRID_PADDING - grid.gap * (grid.columns - 1);
  return Math.max(1, inner / grid.columns);
}

/** A cell rectangle in pixels of the page. */
export function toPixels(grid: Grid, box: GridBox, r: Rect): { left: number; top: number; width: number; height: number } {
  const cw = columnWidth(grid, box);
  return {
    left: box.left + GRID_PADDING + r.x * (cw + grid.gap),
    top: box.top + GRID_PADDING + r.y * (grid.rowHeight + grid.gap),
    width: r.w * cw + (r.w - 1) * grid.gap,
    height: r.h * grid.rowHeight + (r.h - 1) * grid.gap,
  };
}

/** The cell under a point of the page (may be outside the grid). */
export function toCell(grid: Grid, box: GridBox, px: number, py: number): { x: number; y: number } {
  const cw = columnWidth(grid, box);
  return {
    x: Math.floor((px - box.left - GRID_PADDING + grid.gap / 2) / (cw + grid.gap)),
    y: Math.floor((py - box.top - GRID_PADDING + grid.gap / 2) / (grid.rowHeight + grid.gap)),
  };
}

/** A pixel distance as whole cells, rounded to the nearest (snapping). */
export function toCells(grid: Grid, box: GridBox, dx: number, dy: number): { dx: number; dy: number } {
  const cw = columnWidth(grid, box);
  return { dx: Math.round(dx / (cw + grid.gap)), dy: Math.round(dy / (grid.rowHeight + grid.gap)) };
}

/** The most rows a widget may reach (the engine's limit). */
export const MAX_ROWS = 1000;

/** `r` moved and sized to fit the grid: at least 1×1, inside the columns,
 * at row 0 or below. */
export function clamp(grid: Grid, r: Rect): Rect {
  const w = Math.min(Math.max(1, Math.round(r.w)), grid.columns);
  const h = Math.min(Math.max(1, Math.round(r.h)), MAX_ROWS);
  return {
    x: Math.min(Math.max(0, Math.round(r.x)), grid.columns - w),
    y: Math.min(Math.max(0, Math.round(r.y)), MAX_ROWS - h),
    w,
    h,
  };
}

/** `r` resized to fit the grid where it stands: at least 1×1, its width
 * cut at the grid's right edge (its place kept; fitting it by moving it,
 * as `clamp` does, would make a widening at the edge a jump to the left). */
export function fitSize(grid: Grid, r: Rect): Rect {
  const x = Math.min(Math.max(0, Math.round(r.x)), grid.columns - 1);
  const y = Math.min(Math.max(0, Math.round(r.y)), MAX_ROWS - 1);
  return {
    x,
    y,
    w: Math.min(Math.max(1, Math.round(r.w)), grid.columns - x),
    h: Math.min(Math.max(1, Math.round(r.h)), MAX_ROWS - y),
  };
}

export function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** The first free place for a `w`×`h` widget at or after `near` (row by
 * row, left to right), among `widgets`. */
export function freePlace(grid: Grid, widgets: Rect[], w: number, h: number, near: { x: number; y: number } = { x: 0, y: 0 }): Rect {
  const size = clamp(grid, { x: 0, y: 0, w, h });
  const start = clamp(grid, { ...size, x: near.x, y: near.y });
  if (!widgets.some((o) => overlaps(start, o))) return start;
  for (let y = start.y; y < MAX_ROWS - size.h; y++) {
    for (let x = 0; x + size.w <= grid.columns; x++) {
      const r = { x, y, w: size.w, h: size.h };
      if (!widgets.some((o) => overlaps(r, o))) return r;
    }
  }
  return start;
}

/** The rectangle of a widget. */
export function rectOf(w: Widget): Rect {
  return { x: w.x, y: w.y, w: w.w, h: w.h };
}
