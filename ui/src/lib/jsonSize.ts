// The size of a document as compact JSON text (UTF-8 bytes, what
// `JSON.stringify` writes), kept up to date from the patches that change
// it: a leaf change costs the size of the leaf, not a print of the whole
// document.

import { applyPatch, getAt, parsePointer, type Json, type PatchOp } from './patch';

/** UTF-8 bytes of `text`. */
export function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        // A surrogate pair: two UTF-16 units, four bytes.
        n += 2;
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}

/** Bytes of `value` as compact JSON text. */
export function jsonSize(value: Json | undefined): number {
  return utf8Length(JSON.stringify(value ?? null));
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether `v` is null or an empty object or array (without listing a big object's members). */
export function isEmptyJson(v: Json | undefined): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) return members(v, 1) === 0;
  return v === null || v === undefined;
}

/** How many members `v` has, counting up to `max`. */
function members(v: { [key: string]: Json }, max: number): number {
  let n = 0;
  for (const _ in v) if (++n >= max) break;
  return n;
}

/** Bytes a member or element adds to its container (with its comma when it has siblings). */
function memberSize(parent: Json | undefined, key: string, value: Json, alone: boolean): number {
  const comma = alone ? 0 : 1;
  if (Array.isArray(parent)) return jsonSize(value) + comma;
  return utf8Length(JSON.stringify(key)) + 1 + jsonSize(value) + comma;
}

/** The size change of one op applied to `doc`; `null` when it replaces the whole document. */
function opDelta(doc: Json, op: PatchOp): number | null {
  const tokens = parsePointer(op.path);
  if (tokens.length === 0) return op.op === 'test' ? 0 : null;
  const key = tokens[tokens.length - 1];
  const parent = getAt(doc, tokens.slice(0, -1));
  const old = getAt(doc, tokens);
  const removeDelta = (): number => {
    const alone = Array.isArray(parent) ? parent.length === 1 : isObject(parent) && members(parent, 2) === 1;
    return old === undefined ? 0 : -memberSize(parent, key, old, alone);
  };
  const addDelta = (value: Json): number => {
    if (isObject(parent) && old !== undefined) return jsonSize(value) - jsonSize(old);
    return memberSize(parent, key, value, isEmptyJson(parent));
  };
  switch (op.op) {
    case 'replace':
      return old === undefined ? 0 : jsonSize(op.value) - jsonSize(old);
    case 'add':
      return addDelta(op.value);
    case 'remove':
      return removeDelta();
    case 'test':
      return 0;
    case 'move':
    case 'copy': {
      const value = getAt(doc, parsePointer(op.from));
      if (value === undefined) return 0;
      const fromPath = parsePointer(op.from);
      if (fromPath.length === 0) return null;
      // Computed on the way, as the op is applied in two steps.
      const removed = op.op === 'move' ? applyPatch(doc, [{ op: 'remove', path: op.from }]) : doc;
      const first = op.op === 'move' ? (opDelta(doc, { op: 'remove', path: op.from }) ?? 0) : 0;
      const second = opDelta(removed, { op: 'add', path: op.path, value });
      return second === null ? null : first + second;
    }
  }
}

/**
 * The size of `before` (whose size is `size`) after `ops`; `null` when it
 * cannot tell without printing the result (an op replaced the whole
 * document). Throws `PatchError` when an op does not apply.
 */
export function sizeAfter(size: number, before: Json, ops: readonly PatchOp[]): number | null {
  let doc = before;
  let total = size;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const d = opDelta(doc, op);
    if (d === null) return null;
    total += d;
    // Later ops see the document as the earlier ones left it.
    if (i + 1 < ops.length) doc = applyPatch(doc, [op]);
  }
  return total;
}

/** How many nodes (values) `value` has, counting up to `max` (so a big document costs `max`). */
export function countNodes(value: Json, max: number): number {
  let n = 0;
  const stack: Json[] = [value];
  while (stack.length && n < max) {
    const v = stack.pop()!;
    n++;
    if (Array.isArray(v)) for (let i = 0; i < v.length && n + stack.length < max; i++) stack.push(v[i]);
    else if (v !== null && typeof v === 'object') {
      for (const k in v) {
        if (n + stack.length >= max) break;
        stack.push(v[k]);
      }
    }
  }
  return Math.min(max, n + stack.length);
}
