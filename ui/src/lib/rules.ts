// The rules editor's pure logic: a rule as a form (texts the user edits),
// the form back to a `Rule` with a message per bad field, the draft list's
// operations, and the engine's `rule "ID": FIELD: MESSAGE` errors.

import type { Rule } from '../bindings/Rule';
import type { Action } from '../bindings/Action';
import type { NameMatch } from '../bindings/NameMatch';
import type { NotifyTarget } from '../bindings/NotifyTarget';
import type { JsonValue } from '../bindings/JsonValue';
import type { CommandError } from '../bindings/CommandError';
import { exactJson, formatJson, jsonEqual, parseJson } from './json';

export type NameKind = 'exact' | 'glob' | 'regex';
export type ActionKind = 'respond' | 'echo' | 'fail' | 'template' | 'setState' | 'notify' | 'cycle';

export const ACTION_KINDS: { kind: ActionKind; label: string; help: string }[] = [
  { kind: 'respond', label: 'respond', help: 'answer with a fixed value' },
  { kind: 'echo', label: 'echo', help: 'answer with the request’s data' },
  { kind: 'fail', label: 'fail', help: 'answer success: false with an error value' },
  { kind: 'template', label: 'template', help: 'answer a template: strings like "{{data.x}}", "{{now}}", "{{connectionId}}"' },
  { kind: 'setState', label: 'set state', help: 'set a value in the state, then answer' },
  { kind: 'notify', label: 'notify', help: 'send a notification, then answer' },
  { kind: 'cycle', label: 'cycle', help: 'answer each value in turn' },
];

/** A rule as the editor holds it: every JSON field as text. */
export interface RuleForm {
  /** Stable key of the draft entry (not saved). */
  key: number;
  id: string;
  enabled: boolean;
  nameKind: NameKind;
  name: string;
  /** The data pattern; blank: any data. */
  data: string;
  /**
   * Text when made from a rule; the Delay field is an `<input type="number">`,
   * whose binding puts a number there (null when the field is emptied).
   */
  delayMs: string | number | null;
  kind: ActionKind;
  /** respond / fail / template value; setState value. */
  value: string;
  /** setState path. */
  path: string;
  /** setState / notify answer. */
  respond: string;
  notifyName: string;
  notifyData: string;
  target: NotifyTarget;
  /** cycle: a JSON list of the answers. */
  values: string;
}

let nextKey = 1;

function text(v: JsonValue | undefined): string {
  return v === undefined ? '' : formatJson(v);
}

export function emptyForm(id: string): RuleForm {
  return {
    key: nextKey++,
    id,
    enabled: true,
    nameKind: 'exact',
    name: '',
    data: '',
    delayMs: '0',
    kind: 'respond',
    value: 'null',
    path: '[]',
    respond: 'null',
    notifyName: '',
    notifyData: 'null',
    target: 'sender',
    values: '[]',
  };
}

export function formFromRule(rule: Rule): RuleForm {
  const f = emptyForm(rule.id);
  f.enabled = rule.enabled;
  const [nameKind, name] = Object.entries(rule.match.name)[0] as [NameKind, string];
  f.nameKind = nameKind;
  f.name = name;
  f.data = rule.match.data === undefined || rule.match.data === null ? '' : text(rule.match.data);
  f.delayMs = String(rule.delayMs ?? 0);
  const a = rule.action;
  if (a === 'echo') {
    f.kind = 'echo';
  } else if ('respond' in a) {
    f.kind = 'respond';
    f.value = text(a.respond.value);
  } else if ('fail' in a) {
    f.kind = 'fail';
    f.value = text(a.fail.value);
  } else if ('template' in a) {
    f.kind = 'template';
    f.value = text(a.template.value);
  } else if ('setState' in a) {
    f.kind = 'setState';
    f.path = text(a.setState.path);
    f.value = text(a.setState.value);
    f.respond = text(a.setState.respond);
  } else if ('notify' in a) {
    f.kind = 'notify';
    f.notifyName = a.notify.name;
    f.notifyData = text(a.notify.data);
    f.target = a.notify.target;
    f.respond = text(a.notify.respond);
  } else if ('cycle' in a) {
    f.kind = 'cycle';
    f.values = exactJson(a.cycle.values, 2);
  }
  return f;
}

/** The longest delay a rule can wait (the engine's `u32` milliseconds). */
export const MAX_DELAY_MS = 4294967295;

/** Field of the form → message. */
export type FormErrors = Partial<Record<keyof RuleForm, string>>;

export type FormResult = { ok: true; rule: Rule } | { ok: false; errors: FormErrors };

/** Checks a form and makes the rule it describes. */
export function ruleFromForm(f: RuleForm): FormResult {
  const errors: FormErrors = {};
  const json = (field: keyof RuleForm, emptyAs?: JsonValue): JsonValue => {
    // exact: the rules go back as text (rules.set's rulesText), numbers as typed.
    const r = parseJson(String(f[field]), { empty: emptyAs, exact: true });
    if (r.ok) return r.value;
    errors[field] = r.message;
    return null;
  };
  const id = f.id.trim();
  if (!id) errors.id = 'the id is empty: give the rule a name';
  if (f.name === '') errors.name = 'the name to match is empty';
  // Regexes are Rust's (`(?i)` etc.): the engine checks them on save and test.
  const delayText = String(f.delayMs ?? '').trim();
  const delay = delayText === '' ? 0 : Number(delayText);
  if (!Number.isInteger(delay) || delay < 0) errors.delayMs = 'a whole number of milliseconds, 0 or more';
  // The engine's rules wait in 32 bits and refuse more.
  else if (delay > MAX_DELAY_MS) errors.delayMs = `at most ${MAX_DELAY_MS} ms (about 49 days)`;
  const data = f.data.trim() === '' ? null : json('data');
  let action: Action;
  switch (f.kind) {
    case 'echo':
      action = 'echo';
      break;
    case 'respond':
      action = { respond: { value: json('value', null) } };
      break;
    case 'fail':
      action = { fail: { value: json('value', null) } };
      break;
    case 'template':
      action = { template: { value: json('value', null) } };
      break;
    case 'setState': {
      const path = json('path', []);
      if (!errors.path && !isPath(path)) errors.path = 'a state path: a string, an integer or a list of them, as ["pumps", 0, "running"]';
      action = { setState: { path, value: json('value', null), respond: json('respond', null) } };
      break;
    }
    case 'notify':
      if (f.notifyName.trim() === '') errors.notifyName = 'the notification needs a name';
      action = { notify: { name: f.notifyName, data: json('notifyData', null), target: f.target, respond: json('respond', null) } };
      break;
    case 'cycle': {
      const values = json('values', []);
      if (!errors.values && (!Array.isArray(values) || values.length === 0)) {
        errors.values = 'a JSON list of at least one answer, as [1, 2, {"error": true}]';
      }
      action = { cycle: { values: Array.isArray(values) ? values : [] } };
      break;
    }
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  const name = { [f.nameKind]: f.name } as NameMatch;
  const rule: Rule = { id, enabled: f.enabled, match: data === null ? { name } : { name, data }, delayMs: delay, action };
  return { ok: true, rule };
}

function isPath(v: JsonValue): boolean {
  const step = (x: JsonValue) => typeof x === 'string' || (typeof x === 'number' && Number.isInteger(x) && x >= 0);
  return step(v) || (Array.isArray(v) && v.every(step));
}

/** Every form as a rule, or the first failing entry. */
export function rulesFromForms(forms: RuleForm[]): { ok: true; rules: Rule[] } | { ok: false; index: number; errors: FormErrors } {
  const rules: Rule[] = [];
  for (let i = 0; i < forms.length; i++) {
    const r = ruleFromForm(forms[i]);
    if (!r.ok) return { ok: false, index: i, errors: r.errors };
    rules.push(r.rule);
  }
  return { ok: true, rules };
}

/** Whether the draft differs from the engine's rules. */
export function isModified(forms: RuleForm[], rules: Rule[]): boolean {
  const r = rulesFromForms(forms);
  return !r.ok || !jsonEqual(normalize(r.rules), normalize(rules));
}

function normalize(rules: Rule[]): Rule[] {
  return rules.map((r) => ({
    ...r,
    delayMs: r.delayMs ?? 0,
    match: r.match.data === undefined || r.match.data === null ? { name: r.match.name } : r.match,
  }));
}

// --- draft list operations (each returns a new list) --------------------------

/** Moves entry `index` by `delta` places (clamped). */
export function move<T>(list: T[], index: number, delta: number): T[] {
  const to = Math.max(0, Math.min(list.length - 1, index + delta));
  if (index < 0 || index >= list.length || to === index) return list;
  const out = [...list];
  const [item] = out.splice(index, 1);
  out.splice(to, 0, item);
  return out;
}

/** Moves entry `from` to position `to` (drag and drop). */
export function moveTo<T>(list: T[], from: number, to: number): T[] {
  return move(list, from, to - from);
}

export function toggle(forms: RuleForm[], index: number): RuleForm[] {
  return forms.map((f, i) => (i === index ? { ...f, enabled: !f.enabled } : f));
}

export function remove<T>(list: T[], index: number): T[] {
  return list.filter((_, i) => i !== index);
}

/** `base`, or `base-2`, `base-3`… whichever no entry has. */
export function uniqueId(base: string, taken: Iterable<string>): string {
  const ids = new Set(taken);
  const stem = base.trim() || 'rule';
  if (!ids.has(stem)) return stem;
  for (let n = 2; ; n++) if (!ids.has(`${stem}-${n}`)) return `${stem}-${n}`;
}

/** A new rule form with an unused id. */
export function newForm(forms: RuleForm[]): RuleForm {
  const f = emptyForm(uniqueId('rule', forms.map((x) => x.id)));
  f.name = 'my.request';
  return f;
}

/** Adds `rule` (its id made unique) at the end; answers the list and the new form. */
export function addRule(forms: RuleForm[], rule: Rule): { forms: RuleForm[]; form: RuleForm } {
  const form = formFromRule({ ...rule, id: uniqueId(rule.id, forms.map((x) => x.id)) });
  return { forms: [...forms, form], form };
}

/** Repeated ids in the draft: id → message. */
export function duplicateIds(forms: RuleForm[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const f of forms) {
    const id = f.id.trim();
    if (seen.has(id)) dup.add(id);
    seen.add(id);
  }
  return dup;
}

/**
 * The rule, field and message of an engine `rule` error (its `id`,
 * `field` and `detail`); `null` for any other error.
 */
export function ruleErrorOf(
  error: Pick<CommandError, 'message' | 'id' | 'field' | 'detail'> & { code: string },
): { id: string; field: string; message: string } | null {
  if (error.code !== 'rule' || error.id === undefined) return null;
  return { id: error.id, field: error.field ?? '', message: error.detail ?? error.message };
}

/** The form field an engine error's FIELD is about (`match.name.regex` → name). */
export function formField(field: string): keyof RuleForm | null {
  if (field === 'id') return 'id';
  if (field.startsWith('match.name')) return 'name';
  if (field.startsWith('match.data')) return 'data';
  if (field.startsWith('delayMs')) return 'delayMs';
  if (field.startsWith('action.setState.path')) return 'path';
  if (field.startsWith('action.setState.respond') || field.startsWith('action.notify.respond')) return 'respond';
  if (field.startsWith('action.notify.data')) return 'notifyData';
  if (field.startsWith('action.notify.name')) return 'notifyName';
  if (field.startsWith('action.cycle')) return 'values';
  if (field.startsWith('action.')) return 'value';
  return null;
}

/** One-line summary of a rule's matcher and action for the list. */
export function summary(f: RuleForm): string {
  const name = f.nameKind === 'exact' ? f.name : `${f.nameKind} ${f.name}`;
  const data = f.data.trim() ? ' + data' : '';
  return `${name}${data} → ${ACTION_KINDS.find((k) => k.kind === f.kind)?.label ?? f.kind}`;
}
