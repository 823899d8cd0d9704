// The State pane's helpers: the parsing of a path the user typed, and sizes
// for people. (The JSON diff is `diffJson` in lib/patch.ts.)

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
