// The rules text that "Add a rule" sends (rules.set's rulesText) and that
// its Undo sends back: the engine's rules as rules.text has them, every
// number kept as written (a JSON.parse'd copy would round them), with one
// rule added or taken out.

import type { JsonValue } from '../../bindings/JsonValue';
import type { Rule } from '../../bindings/Rule';
import { exactJson, parseJson } from '../json';

function rulesOf(rulesText: string): JsonValue[] {
  const parsed = parseJson(rulesText, { exact: true });
  if (!parsed.ok || !Array.isArray(parsed.value)) throw new Error(`the engine's rules cannot be read (${parsed.ok ? 'not a list' : parsed.message}): open the Requests pane and save them again`);
  return parsed.value;
}

/** `rulesText` with `rule` appended. */
export function withRule(rulesText: string, rule: Rule): string {
  return exactJson([...rulesOf(rulesText), rule as unknown as JsonValue]);
}

/** `rulesText` without the rule `id`; null when it has no such rule. */
export function withoutRule(rulesText: string, id: string): string | null {
  const rules = rulesOf(rulesText);
  const kept = rules.filter((r) => !(r && typeof r === 'object' && !Array.isArray(r) && r.id === id));
  return kept.length === rules.length ? null : exactJson(kept);
}
