// The State pane's helpers: the parsing of a path the user typed, and sizes
// for people. (The JSON diff is `diffJson` in lib/patch.ts.)

/**
 * A path as typed: a JSON array (`["plant", "pumps", 0]`), a JSON pointer
 * (`/plant/pumps/0`) or dotted (`plant.pumps.0`). Empty is the whole
 * document. In the last two a step is read against `doc` as a JSON Pointer
 * reader expects: digits name an element of an array but a member of an
 * object (`/byId/2` on `{"byId": {"2": …}}` is the key "2": as a number
 * the engine, like the reference's juggler paths, replaced the object with
 * an array), and `-` on an array is its end (append). Where `doc` has
 * nothing yet, digits are an index (the engine makes an array there).
 */
export function parseUserPath(text: string, doc?: unknown): (string | number)[] {
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
  let node: unknown = doc;
  return tokens.map((s) => {
    let step: string | number;
    if (Array.isArray(node)) {
      step = s === '-' ? node.length : /^(0|[1-9]\d*)$/.test(s) ? Number(s) : s;
      node = typeof step === 'number' ? node[step] : undefined;
    } else if (node !== null && typeof node === 'object') {
      step = s;
      node = (node as Record<string, unknown>)[s];
    } else {
      step = /^(0|[1-9]\d*)$/.test(s) ? Number(s) : s;
      node = undefined;
    }
    return step;
  });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
