// A small JSON diff for the State pane: the JSON Patch that turns one
// document into another, for edits whose patch the editor does not give
// (text mode). Objects are compared member by member; arrays element by
// element with additions and removals at the end; anything else is
// replaced. Also the parsing of a path the user typed.

import { toPointer, type Json, type PatchOp } from '../../lib/patch';

function isObject(v: Json): v is { [key: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The JSON Patch from `a` to `b` (empty when they are equal). */
export function diffJson(a: Json, b: Json): PatchOp[] {
  const ops: PatchOp[] = [];
  walk(a, b, [], ops);
  return ops;
}

function walk(a: Json, b: Json, path: (string | number)[], ops: PatchOp[]): void {
  if (a === b) return;
  if (isObject(a) && isObject(b)) {
    for (const k of Object.keys(a)) {
      if (!Object.prototype.hasOwnProperty.call(b, k)) ops.push({ op: 'remove', path: toPointer([...path, k]) });
    }
    for (const k of Object.keys(b)) {
      if (Object.prototype.hasOwnProperty.call(a, k)) walk(a[k], b[k], [...path, k], ops);
      else ops.push({ op: 'add', path: toPointer([...path, k]), value: b[k] });
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) walk(a[i], b[i], [...path, i], ops);
    // Remove from the end so the indexes stay valid.
    for (let i = a.length - 1; i >= b.length; i--) ops.push({ op: 'remove', path: toPointer([...path, i]) });
    for (let i = a.length; i < b.length; i++) ops.push({ op: 'add', path: toPointer([...path, i]), value: b[i] });
    return;
  }
  if (!jsonEqual(a, b)) ops.push({ op: 'replace', path: toPointer(path), value: b });
}

/**
 * A path as typed: a JSON array (`["plant", "pumps", 0]`), a JSON pointer
 * (`/plant/pumps/0`) or dotted (`plant.pumps.0`); in the last two, tokens of
 * digits are array indexes (numbers). Empty is the whole document.
 */
export function parseUserPath(text: string): (string | number)[] {
  const t = text.trim();
  if (t === '' || t === '/') return [];
  if (t.startsWith('[')) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch {
      throw new Error('not a JSON array of strings and numbers');
    }
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' || (typeof x === 'number' && Number.isInteger(x) && x >= 0))) {
      throw new Error('a path array holds strings and whole numbers only');
    }
    return v;
  }
  const tokens = t.startsWith('/')
    ? t.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    : t.split('.');
  if (tokens.some((s) => s === '') && !t.startsWith('/')) throw new Error('an empty step in the path');
  return tokens.map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
