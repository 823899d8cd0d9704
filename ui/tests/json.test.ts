import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../src/bindings/JsonValue';
import { exactJson, formatJson, indentJsonText, jsonEqual, jsonText, oneLine, parseJson, position, preview } from '../src/lib/json';

describe('parseJson', () => {
  it('parses what JSON.parse parses', () => {
    for (const t of ['null', '1', '-0.5e3', '"a\\"b\\u00e9"', '[1, [2, {}]]', '{"a": {"b": [true, false, null]}}', ' \n 7 \n']) {
      const r = parseJson(t);
      expect(r).toEqual({ ok: true, value: JSON.parse(t) });
    }
  });

  it('says the line and column of a missing comma', () => {
    const r = parseJson('{\n  "a": 1\n  "b": 2\n}');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([r.line, r.column]).toEqual([3, 3]);
    expect(r.message).toBe("line 3, column 3: expected ',' or '}' after a member, found '\"'");
  });

  it('explains trailing commas, single quotes, bare words and unclosed strings', () => {
    const msg = (t: string) => {
      const r = parseJson(t);
      return r.ok ? 'ok' : r.message;
    };
    expect(msg('[1, 2,]')).toMatch(/^line 1, column 7: .*no trailing commas/);
    expect(msg('{"a": 1,}')).toMatch(/column 9: .*no trailing commas/);
    expect(msg("{'a': 1}")).toMatch(/column 2: .*double quotes/);
    expect(msg('{"a": yes}')).toBe('line 1, column 7: expected a value, found yes (a string needs double quotes: "yes")');
    expect(msg('"abc')).toMatch(/column 1: the string does not end/);
    expect(msg('1 2')).toMatch(/column 3: expected the end/);
    expect(msg('[1')).toMatch(/found the end of the text/);
    expect(msg('01')).toMatch(/column 2: expected the end/);
    expect(msg('"\\x"')).toMatch(/unknown escape/);
  });

  it('rejects blank text unless told what it means', () => {
    expect(parseJson('  ').ok).toBe(false);
    expect(parseJson('  ', { empty: null })).toEqual({ ok: true, value: null });
    expect(parseJson('', { empty: [] })).toEqual({ ok: true, value: [] });
  });
});

describe('helpers', () => {
  it('position counts lines and columns from 1', () => {
    expect(position('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(position('ab', 0)).toEqual({ line: 1, column: 1 });
  });

  it('formats short values on one line without touching strings', () => {
    expect(oneLine({ a: [1, 'x,y:z'], b: null })).toBe('{"a": [1, "x,y:z"], "b": null}');
    expect(formatJson({ a: 1 })).toBe('{"a": 1}');
    expect(formatJson({ long: 'x'.repeat(80) })).toBe(JSON.stringify({ long: 'x'.repeat(80) }, null, 2));
    expect(JSON.parse(formatJson({ s: 'a, "b": c' }))).toEqual({ s: 'a, "b": c' });
  });

  it('previews cut long values', () => {
    expect(preview({ a: 1 })).toBe('{"a":1}');
    expect(preview('x'.repeat(100), 10)).toBe('"xxxxxxxx…');
  });

  it('compares JSON structurally', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
  });
});

describe('jsonText', () => {
  const values: JsonValue[] = [null, 1, 'a"b', [], {}, [1, [2, {}]], { a: { b: [1, 'x'], c: {} }, d: null }];
  it('prints as JSON.stringify when it fits', () => {
    for (const v of values) {
      expect(jsonText(v, 1000)).toEqual({ text: JSON.stringify(v), cut: false });
      expect(jsonText(v, 1000, 2)).toEqual({ text: JSON.stringify(v, null, 2), cut: false });
    }
  });

  it('stops after `max` characters of a big document', () => {
    const big = { items: Array.from({ length: 100_000 }, (_, i) => ({ id: i, name: `item-${i}` })) };
    const { text, cut } = jsonText(big, 100, 2);
    expect(cut).toBe(true);
    expect(JSON.stringify(big, null, 2).startsWith(text)).toBe(true);
    expect(text.length).toBeLessThan(200);
    expect(preview(big, 20)).toBe(JSON.stringify(big).slice(0, 19) + '…');
    const long = 'x'.repeat(1_000_000);
    expect(preview(long, 10)).toBe('"xxxxxxxx…');
  });
});

describe('indentJsonText', () => {
  it('indents as JSON.stringify(value, null, 2) does', () => {
    for (const t of ['null', ' 1 ', '"a\\"b{,:}"', '[]', '{ }', '[1,[2,{}],{"a":{"b":[true,false,null]}}]', '{"k\\\\":"v","e":[ ]}']) {
      expect(indentJsonText(t)).toBe(JSON.stringify(JSON.parse(t), null, 2));
    }
  });

  it('keeps numbers as written, where a double would round them', () => {
    const t = '{"big":123456789012345678901234567890,"negz":-0.0,"n":[9007199254740993, 1E400]}';
    expect(indentJsonText(t)).toBe(
      '{\n  "big": 123456789012345678901234567890,\n  "negz": -0.0,\n  "n": [\n    9007199254740993,\n    1E400\n  ]\n}',
    );
  });
});

describe('parseJson exact', () => {
  it('keeps a number a double would change as its text, and writes it back so', () => {
    const t = '{"big": 123456789012345678901234567890, "negz": -0, "odd": 9007199254740993, "f": 1.0, "n": 7, "s": "-0"}';
    const r = parseJson(t, { exact: true });
    if (!r.ok) throw new Error(r.message);
    expect((r.value as { n: JsonValue }).n).toBe(7);
    expect(oneLine(r.value)).toBe(t);
    expect(exactJson(r.value)).toBe(t.replace(/": /g, '":').replace(/, /g, ','));
    expect(formatJson(r.value)).toContain('"odd": 9007199254740993,');
    expect(formatJson(r.value)).toContain('"s": "-0"');
    expect(preview(r.value, 200)).toBe(exactJson(r.value));
    // Without `exact`, numbers are doubles as before.
    const plain = parseJson(t);
    expect(plain.ok && (plain.value as { odd: JsonValue }).odd).toBe(9007199254740992);
  });
});
