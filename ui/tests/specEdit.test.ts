import { describe, expect, it } from 'vitest';
import {
  checkScenariosText,
  checkSchemasText,
  editText,
  hasSchemas,
  SCENARIO_EXAMPLE,
  SCHEMAS_EXAMPLE,
} from '../src/lib/specEdit';

const message = (r: { ok: boolean; message?: string }) => (r.ok ? '' : r.message);

describe('checkScenariosText', () => {
  it('accepts a list of scenarios, and blank as none', () => {
    const r = checkScenariosText(editText(SCENARIO_EXAMPLE));
    expect(r).toEqual({ ok: true, value: SCENARIO_EXAMPLE });
    expect(checkScenariosText('  ')).toEqual({ ok: true, value: [] });
    expect(checkScenariosText('[]')).toEqual({ ok: true, value: [] });
  });

  it('says where the JSON goes wrong', () => {
    expect(message(checkScenariosText('[{"name": }]'))).toMatch(/^line 1, column 11: /);
  });

  it('names the field at fault as the workspace file does', () => {
    expect(message(checkScenariosText('{"name": "x"}'))).toMatch(/^scenarios: a JSON list/);
    expect(message(checkScenariosText('[1]'))).toMatch(/^scenarios\[0\]: a scenario is an object/);
    expect(message(checkScenariosText('[{"name": "", "steps": []}]'))).toMatch(/^scenarios\[0\]\.name: /);
    expect(message(checkScenariosText('[{"name": "a", "steps": []}, {"name": "a", "steps": []}]'))).toBe(
      'scenarios[1].name: another scenario is named "a": give each its own name',
    );
    expect(message(checkScenariosText('[{"name": "a", "steps": {}}]'))).toMatch(/^scenarios\[0\]\.steps: a list/);
    expect(message(checkScenariosText('[{"name": "a", "stepz": []}]'))).toMatch(/^scenarios\[0\]\.stepz: unknown field/);
    expect(message(checkScenariosText('[{"name": "a", "description": 3, "steps": []}]'))).toMatch(/^scenarios\[0\]\.description/);
    expect(message(checkScenariosText('[{"name": "a", "steps": [{"wait": {}, "notify": {}}]}]'))).toMatch(
      /^scenarios\[0\]\.steps\[0\]: a step is an object with one member/,
    );
    expect(message(checkScenariosText('[{"name": "a", "steps": [{"sleep": {"ms": 1}}]}]'))).toMatch(
      /^scenarios\[0\]\.steps\[0\]\.sleep: not a kind of step: write one of setState, /,
    );
  });
});

describe('checkSchemasText', () => {
  it('accepts the schemas object, and null or blank as none', () => {
    expect(checkSchemasText(editText(SCHEMAS_EXAMPLE))).toEqual({ ok: true, value: SCHEMAS_EXAMPLE });
    expect(checkSchemasText('null')).toEqual({ ok: true, value: null });
    expect(checkSchemasText('')).toEqual({ ok: true, value: null });
    expect(checkSchemasText('{"state": true}')).toEqual({ ok: true, value: { state: true } });
  });

  it('names the field at fault', () => {
    expect(message(checkSchemasText('[]'))).toMatch(/^schemas: an object/);
    expect(message(checkSchemasText('{"stat": {}}'))).toMatch(/^schemas\.stat: unknown field/);
    expect(message(checkSchemasText('{"state": 3}'))).toMatch(/^schemas\.state: a JSON Schema is an object/);
    expect(message(checkSchemasText('{"requests": []}'))).toMatch(/^schemas\.requests: an object/);
    expect(message(checkSchemasText('{"requests": {"go": "x"}}'))).toMatch(/^schemas\.requests\.go: /);
  });
});

describe('hasSchemas and editText', () => {
  it('tells whether any schema is there', () => {
    expect(hasSchemas(null)).toBe(false);
    expect(hasSchemas(undefined)).toBe(false);
    expect(hasSchemas({})).toBe(false);
    expect(hasSchemas({ requests: {} })).toBe(false);
    expect(hasSchemas({ state: { type: 'object' } })).toBe(true);
    expect(hasSchemas({ requests: { go: true } })).toBe(true);
  });

  it('writes indented JSON, null for nothing', () => {
    expect(editText([])).toBe('[]');
    expect(editText(null)).toBe('null');
    expect(editText(undefined)).toBe('null');
    expect(editText({ a: 1 })).toBe('{\n  "a": 1\n}');
  });
});
