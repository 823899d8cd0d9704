// Rubber-band selection on the builder's canvas: a drag on the empty canvas
// draws a band, and the widgets it touches are selected (with Shift, added
// to the selection). Pure geometry, in the canvas layer's pixels.

import type { Grid } from '../../bindings/Grid';
import { toPixels, type GridBox, type Rect } from './grid';

/** A rectangle in pixels. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A drag shorter than this (px, each way) is a click, not a band. */
export const BAND_MIN_PX = 4;

/** The band between the drag's start and its current point. */
export function bandBox(x0: number, y0: number, x1: number, y1: number): Box {
  return { left: Math.min(x0, x1), top: Math.min(y0, y1), width: Math.abs(x1 - x0), height: Math.abs(y1 - y0) };
}

/** Whether the band is big enough to be one (else the drag was a click). */
export function isBand(b: Box): boolean {
  return b.width >= BAND_MIN_PX || b.height >= BAND_MIN_PX;
}

function meets(a: Box, b: Box): boolean {
  return a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;
}

/** The ids of the widgets whose boxes on the canvas the band touches. */
export function touched(grid: Grid, at: GridBox, widgets: (Rect & { id: string })[], band: Box): string[] {
  return widgets.filter((w) => meets(band, toPixels(grid, at, w))).map((w) => w.id);
}

/** The selection after a band: the widgets touched, or (additive) the
 * selection before with those added, in order, each once. */
export function bandSelection(before: string[], hit: string[], additive: boolean): string[] {
  return additive ? [...before, ...hit.filter((id) => !before.includes(id))] : hit;
}
