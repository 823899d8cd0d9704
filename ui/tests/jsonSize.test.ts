import { describe, expect, it } from 'vitest';
import { countNodes, isEmptyJson, jsonSize, sizeAfter, utf8Length } from '../src/lib/jsonSize';
import { applyPatch, type Json, type PatchOp } from '../src/lib/patch';

const bytes = (v: Json) => new TextEncoder().encode(JSON.stringify(v)).length;

describe('utf8Length', () => {
  it('counts as TextEncoder does', () => {
    for (const s of ['', 'abc', 'é', '€uro', '😀 x', '\u0000"\\\n', 'a\ud800b']) {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }
  });
});

describe('sizeAfter', () => {
  const cases: [string, Json, PatchOp[]][] = [
    ['replace a leaf', { a: 'x', b: [1, 2] }, [{ op: 'replace', path: '/a', value: 'longer é' }]],
    ['add a member', { a: 1 }, [{ op: 'add', path: '/b', value: { c: [1] } }]],
    ['add to an empty object', {}, [{ op: 'add', path: '/k', value: 1 }]],
    ['add over a member', { a: 1, b: 2 }, [{ op: 'add', path: '/a', value: 'x' }]],
    ['add to arrays', { l: [], m: [1] }, [{ op: 'add', path: '/l/0', value: 5 }, { op: 'add', path: '/m/-', value: 'y' }]],
    ['remove', { a: 1, b: 2, l: [1, 2], m: [1], o: { only: 1 } }, [
      { op: 'remove', path: '/a' },
      { op: 'remove', path: '/l/0' },
      { op: 'remove', path: '/m/0' },
      { op: 'remove', path: '/o/only' },
    ]],
    ['move and copy', { a: { x: 1 }, b: [] }, [{ op: 'move', from: '/a/x', path: '/b/0' }, { op: 'copy', from: '/b', path: '/c' }]],
    ['keys that need escaping', { 'a"b': 1 }, [{ op: 'add', path: '/ü~1', value: null }]],
    ['ops that see the earlier ones', { l: [1] }, [{ op: 'add', path: '/l/-', value: 2 }, { op: 'remove', path: '/l/0' }, { op: 'replace', path: '/l/0', value: 33 }]],
  ];
  for (const [name, doc, ops] of cases) {
    it(name, () => {
      expect(sizeAfter(bytes(doc), doc, ops)).toBe(bytes(applyPatch(doc, ops)));
    });
  }

  it('agrees with a full print over many random leaf changes', () => {
    let doc: Json = { items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `n${i}`, tags: ['a'] })) };
    let size = jsonSize(doc);
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let step = 0; step < 300; step++) {
      const i = rnd(50);
      const ops: PatchOp[] = [
        [{ op: 'replace', path: `/items/${i}/name`, value: 'é'.repeat(rnd(5)) }],
        [{ op: 'add', path: `/items/${i}/tags/-`, value: rnd(1000) }],
        [{ op: 'add', path: `/items/${i}/extra${rnd(3)}`, value: { x: rnd(9) } }],
      ][rnd(3)] as PatchOp[];
      size = sizeAfter(size, doc, ops)!;
      doc = applyPatch(doc, ops);
      expect(size).toBe(bytes(doc));
    }
  });

  it('cannot tell when the whole document is replaced', () => {
    expect(sizeAfter(4, null, [{ op: 'replace', path: '', value: { a: 1 } }])).toBeNull();
  });

  it('tells empty documents without listing members', () => {
    expect(([null, {}, [], { a: 1 }, [0], 0, ''] as Json[]).map((v) => isEmptyJson(v))).toEqual([true, true, true, false, false, false, false]);
  });
});

describe('countNodes', () => {
  it('counts values, and stops at the limit', () => {
    expect(countNodes(1, 10)).toBe(1);
    expect(countNodes({ a: [1, 2], b: { c: null } }, 100)).toBe(6);
    const big = { items: Array.from({ length: 100_000 }, (_, i) => ({ i })) };
    expect(countNodes(big, 500)).toBe(500);
  });
});
