import { describe, expect, it } from 'vitest';
import { applyPatch, parsePointer, toPointer, touchedPaths, PatchError, type Json } from '../src/lib/patch';

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
