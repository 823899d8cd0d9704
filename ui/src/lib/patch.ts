// JSON Patch (RFC 6902) as juggler sends it: `add`, `remove`, `replace`
// (and `move`/`copy`/`test` for completeness), applied in order without
// mutating the input. Untouched branches are shared with the old document,
// so views can compare by identity and keep what the user expanded.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type PatchOp =
  | { op: 'add' | 'replace' | 'test'; path: string; value: Json }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; path: string; from: string };

export class PatchError extends Error {}

/** RFC 6901 pointer → list of unescaped tokens. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`not a JSON pointer: ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Tokens → RFC 6901 pointer. */
export function toPointer(tokens: (string | number)[]): string {
  return tokens.map((t) => '/' + String(t).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

function arrayIndex(arr: Json[], token: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchError(`not an array index: ${token}`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new PatchError(`index ${i} out of range`);
  return i;
}

export function getAt(doc: Json, tokens: string[]): Json | undefined {
  let cur: Json | undefined = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(t)) return undefined;
      cur = cur[Number(t)];
    } else if (cur !== null && typeof cur === 'object') {
      cur = Object.prototype.hasOwnProperty.call(cur, t) ? cur[t] : undefined;
    } else {
      return undefined;
    }
  }
  return cur;
}

type Edit = (parent: Json, last: string) => Json;

/**
 * The containers one `applyPatch` call made (copies of the input's): a
 * later op of the same call edits them in place instead of copying them
 * again. A 10 MB state's 100,000-element array is then copied once per
 * message, not once per op of it (each copy is garbage the page collects).
 * Values that came in the ops are never in it: handlers see the ops too.
 */
type Fresh = WeakSet<object>;

function own<T extends Json[] | { [key: string]: Json }>(container: T, fresh: Fresh): T {
  if (fresh.has(container)) return container;
  const copy = (Array.isArray(container) ? container.slice() : { ...container }) as T;
  fresh.add(copy);
  return copy;
}

/** Copies (once per call) the path down to the parent of the last token and edits there. */
function editAt(doc: Json, tokens: string[], edit: Edit, fresh: Fresh): Json {
  if (tokens.length === 0) throw new PatchError('no parent of the root');
  const [head, ...rest] = tokens;
  if (rest.length === 0) return edit(doc, head);
  if (Array.isArray(doc)) {
    const i = arrayIndex(doc, head, false);
    const child = editAt(doc[i], rest, edit, fresh);
    if (child === doc[i]) return doc;
    const copy = own(doc, fresh);
    copy[i] = child;
    return copy;
  }
  if (doc !== null && typeof doc === 'object') {
    if (!Object.prototype.hasOwnProperty.call(doc, head)) throw new PatchError(`no member ${head}`);
    const child = editAt(doc[head], rest, edit, fresh);
    if (child === doc[head]) return doc;
    const copy = own(doc, fresh);
    copy[head] = child;
    return copy;
  }
  throw new PatchError(`cannot descend into ${JSON.stringify(doc)} at ${head}`);
}

type JsonObject = { [key: string]: Json };

/** An edit of the last token's parent, as an array or as an object (each given its own copy). */
interface LastEdit {
  verb: string;
  array(copy: Json[], last: string): void;
  object(copy: JsonObject, last: string): void;
}

function editLast(doc: Json, tokens: string[], fresh: Fresh, e: LastEdit): Json {
  return editAt(
    doc,
    tokens,
    (parent, last) => {
      if (Array.isArray(parent)) {
        const copy = own(parent, fresh);
        e.array(copy, last);
        return copy;
      }
      if (parent !== null && typeof parent === 'object') {
        const copy = own(parent, fresh);
        e.object(copy, last);
        return copy;
      }
      throw new PatchError(`cannot ${e.verb} ${JSON.stringify(parent)}`);
    },
    fresh,
  );
}

function member(obj: JsonObject, key: string): string {
  if (!Object.prototype.hasOwnProperty.call(obj, key)) throw new PatchError(`no member ${key}`);
  return key;
}

function add(doc: Json, tokens: string[], value: Json, fresh: Fresh): Json {
  if (tokens.length === 0) return value;
  return editLast(doc, tokens, fresh, {
    verb: 'add to',
    array: (copy, last) => void copy.splice(arrayIndex(copy, last, true), 0, value),
    object: (copy, last) => void (copy[last] = value),
  });
}

function remove(doc: Json, tokens: string[], fresh: Fresh): Json {
  if (tokens.length === 0) return null;
  return editLast(doc, tokens, fresh, {
    verb: 'remove from',
    array: (copy, last) => void copy.splice(arrayIndex(copy, last, false), 1),
    object: (copy, last) => void delete copy[member(copy, last)],
  });
}

function replace(doc: Json, tokens: string[], value: Json, fresh: Fresh): Json {
  if (tokens.length === 0) return value;
  return editLast(doc, tokens, fresh, {
    verb: 'replace in',
    array: (copy, last) => void (copy[arrayIndex(copy, last, false)] = value),
    object: (copy, last) => void (copy[member(copy, last)] = value),
  });
}

function equal(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Applies `ops` in order; throws `PatchError` (and changes nothing) when one does not apply. */
export function applyPatch(doc: Json, ops: PatchOp[]): Json {
  let cur = doc;
  let fresh: Fresh = new WeakSet();
  for (const op of ops) {
    const tokens = parsePointer(op.path);
    switch (op.op) {
      case 'add':
        cur = add(cur, tokens, op.value, fresh);
        break;
      case 'remove':
        cur = remove(cur, tokens, fresh);
        break;
      case 'replace':
        cur = replace(cur, tokens, op.value, fresh);
        break;
      case 'test':
        if (!equal(getAt(cur, tokens), op.value)) throw new PatchError(`test failed at ${op.path}`);
        break;
      case 'move':
      case 'copy': {
        const from = parsePointer(op.from);
        const value = getAt(cur, from);
        if (value === undefined) throw new PatchError(`nothing at ${op.from}`);
        if (op.op === 'move') cur = remove(cur, from, fresh);
        cur = add(cur, tokens, value, fresh);
        // A copy is now reachable at two places: an edit in place would
        // change both. What is fresh stops being so.
        if (op.op === 'copy') fresh = new WeakSet();
        break;
      }
      default:
        throw new PatchError(`unknown op ${JSON.stringify((op as { op: unknown }).op)}`);
    }
  }
  return cur;
}

/** The pointers a patch touched, under `prefix` (a pointer), relative to it. */
export function touchedPaths(ops: PatchOp[], prefix = ''): string[] {
  const out: string[] = [];
  for (const op of ops) {
    for (const p of 'from' in op ? [op.path, op.from] : [op.path]) {
      if (prefix === '') out.push(p);
      else if (p === prefix) out.push('');
      else if (p.startsWith(prefix + '/')) out.push(p.slice(prefix.length));
      else if (prefix.startsWith(p + '/') || p === '') out.push('');
    }
  }
  return [...new Set(out)];
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isContainer(v: Json | undefined): v is Json[] | { [key: string]: Json } {
  return v !== null && typeof v === 'object';
}

class TooMany extends Error {}

function escapeToken(t: string | number): string {
  return '/' + String(t).replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The JSON Patch that turns `a` into `b` (empty when they are equal), or
 * `null` when it would take more than `maxOps` ops. Objects are compared
 * member by member, arrays element by element (additions and removals at
 * the end), anything else is replaced. Nodes `a` and `b` share (the same
 * object) are not looked into: for two versions of a document that share
 * what did not change, it costs what changed.
 */
export function diffJson(a: Json, b: Json): PatchOp[];
export function diffJson(a: Json, b: Json, maxOps: number): PatchOp[] | null;
export function diffJson(a: Json, b: Json, maxOps = Infinity): PatchOp[] | null {
  const ops: PatchOp[] = [];
  const push = (op: PatchOp) => {
    if (ops.length >= maxOps) throw new TooMany();
    ops.push(op);
  };
  const walk = (x: Json, y: Json, at: string): void => {
    if (x === y) return;
    if (isObject(x) && isObject(y)) {
      for (const k in x) if (!Object.prototype.hasOwnProperty.call(y, k)) push({ op: 'remove', path: at + escapeToken(k) });
      for (const k in y) {
        const xv = x[k];
        const yv = y[k];
        if (xv === yv) continue;
        if (!Object.prototype.hasOwnProperty.call(x, k)) push({ op: 'add', path: at + escapeToken(k), value: yv });
        else if (isContainer(xv) && isContainer(yv)) walk(xv, yv, at + escapeToken(k));
        else push({ op: 'replace', path: at + escapeToken(k), value: yv });
      }
      return;
    }
    if (Array.isArray(x) && Array.isArray(y)) {
      const common = Math.min(x.length, y.length);
      for (let i = 0; i < common; i++) {
        const xv = x[i];
        const yv = y[i];
        if (xv === yv) continue;
        if (isContainer(xv) && isContainer(yv)) walk(xv, yv, at + '/' + i);
        else push({ op: 'replace', path: at + '/' + i, value: yv });
      }
      // Remove from the end so the indexes stay valid.
      for (let i = x.length - 1; i >= y.length; i--) push({ op: 'remove', path: at + '/' + i });
      for (let i = x.length; i < y.length; i++) push({ op: 'add', path: at + '/' + i, value: y[i] });
      return;
    }
    push({ op: 'replace', path: at, value: y });
  };
  try {
    walk(a, b, '');
  } catch (e) {
    if (e instanceof TooMany) return null;
    throw e;
  }
  return ops;
}

/**
 * `ops` without the replaces that a later replace of the same run of
 * replaces overwrites (same path, or one above it): the same result in
 * fewer ops. Replaces change no structure, so within a run every path
 * points where it did at the run's start. A view that copies a big array
 * for every op it applies (svelte-jsoneditor does) then copies it once per
 * changed leaf, not once per change of that leaf.
 */
export function dropSuperseded(ops: PatchOp[]): PatchOp[] {
  // The index of the last replace of each path, per run of replaces.
  const lastAt = new Map<string, number>();
  const keep = new Array<boolean>(ops.length).fill(true);
  let dropped = false;
  let runStart = 0;
  const closeRun = (end: number) => {
    for (let i = runStart; i < end; i++) {
      const path = ops[i].path;
      // Itself and each pointer above it (`/a/b/c` → `/a/b/c`, `/a/b`, `/a`, ``).
      for (let p = path; ; p = p.slice(0, p.lastIndexOf('/'))) {
        const last = lastAt.get(p);
        if (last !== undefined && last > i) {
          keep[i] = false;
          dropped = true;
          break;
        }
        if (p === '') break;
      }
    }
    lastAt.clear();
  };
  ops.forEach((op, i) => {
    if (op.op === 'replace') {
      lastAt.set(op.path, i);
    } else {
      closeRun(i);
      runStart = i + 1;
    }
  });
  closeRun(ops.length);
  return dropped ? ops.filter((_, i) => keep[i]) : ops;
}
