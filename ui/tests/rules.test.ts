import { describe, expect, it } from 'vitest';
import type { Rule } from '../src/bindings/Rule';
import {
  addRule,
  duplicateIds,
  emptyForm,
  formField,
  formFromRule,
  isModified,
  move,
  moveTo,
  newForm,
  ruleErrorOf,
  remove,
  ruleFromForm,
  rulesFromForms,
  toggle,
  uniqueId,
} from '../src/lib/rules';

const demo: Rule[] = [
  { id: 'hello', enabled: true, match: { name: { exact: 'hello' } }, delayMs: 0, action: { template: { value: { greeting: 'hello {{data.who}}' } } } },
  { id: 'click', enabled: false, match: { name: { glob: 'click.*' }, data: { x: 1 } }, delayMs: 250, action: { setState: { path: ['lastClick'], value: { at: '{{now}}' }, respond: { ok: true } } } },
  { id: 'flaky', enabled: true, match: { name: { regex: 'fl(a|o)ky' } }, delayMs: 400, action: { cycle: { values: [{ ok: true }, { ok: false }] } } },
  { id: 'fail', enabled: true, match: { name: { exact: 'fail' } }, delayMs: 0, action: { fail: { value: 'no' } } },
  { id: 'echo', enabled: true, match: { name: { exact: 'echo' } }, delayMs: 0, action: 'echo' },
  { id: 'ping', enabled: true, match: { name: { exact: 'ping' } }, delayMs: 0, action: { notify: { name: 'pong', data: [1], target: 'all', respond: null } } },
  { id: 'r', enabled: true, match: { name: { exact: 'r' } }, delayMs: 0, action: { respond: { value: { ok: 1 } } } },
];

describe('rule forms', () => {
  it('round-trips every action kind', () => {
    for (const rule of demo) {
      const r = ruleFromForm(formFromRule(rule));
      expect(r).toEqual({ ok: true, rule });
    }
  });

  it('a fresh draft of the engine rules is not modified; an edit is', () => {
    const forms = demo.map(formFromRule);
    expect(isModified(forms, demo)).toBe(false);
    expect(isModified(toggle(forms, 0), demo)).toBe(true);
    expect(isModified(move(forms, 0, 1), demo)).toBe(true);
    const bad = forms.map((f, i) => (i === 0 ? { ...f, value: '{' } : f));
    expect(isModified(bad, demo)).toBe(true);
  });

  it('treats an absent, null or blank data pattern as any data', () => {
    const rule: Rule = { id: 'a', enabled: true, match: { name: { exact: 'a' }, data: null }, delayMs: 0, action: 'echo' };
    const f = formFromRule(rule);
    expect(f.data).toBe('');
    expect(isModified([f], [rule])).toBe(false);
    const r = ruleFromForm(f);
    expect(r.ok && r.rule.match).toEqual({ name: { exact: 'a' } });
  });

  it('says which fields are wrong', () => {
    const f = { ...emptyForm(' '), name: '', delayMs: '-1', data: '{"a":', value: '[1,]' };
    const r = ruleFromForm(f);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(['data', 'delayMs', 'id', 'name', 'value']);
    expect(r.errors.value).toMatch(/^line 1, column 4: .*trailing commas/);
  });

  it('takes the delay as the number field gives it', () => {
    // The Delay input is type="number": its binding stores a number, or null when emptied.
    const rule = demo[0];
    const f = formFromRule(rule);
    const delayed = ruleFromForm({ ...f, delayMs: 250 });
    expect(delayed.ok && delayed.rule.delayMs).toBe(250);
    expect(isModified([{ ...f, delayMs: 250 }], [rule])).toBe(true);
    expect(isModified([{ ...f, delayMs: 0 }], [rule])).toBe(false);
    expect(isModified([{ ...f, delayMs: null }], [rule])).toBe(false);
    const bad = ruleFromForm({ ...f, delayMs: 2.5 });
    expect(!bad.ok && bad.errors.delayMs).toMatch(/whole number/);
    // The engine refused it with "expected u32" in a toast, the field unmarked.
    const long = ruleFromForm({ ...f, delayMs: 99999999999999 });
    expect(!long.ok && long.errors.delayMs).toBe('at most 4294967295 ms (about 49 days)');
    const longest = ruleFromForm({ ...f, delayMs: '4294967295' });
    expect(longest.ok && longest.rule.delayMs).toBe(4294967295);
    expect(isModified([{ ...f, delayMs: -1 }], [rule])).toBe(true);
  });

  it('checks the kinds’ own fields', () => {
    const errs = (f: Partial<ReturnType<typeof emptyForm>>) => {
      const r = ruleFromForm({ ...emptyForm('x'), name: 'x', ...f });
      return r.ok ? {} : r.errors;
    };
    expect(errs({ kind: 'cycle', values: '[]' }).values).toMatch(/at least one/);
    expect(errs({ kind: 'cycle', values: '{"a": 1}' }).values).toMatch(/list/);
    expect(errs({ kind: 'setState', path: '{"a": 1}' }).path).toMatch(/state path/);
    expect(errs({ kind: 'setState', path: '"a"' })).toEqual({});
    expect(errs({ kind: 'notify', notifyName: ' ' }).notifyName).toMatch(/name/);
    expect(errs({ kind: 'respond', value: '' })).toEqual({});
  });

  it('rulesFromForms names the first bad entry', () => {
    const forms = demo.map(formFromRule);
    forms[2] = { ...forms[2], values: 'nope' };
    const r = rulesFromForms(forms);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.index).toBe(2);
    expect(rulesFromForms(demo.map(formFromRule))).toEqual({ ok: true, rules: demo });
  });
});

describe('draft operations', () => {
  it('moves, clamps and drags', () => {
    expect(move([1, 2, 3], 0, 1)).toEqual([2, 1, 3]);
    expect(move([1, 2, 3], 2, -1)).toEqual([1, 3, 2]);
    const same = [1, 2, 3];
    expect(move(same, 0, -1)).toBe(same);
    expect(move(same, 2, 5)).toBe(same);
    expect(moveTo([1, 2, 3, 4], 0, 3)).toEqual([2, 3, 4, 1]);
    expect(moveTo([1, 2, 3, 4], 3, 1)).toEqual([1, 4, 2, 3]);
  });

  it('toggles and removes without touching the input', () => {
    const forms = demo.map(formFromRule);
    const t = toggle(forms, 1);
    expect(t[1].enabled).toBe(true);
    expect(forms[1].enabled).toBe(false);
    expect(remove(forms, 0).map((f) => f.id)).toEqual(demo.slice(1).map((r) => r.id));
  });

  it('adds rules with unique ids', () => {
    expect(uniqueId('a', ['a', 'a-2'])).toBe('a-3');
    expect(uniqueId('b', ['a'])).toBe('b');
    const forms = demo.map(formFromRule);
    const { forms: more, form } = addRule(forms, demo[0]);
    expect(form.id).toBe('hello-2');
    expect(more).toHaveLength(demo.length + 1);
    expect(newForm([]).id).toBe('rule');
    expect(newForm([emptyForm('rule')]).id).toBe('rule-2');
    expect([...duplicateIds([emptyForm('a'), emptyForm('b'), emptyForm('a')])]).toEqual(['a']);
  });

  it('gives every form its own key', () => {
    const a = formFromRule(demo[0]);
    const b = formFromRule(demo[0]);
    expect(a.key).not.toBe(b.key);
  });
});

describe('engine errors', () => {
  it('takes the rule, field and detail of a rule error', () => {
    const error = {
      code: 'rule',
      message: 'rule "my \\"x\\"": match.name.regex: regex parse error: unclosed group',
      id: 'my "x"',
      field: 'match.name.regex',
      detail: 'regex parse error: unclosed group',
    };
    expect(ruleErrorOf(error)).toEqual({
      id: 'my "x"',
      field: 'match.name.regex',
      message: 'regex parse error: unclosed group',
    });
    // Another kind of error, or one without a rule id, is no rule's.
    expect(ruleErrorOf({ code: 'invalid', message: 'invalid rules: [0].id: missing', field: 'rules[0].id' })).toBeNull();
    expect(ruleErrorOf({ code: 'rule', message: 'rule: ?' })).toBeNull();
    // A detail-less rule error shows its message.
    expect(ruleErrorOf({ code: 'rule', message: 'whole', id: 'a' })).toEqual({ id: 'a', field: '', message: 'whole' });
    expect(formField('match.name.regex')).toBe('name');
    expect(formField('action.template.value.x')).toBe('value');
    expect(formField('action.setState.path')).toBe('path');
    expect(formField('action.notify.data')).toBe('notifyData');
    expect(formField('whatever')).toBeNull();
  });
});
