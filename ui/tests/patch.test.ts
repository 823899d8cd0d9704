import { describe, expect, it } from 'vitest';
import { applyPatch, dropSuperseded, parsePointer, toPointer, touchedPaths, PatchError, type Json } from '../src/lib/patch';

describe('applyPatch', () => {
  it('builds a document from null as juggler does', () => {
    const doc = applyPatch(null, [{ op: 'replace', path: '', value: { a: [1, 2] } }]);
    expect(doc).toEqual({ a: [1, 2] });
  });

  it('applies operations in order, indices as earlier ops left the array', () => {
    const doc = applyPatch({ a: [1, 2, 3] }, [
      { op: 'remove', path: '/a/0' },
      { op: 'add', path: '/a/1', value: 9 },
      { op: 'add', path: '/a/-', value: 10 },
      { op: 'replace', path: '/a/0', value: 7 },
    ]);
    expect(doc).toEqual({ a: [7, 9, 3, 10] });
  });

  it('does not mutate the input and shares untouched branches', () => {
    const before = { a: { x: 1 }, b: { y: [1] } } as Json;
    const frozen = JSON.stringify(before);
    const after = applyPatch(before, [{ op: 'replace', path: '/a/x', value: 2 }]) as any;
    expect(JSON.stringify(before)).toBe(frozen);
    expect(after.b).toBe((before as any).b);
    expect(after.a).not.toBe((before as any).a);
  });

  it('copies a container once per call, however many ops edit it', () => {
    const items = Array.from({ length: 5 }, (_, i) => ({ n: i }));
    const before = { items, other: { x: 1 } } as Json;
    const frozen = JSON.stringify(before);
    let slices = 0;
    const slice = Array.prototype.slice;
    Array.prototype.slice = function (this: unknown[], ...args: []) {
      if (this === items || (this as unknown[]).length === 5) slices += 1;
      return slice.apply(this, args);
    };
    let after: any;
    try {
      after = applyPatch(before, [
        { op: 'replace', path: '/items/1/n', value: 10 },
        { op: 'replace', path: '/items/3/n', value: 30 },
        { op: 'add', path: '/items/-', value: { n: 5 } },
        { op: 'remove', path: '/items/0' },
      ]);
    } finally {
      Array.prototype.slice = slice;
    }
    expect(slices).toBe(1);
    expect(after).toEqual({ items: [{ n: 10 }, { n: 2 }, { n: 30 }, { n: 4 }, { n: 5 }], other: { x: 1 } });
    expect(JSON.stringify(before)).toBe(frozen);
    expect(after.other).toBe((before as any).other);
    expect(after.items[1]).toBe(items[2]);
  });

  it('never edits a value that came in an op', () => {
    const value = { a: { b: 1 } } as Json;
    const ops = [
      { op: 'add' as const, path: '/v', value },
      { op: 'replace' as const, path: '/v/a/b', value: 2 },
    ];
    const after = applyPatch({}, ops) as any;
    expect(after.v.a.b).toBe(2);
    expect(value).toEqual({ a: { b: 1 } });
  });

  it('a copied subtree edited afterwards changes only where the edit was', () => {
    const after = applyPatch({ a: { x: [1] } }, [
      { op: 'replace', path: '/a/x/0', value: 2 },
      { op: 'copy', from: '/a', path: '/b' },
      { op: 'replace', path: '/b/x/0', value: 3 },
    ]) as any;
    expect(after).toEqual({ a: { x: [2] }, b: { x: [3] } });
  });

  it('a failed op leaves the input as it was, even after ops that edited copies in place', () => {
    const before = { a: [1, 2], b: { c: 1 } } as Json;
    const frozen = JSON.stringify(before);
    expect(() =>
      applyPatch(before, [
        { op: 'replace', path: '/a/0', value: 9 },
        { op: 'replace', path: '/a/1', value: 8 },
        { op: 'remove', path: '/b/missing' },
      ]),
    ).toThrow(PatchError);
    expect(JSON.stringify(before)).toBe(frozen);
  });

  it('unescapes ~0 and ~1', () => {
    expect(parsePointer('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
    expect(toPointer(['a/b', 'c~d', 3])).toBe('/a~1b/c~0d/3');
    expect(applyPatch({}, [{ op: 'add', path: '/a~1b', value: 1 }])).toEqual({ 'a/b': 1 });
  });

  it('rejects a patch that does not apply', () => {
    expect(() => applyPatch({ a: 1 }, [{ op: 'remove', path: '/b' }])).toThrow(PatchError);
    expect(() => applyPatch([1], [{ op: 'replace', path: '/5', value: 0 }])).toThrow(PatchError);
    expect(() => applyPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(/test failed/);
  });

  it('moves and copies', () => {
    expect(applyPatch({ a: 1, b: {} }, [{ op: 'move', from: '/a', path: '/b/c' }])).toEqual({ b: { c: 1 } });
    expect(applyPatch({ a: [1] }, [{ op: 'copy', from: '/a', path: '/b' }])).toEqual({ a: [1], b: [1] });
  });

  it('removing the root leaves null', () => {
    expect(applyPatch({ a: 1 }, [{ op: 'remove', path: '' }])).toBeNull();
  });
});

describe('touchedPaths', () => {
  it('reports paths under a prefix relative to it', () => {
    const ops = [
      { op: 'replace' as const, path: '/state/pumps/0/running', value: true },
      { op: 'add' as const, path: '/connections/3', value: {} },
      { op: 'replace' as const, path: '', value: {} },
    ];
    expect(touchedPaths(ops, '/state')).toEqual(['/pumps/0/running', '']);
    expect(touchedPaths(ops)).toEqual(['/state/pumps/0/running', '/connections/3', '']);
  });
});

describe('dropSuperseded', () => {
  const r = (path: string, value: Json) => ({ op: 'replace' as const, path, value });

  it('keeps only the last replace of a path, and drops replaces under a later one above them', () => {
    const ops = [r('/items/3/name', 'a'), r('/items/4/name', 'b'), r('/items/3/name', 'c'), r('/items/4', { name: 'd' })];
    expect(dropSuperseded(ops)).toEqual([r('/items/3/name', 'c'), r('/items/4', { name: 'd' })]);
  });

  it('does not look across an op that changes structure', () => {
    const ops = [r('/a/0', 1), { op: 'remove' as const, path: '/a/0' }, r('/a/0', 2)];
    expect(dropSuperseded(ops)).toEqual(ops);
  });

  it('a later replace below does not supersede an earlier one above', () => {
    const ops = [r('/a', { b: 1, c: 1 }), r('/a/b', 2)];
    expect(dropSuperseded(ops)).toBe(ops);
  });

  it('gives the same document as the ops it was given', () => {
    const doc = { a: { b: [1, 2, 3], c: 'x' }, d: 0 } as Json;
    const ops = [
      r('/a/b/1', 5),
      r('/d', 1),
      r('/a/b/1', 6),
      { op: 'add' as const, path: '/a/b/-', value: 4 },
      r('/a/c', 'y'),
      r('/a', { b: [], c: 'z' }),
      r('/d', 2),
    ];
    const fewer = dropSuperseded(ops);
    expect(fewer.length).toBe(5);
    expect(applyPatch(doc, fewer)).toEqual(applyPatch(doc, ops));
  });

  it('handles the root and escaped tokens', () => {
    const ops = [r('/a~1b/c', 1), r('/a~1b', { c: 2 }), r('', { x: 1 })];
    expect(dropSuperseded(ops)).toEqual([r('', { x: 1 })]);
  });
});
