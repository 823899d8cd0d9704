// JSON text as the user types it: parsing with messages that say where the
// text goes wrong (line and column, the same in every browser, unlike
// `JSON.parse`'s messages), and short previews of values for lists.

import type { JsonValue } from '../bindings/JsonValue';

export type JsonParse =
  | { ok: true; value: JsonValue }
  | { ok: false; message: string; offset: number; line: number; column: number };

export interface ParseOptions {
  /** Blank text parses as this value instead of being an error. */
  empty?: JsonValue;
  /**
   * A number that a double would change (an integer past 2^53, `-0`, `1.0`)
   * parses as the string `EXACT_NUMBER` + its text, which `formatJson`,
   * `oneLine` and `exactJson` write back as the number: for text that goes
   * back to the engine (whose parser keeps it) through an edited value.
   */
  exact?: boolean;
}

/** The prefix of a number kept as text (`ParseOptions.exact`). */
export const EXACT_NUMBER = '\u0000json-number:';

/** JSON.stringify's text with the numbers kept as text written as numbers. */
function unexact(text: string): string {
  return text.replace(/"\\u0000json-number:(-?[0-9][0-9.eE+-]*)"/g, '$1');
}

/** `JSON.stringify(value, null, indent)`, numbers kept as text written as they were. */
export function exactJson(value: JsonValue, indent?: number): string {
  return unexact(JSON.stringify(value, null, indent));
}

class Failure extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Line and column (both from 1) of `offset` in `text`. */
export function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

function describe(ch: string | undefined): string {
  if (ch === undefined) return 'the end of the text';
  if (ch === '\n') return 'a line break';
  if (ch === "'") return "' (JSON strings take double quotes)";
  return `'${ch}'`;
}

class Parser {
  i = 0;
  constructor(
    readonly s: string,
    readonly exact = false,
  ) {}

  fail(what: string, at = this.i): never {
    throw new Failure(`${what}, found ${describe(this.s[at])}`, at);
  }

  ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i])) this.i++;
  }

  value(): JsonValue {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    if (c !== undefined && /[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][\w.$-]*/.exec(this.s.slice(this.i))![0];
      throw new Failure(`expected a value, found ${word} (a string needs double quotes: "${word}")`, this.i);
    }
    return this.fail('expected a value');
  }

  object(): JsonValue {
    this.i++;
    const out: { [k: string]: JsonValue } = {};
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') {
        if (this.s[this.i] === '}') this.fail('expected a member name after the comma (no trailing commas in JSON)');
        this.fail('expected a member name in double quotes');
      }
      const key = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail(`expected ':' after "${key}"`);
      this.i++;
      out[key] = this.value();
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === '}') {
        this.i++;
        return out;
      }
      this.fail("expected ',' or '}' after a member");
    }
  }

  array(): JsonValue {
    this.i++;
    const out: JsonValue[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] === ']') this.fail('expected a value after the comma (no trailing commas in JSON)');
      out.push(this.value());
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === ']') {
        this.i++;
        return out;
      }
      this.fail("expected ',' or ']' after an element");
    }
  }

  string(): string {
    const start = this.i;
    this.i++;
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) throw new Failure('the string does not end: a closing " is missing', start);
      if (c === '"') {
        this.i++;
        return JSON.parse(this.s.slice(start, this.i));
      }
      if (c === '\\') {
        const e = this.s[this.i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) this.fail('expected 4 hex digits after \\u', this.i);
          this.i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          this.i += 2;
        } else {
          this.fail('unknown escape in a string', this.i + 1);
        }
        continue;
      }
      if (c < ' ') this.fail('a control character in a string (write \\n for a line break)');
      this.i++;
    }
  }

  number(): number | string {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i));
    if (!m) this.fail('expected a number');
    this.i += m[0].length;
    const n = Number(m[0]);
    return this.exact && JSON.stringify(n) !== m[0] ? EXACT_NUMBER + m[0] : n;
  }
}

/** Parses JSON text; on failure says what and where (line, column from 1). */
export function parseJson(text: string, options: ParseOptions = {}): JsonParse {
  if (options.empty !== undefined && text.trim() === '') return { ok: true, value: options.empty };
  const p = new Parser(text, options.exact);
  try {
    if (text.trim() === '') throw new Failure('empty: write a JSON value (null, 1, "text", [..], {..})', 0);
    const value = p.value();
    p.ws();
    if (p.i < text.length) p.fail('expected the end after the value (one JSON value only)');
    return { ok: true, value };
  } catch (e) {
    if (!(e instanceof Failure)) throw e;
    const { line, column } = position(text, e.offset);
    return { ok: false, message: `line ${line}, column ${column}: ${e.message}`, offset: e.offset, line, column };
  }
}

/** JSON text for an editor: scalars and short values on one line, others indented. */
export function formatJson(value: JsonValue | undefined, width = 60): string {
  if (value === undefined) return '';
  const line = oneLine(value);
  return line.length <= width ? line : exactJson(value, 2);
}

/** JSON on one line with a space after commas and colons. */
export function oneLine(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(oneLine).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${oneLine(v)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'string' && value.startsWith(EXACT_NUMBER)) return value.slice(EXACT_NUMBER.length);
  return JSON.stringify(value);
}

const CUT = Symbol('cut');

/**
 * The JSON text of `value` (compact, or indented by `indent` spaces as
 * `JSON.stringify(value, null, indent)` writes it), or its first `max`
 * characters and a bit more when it is longer: it stops printing there, so
 * a preview of a 10 MB document costs what the preview shows.
 */
export function jsonText(value: JsonValue, max: number, indent = 0): { text: string; cut: boolean } {
  const out: string[] = [];
  let len = 0;
  const write = (s: string) => {
    out.push(s);
    len += s.length;
    if (len > max) throw CUT;
  };
  const scalar = (v: JsonValue) => {
    // A number kept as text (`ParseOptions.exact`) is shown as the number.
    if (typeof v === 'string' && v.startsWith(EXACT_NUMBER)) write(v.slice(EXACT_NUMBER.length));
    // A long string is cut before it is escaped: escaping only lengthens it.
    else if (typeof v === 'string' && v.length > max) write(JSON.stringify(v.slice(0, max + 1)).slice(0, -1));
    else write(JSON.stringify(v) ?? 'null');
  };
  const walk = (v: JsonValue, depth: number) => {
    if (v === null || typeof v !== 'object') return scalar(v);
    const pad = indent ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
    const end = indent ? '\n' + ' '.repeat(indent * depth) : '';
    const colon = indent ? ': ' : ':';
    if (Array.isArray(v)) {
      if (v.length === 0) return write('[]');
      write('[');
      v.forEach((x, i) => {
        write((i ? ',' : '') + pad);
        walk(x === undefined ? null : x, depth + 1);
      });
      return write(end + ']');
    }
    let first = true;
    write('{');
    for (const k in v) {
      const x = v[k];
      if (x === undefined) continue;
      write((first ? '' : ',') + pad + JSON.stringify(k) + colon);
      first = false;
      walk(x, depth + 1);
    }
    write(first ? '}' : end + '}');
  };
  try {
    walk(value, 0);
    return { text: out.join(''), cut: false };
  } catch (e) {
    if (e !== CUT) throw e;
    return { text: out.join(''), cut: true };
  }
}

/** One-line preview of a value, cut at `max` characters. */
export function preview(value: JsonValue | undefined, max = 80): string {
  if (value === undefined) return '';
  const { text } = jsonText(value, max);
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** Structural equality of JSON values (member order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as any)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as any)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as any)[k], (b as any)[k]));
}

/**
 * Valid JSON text indented as `JSON.stringify(value, null, 2)` would, with
 * every number, string and literal kept as written: going through a value
 * would turn `123456789012345678901234567890` into `1.2345678901234568e+29`
 * and `-0` into `0`. Text that is not JSON comes out mangled: check first.
 */
export function indentJsonText(text: string): string {
  let out = '';
  let depth = 0;
  const newline = () => '\n' + '  '.repeat(depth);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === '{' || c === '[') {
      let j = i + 1;
      while (j < text.length && ' \t\n\r'.includes(text[j])) j++;
      if (text[j] === (c === '{' ? '}' : ']')) {
        out += c + text[j];
        i = j;
      } else {
        depth++;
        out += c + newline();
      }
    } else if (c === '}' || c === ']') {
      depth--;
      out += newline() + c;
    } else if (c === ',') {
      out += ',' + newline();
    } else if (c === ':') {
      out += ': ';
    } else if (!' \t\n\r'.includes(c)) {
      out += c;
    }
  }
  return out;
}
