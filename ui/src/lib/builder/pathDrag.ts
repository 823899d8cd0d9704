// The one drag payload of a state node, whichever tree it comes from (the
// Builder's State tree, a remote session's tree in the Client pane, the
// Replay pane's state): its path, and a sample of its value. The canvas
// proposes the widget from the sample, so a node of a state the builder
// does not hold itself (a remote server's, a recording's) gets the same
// proposal as one of the studio's own state.

import type { JsonValue } from '../../bindings/JsonValue';
import { lookup, pointer, stepsOf, type Step } from './propose';

/** The MIME type of the payload: `{path, value?}` as JSON. */
export const PATH_MIME = 'application/x-juggler-path';

/** What a dragged node carries. */
export interface PathDrag {
  path: Step[];
  /** A sample of the value at `path` (see `sampleOf`); absent when the
   * tree does not know it (the canvas looks it up in its own state). */
  value?: JsonValue;
}

/** Array items a sample keeps: a table's columns come from the first
 * rows' keys (propose.ts `rowKeys` reads five). */
const SAMPLE_ITEMS = 5;
/** Levels a sample keeps: what a proposal looks at is the value's type and
 * its rows' keys, never deeper. */
const SAMPLE_DEPTH = 3;

/** `value` cut to what a proposal needs: arrays to their first items,
 * nesting to a few levels (deeper containers become empty ones of the same
 * kind). A dragged node of a 10 MB state carries a few hundred bytes. */
export function sampleOf(value: JsonValue, depth = SAMPLE_DEPTH): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return depth <= 0 ? [] : value.slice(0, SAMPLE_ITEMS).map((v) => sampleOf(v, depth - 1));
  if (depth <= 0) return {};
  const out: { [key: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(value)) out[k] = sampleOf(v as JsonValue, depth - 1);
  return out;
}

/** Starts the drag of the node at `path` whose value is `value` (undefined:
 * not known to the tree). */
export function startPathDrag(e: DragEvent, path: Step[], value?: JsonValue) {
  if (!e.dataTransfer) return;
  const payload: PathDrag = value === undefined ? { path } : { path, value: sampleOf(value) };
  e.dataTransfer.setData(PATH_MIME, JSON.stringify(payload));
  e.dataTransfer.setData('text/plain', pointer(path));
  e.dataTransfer.effectAllowed = 'copy';
  e.stopPropagation();
}

/** Whether a drag carries a node (its data is only readable on drop). */
export function isPathDrag(e: DragEvent): boolean {
  return Array.from(e.dataTransfer?.types ?? []).includes(PATH_MIME);
}

/** The payload of a drop, or null when it is not a node's or not valid. */
export function readPathDrag(text: string): PathDrag | null {
  if (!text) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const { path, value } = v as { path?: unknown; value?: JsonValue };
  if (!Array.isArray(path) || !path.every((s) => typeof s === 'string' || (typeof s === 'number' && Number.isInteger(s) && s >= 0))) return null;
  return value === undefined ? { path } : { path, value };
}

/** A JSON Pointer's steps in `state`: a token that indexes an array there
 * is a number (a juggler path's step), any other a key. */
export function stepsIn(state: JsonValue | undefined, ptr: string): Step[] {
  let cur: JsonValue | undefined = state;
  return stepsOf(ptr).map((token) => {
    const key = String(token);
    const index = Array.isArray(cur) && /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : null;
    cur = lookup(cur, [index ?? key]);
    return index ?? key;
  });
}
