// The property panel's "Widget as JSON": the text checked before it
// replaces the selected widget, so that what the canvas cannot show (an
// id another widget has, a kind it does not know, a place off the grid)
// is refused next to the box instead of breaking the canvas or waiting
// for Save to name it.

import type { Dashboard } from '../../bindings/Dashboard';
import type { Widget } from '../../bindings/Widget';
import { gridOf } from './edit';
import { MAX_ROWS } from './grid';
import { PALETTE } from './propose';

/** The engine's id rule: 1 to 64 letters, digits, `-`, `_` or `.`. */
const ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** The widget `text` describes, to replace widget `id` of `d` (its id
 * kept when the text has none), or why it cannot. */
export function parseWidgetJson(text: string, d: Dashboard, id: string): { widget: Widget } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { error: 'a widget is a JSON object' };
  const w = { ...(v as Record<string, unknown>) };
  w.id ??= id;
  if (typeof w.id !== 'string' || !ID.test(w.id)) return { error: `id ${JSON.stringify(w.id)}: an id is 1 to 64 letters, digits, "-", "_" or "."` };
  if (w.id !== id && d.widgets.some((o) => o.id === w.id)) return { error: `id "${w.id}" is another widget's: ids are unique` };
  if (!PALETTE.some((p) => p.kind === w.type)) return { error: `type ${JSON.stringify(w.type)} is none of ${PALETTE.map((p) => p.kind).join(', ')}` };
  const { columns } = gridOf(d);
  for (const [k, min] of [['x', 0], ['y', 0], ['w', 1], ['h', 1]] as const) {
    const n = w[k];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min) return { error: `${k} is a whole number from ${min}` };
  }
  const [x, y, width, h] = [w.x, w.y, w.w, w.h] as number[];
  if (x + width > columns) return { error: `x ${x} and w ${width} end at column ${x + width} of a grid of ${columns}` };
  if (y + h > MAX_ROWS) return { error: `y ${y} and h ${h} end below row ${MAX_ROWS}` };
  return { widget: w as unknown as Widget };
}
