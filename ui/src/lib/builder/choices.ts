// The members whose value is one of a fixed set: a select of that set, not
// free text whose mistakes surfaced only at Save as serde's "unknown
// variant". The sets are the bindings' types: a Record keyed by each must
// name every variant and nothing else, so a variant added to the engine
// fails `npm run check` until it is offered here.
import type { GaugeStyle } from '../../bindings/GaugeStyle';
import type { TextStyle } from '../../bindings/TextStyle';
import type { ValueFormat } from '../../bindings/ValueFormat';
import type { Widget } from '../../bindings/Widget';

const VALUE_FORMAT: Record<ValueFormat, true> = { auto: true, number: true, text: true, json: true, datetime: true, boolean: true };
const GAUGE_STYLE: Record<GaugeStyle, true> = { arc: true, bar: true };
const TEXT_STYLE: Record<TextStyle, true> = { text: true, heading: true };

export const VALUE_FORMATS = Object.keys(VALUE_FORMAT) as ValueFormat[];

/** By widget type, the members with a fixed set of values: the set, its
 * first value being the engine's default (used when the member is absent). */
const BY_KIND: Partial<Record<Widget['type'], Record<string, readonly string[]>>> = {
  value: { format: VALUE_FORMATS },
  gauge: { style: Object.keys(GAUGE_STYLE) },
  text: { style: Object.keys(TEXT_STYLE) },
};

/** The values `key` of a widget of `type` may take, or null for a member
 * of free text (or none). */
export function choicesOf(type: string, key: string): readonly string[] | null {
  return BY_KIND[type as Widget['type']]?.[key] ?? null;
}

/** The members of `type` with a set of values, whether set or not. */
export function choiceKeys(type: string): string[] {
  return Object.keys(BY_KIND[type as Widget['type']] ?? {});
}
