import { describe, expect, it } from 'vitest';
import type { Rule } from '../src/bindings/Rule';
import { withRule, withoutRule } from '../src/lib/builder/unanswered';

const RULES = `[
  { "id": "big", "enabled": true, "match": { "name": { "exact": "big" } }, "delayMs": 0,
    "action": { "respond": { "value": [9007199254740993, -0, 123456789012345678901234567890] } } }
]`;

const added: Rule = {
  id: 'pump',
  enabled: true,
  match: { name: { exact: 'pump.set' } },
  delayMs: 0,
  action: { setState: { path: ['pump', 'on'], value: '{{data}}', respond: null } },
};

describe('the rules text Add a rule sends', () => {
  it('appends the rule and keeps every number of the others as written', () => {
    const text = withRule(RULES, added);
    expect(text).toContain('[9007199254740993,-0,123456789012345678901234567890]');
    expect(JSON.parse(text).map((r: Rule) => r.id)).toEqual(['big', 'pump']);
    expect(JSON.parse(text)[1]).toEqual(added);
  });

  it('Undo takes the rule out again, and says when it is gone', () => {
    const text = withRule(RULES, added);
    const back = withoutRule(text, 'pump');
    expect(back).toContain('[9007199254740993,-0,123456789012345678901234567890]');
    expect(JSON.parse(back!).map((r: Rule) => r.id)).toEqual(['big']);
    expect(withoutRule(RULES, 'pump')).toBeNull();
  });

  it('rules that do not read say what to do', () => {
    expect(() => withRule('{"id": 1}', added)).toThrow(/not a list.*Requests pane/);
    expect(() => withRule('[', added)).toThrow(/cannot be read/);
  });
});
