// The Scenarios pane's editors of the workspace's scenarios and JSON Schemas
// (sent with `scenarios.set` and `schemas.set`): the text to start from, a
// quick check of the shape as the user types (the engine checks the rest,
// and its error is shown as it says it), and the examples the empty editors
// teach with. Vitest tests in tests/specEdit.test.ts.

import type { JsonValue } from '../bindings/JsonValue';
import type { Scenario } from '../bindings/Scenario';
import type { Schemas } from '../bindings/Schemas';
import { parseJson } from './json';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** The kinds of step a scenario may have, as the engine reads them. */
export const STEP_KINDS = [
  'setState',
  'patch',
  'replaceState',
  'notify',
  'wait',
  'waitForConnections',
  'expectRequest',
  'expectState',
] as const;

/** A small scenario to start from: it passes with no dashboard connected. */
export const SCENARIO_EXAMPLE: Scenario[] = [
  {
    name: 'counter moves',
    description: 'Setting the counter shows in the served state',
    steps: [
      { setState: { path: ['counter'], value: 1 } },
      { expectState: { path: ['counter'], value: 1, withinMs: 2000 } },
    ],
  },
];

/** Small schemas to start from. */
export const SCHEMAS_EXAMPLE: Schemas = {
  state: { type: 'object', required: ['counter'], properties: { counter: { type: 'integer' } } },
  requests: {
    'pump.start': { type: 'object', required: ['index'], properties: { index: { type: 'integer', minimum: 0 } } },
  },
};

/** JSON text for an editor: indented by two spaces. */
export function editText(value: unknown): string {
  return JSON.stringify(value ?? null, null, 2);
}

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The scenarios in `text`, or what is wrong with their shape, the field
 * named as in the workspace file (`scenarios[1].steps[0]`). Blank is `[]`.
 */
export function checkScenariosText(text: string): Checked<Scenario[]> {
  const parsed = parseJson(text, { empty: [] });
  if (!parsed.ok) return parsed;
  const list = parsed.value;
  if (!Array.isArray(list)) {
    return { ok: false, message: 'scenarios: a JSON list of scenarios, as [{"name": "…", "steps": […]}]' };
  }
  const names = new Set<string>();
  for (const [i, s] of list.entries()) {
    const at = `scenarios[${i}]`;
    if (!isObject(s)) return { ok: false, message: `${at}: a scenario is an object {"name", "description"?, "steps"}` };
    for (const key of Object.keys(s)) {
      if (!['name', 'description', 'steps'].includes(key)) {
        return { ok: false, message: `${at}.${key}: unknown field: a scenario has "name", "description" and "steps"` };
      }
    }
    if (typeof s.name !== 'string' || s.name.trim() === '') {
      return { ok: false, message: `${at}.name: name the scenario (a non-empty string)` };
    }
    if (names.has(s.name)) {
      return { ok: false, message: `${at}.name: another scenario is named ${JSON.stringify(s.name)}: give each its own name` };
    }
    names.add(s.name);
    if (s.description !== undefined && typeof s.description !== 'string') {
      return { ok: false, message: `${at}.description: a string` };
    }
    if (!Array.isArray(s.steps)) return { ok: false, message: `${at}.steps: a list of steps, as [{"wait": {"ms": 100}}]` };
    for (const [j, step] of s.steps.entries()) {
      const keys = isObject(step) ? Object.keys(step) : [];
      if (keys.length !== 1) {
        return { ok: false, message: `${at}.steps[${j}]: a step is an object with one member, its kind (${STEP_KINDS.join(', ')})` };
      }
      if (!(STEP_KINDS as readonly string[]).includes(keys[0])) {
        return { ok: false, message: `${at}.steps[${j}].${keys[0]}: not a kind of step: write one of ${STEP_KINDS.join(', ')}` };
      }
    }
  }
  return { ok: true, value: list as unknown as Scenario[] };
}

/**
 * The workspace's `schemas` in `text` (`null`: none), or what is wrong with
 * their shape. Blank is `null`. Whether each schema compiles is the engine's
 * to say.
 */
export function checkSchemasText(text: string): Checked<Schemas | null> {
  const parsed = parseJson(text, { empty: null });
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if (v === null) return { ok: true, value: null };
  if (!isObject(v)) {
    return { ok: false, message: 'schemas: an object {"state"?: SCHEMA, "requests"?: {NAME: SCHEMA}}, or null for none' };
  }
  const isSchema = (s: JsonValue) => isObject(s) || typeof s === 'boolean';
  for (const key of Object.keys(v)) {
    if (key !== 'state' && key !== 'requests') {
      return { ok: false, message: `schemas.${key}: unknown field: write "state" (the served state's schema) or "requests" (schemas by request name)` };
    }
  }
  if (v.state !== undefined && !isSchema(v.state)) {
    return { ok: false, message: 'schemas.state: a JSON Schema is an object (or true / false)' };
  }
  if (v.requests !== undefined) {
    if (!isObject(v.requests)) return { ok: false, message: 'schemas.requests: an object of schemas by request name' };
    for (const [name, s] of Object.entries(v.requests)) {
      if (!isSchema(s)) return { ok: false, message: `schemas.requests.${name}: a JSON Schema is an object (or true / false)` };
    }
  }
  return { ok: true, value: v as Schemas };
}

/** Whether the workspace has any schema. */
export function hasSchemas(s: Schemas | null | undefined): boolean {
  return !!s && (s.state != null || Object.keys(s.requests ?? {}).length > 0);
}
