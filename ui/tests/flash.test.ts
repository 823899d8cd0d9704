import { describe, expect, it } from 'vitest';
import { FlashSet } from '../src/lib/flash';
import { applyPatch, touchedPaths, type Json } from '../src/lib/patch';
import { parseUserPath } from '../src/components/state/diff';
import { jsonEqual } from '../src/lib/json';
import { diffJson } from '../src/lib/patch';
import { jsonSize } from '../src/lib/jsonSize';

describe('FlashSet', () => {
  it('flashes a touched node and what is under it, not its parents or siblings', () => {
    const f = new FlashSet(1000);
    f.mark(['/plant/pumps/0'], 0);
    expect(f.isFlashing(['plant', 'pumps', 0], 10)).toBe(true);
    expect(f.isFlashing(['plant', 'pumps', 0, 'running'], 10)).toBe(true);
    expect(f.isFlashing('/plant/pumps/0/flow', 10)).toBe(true);
    expect(f.isFlashing(['plant', 'pumps'], 10)).toBe(false);
    expect(f.isFlashing(['plant', 'pumps', 1], 10)).toBe(false);
    expect(f.isFlashing(['plant', 'pumps', 10], 10)).toBe(false);
    expect(f.isFlashing([], 10)).toBe(false);
  });

  it('the root mark flashes everything', () => {
    const f = new FlashSet(1000);
    f.mark([''], 0);
    expect(f.isFlashing([], 1)).toBe(true);
    expect(f.isFlashing(['a', 'b'], 1)).toBe(true);
  });

  it('escapes keys with / and ~ as pointers do', () => {
    const f = new FlashSet(1000);
    f.mark(['/a~1b'], 0);
    expect(f.isFlashing(['a/b'], 1)).toBe(true);
    expect(f.isFlashing(['a'], 1)).toBe(false);
  });

  it('expires, prunes and re-marks', () => {
    const f = new FlashSet(1000);
    expect(f.nextExpiry()).toBeNull();
    f.mark(['/a'], 0);
    f.mark(['/b'], 500);
    expect(f.nextExpiry()).toBe(1000);
    expect(f.isFlashing(['a'], 1000)).toBe(false);
    expect(f.isFlashing(['b'], 1000)).toBe(true);
    expect(f.prune(1000)).toBe(true);
    expect(f.size).toBe(1);
    expect(f.nextExpiry()).toBe(1500);
    f.mark(['/b'], 1400);
    expect(f.isFlashing(['b'], 2000)).toBe(true);
    expect(f.prune(2000)).toBe(false);
    expect(f.prune(2400)).toBe(true);
    expect(f.size).toBe(0);
  });

  it('says when a mark is new, not when a flashing path changes again', () => {
    const f = new FlashSet(1000);
    expect(f.mark(['/a'], 0)).toBe(true);
    expect(f.mark(['/a'], 10)).toBe(false);
    expect(f.mark(['/a', '/b'], 20)).toBe(true);
    expect(f.mark(['/a'], 2000)).toBe(true);
    expect(f.mark([], 3000)).toBe(false);
  });

  it('takes touchedPaths of a model diff under /state', () => {
    const f = new FlashSet(1000);
    const ops = [
      { op: 'replace' as const, path: '/state/plant/pumps/1/running', value: true },
      { op: 'replace' as const, path: '/history/undo', value: 3 },
    ];
    f.mark(touchedPaths(ops, '/state'), 0);
    expect(f.isFlashing(['plant', 'pumps', 1, 'running'], 1)).toBe(true);
    expect(f.isFlashing(['history'], 1)).toBe(false);
    expect(f.size).toBe(1);
  });
});

describe('diffJson', () => {
  const cases: [string, Json, Json][] = [
    ['equal', { a: 1, b: [1, 2] }, { a: 1, b: [1, 2] }],
    ['scalar change', { a: 1 }, { a: 2 }],
    ['added and removed members', { a: 1, b: 2 }, { b: 2, c: { d: null } }],
    ['array grows', [1, 2], [1, 2, 3, { x: 1 }]],
    ['array shrinks', [1, 2, 3, 4], [1, 5]],
    ['type changes', { a: [1] }, { a: { 0: 1 } }],
    ['root replaced', { a: 1 }, 'text'],
    ['null to object', null, { a: 1 }],
    ['nested', { p: { pumps: [{ r: true }, { r: false }] } }, { p: { pumps: [{ r: true }, { r: true, f: 1 }] } }],
    ['keys with / and ~', { 'a/b': 1, 'c~d': 2 }, { 'a/b': 3 }],
  ];
  for (const [name, a, b] of cases) {
    it(`turns a into b: ${name}`, () => {
      const ops = diffJson(a, b);
      expect(applyPatch(a, ops)).toEqual(b);
      if (jsonEqual(a, b)) expect(ops).toEqual([]);
    });
  }

  it('is minimal for a single change', () => {
    expect(diffJson({ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } })).toEqual([{ op: 'replace', path: '/a/c', value: 3 }]);
  });

  it('gives up past maxOps', () => {
    const a = { l: [1, 2, 3, 4] };
    expect(diffJson(a, { l: [0, 0, 0, 0] }, 3)).toBeNull();
    expect(diffJson(a, { l: [0, 2, 3, 4] }, 3)).toEqual([{ op: 'replace', path: '/l/0', value: 0 }]);
  });

  it('finds the change between two copies of a big document that share nothing', () => {
    const make = () => ({ items: Array.from({ length: 20_000 }, (_, i) => ({ id: i, tags: ['a'] })) });
    const b = make();
    b.items[12_345].tags.push('b');
    expect(diffJson(make(), b, 10)).toEqual([{ op: 'add', path: '/items/12345/tags/1', value: 'b' }]);
  });
});

describe('parseUserPath and jsonSize', () => {
  it('parses arrays, pointers and dotted paths', () => {
    expect(parseUserPath('')).toEqual([]);
    expect(parseUserPath('["plant", "pumps", 0]')).toEqual(['plant', 'pumps', 0]);
    expect(parseUserPath('/plant/pumps/0/running')).toEqual(['plant', 'pumps', 0, 'running']);
    expect(parseUserPath('plant.pumps.1')).toEqual(['plant', 'pumps', 1]);
    expect(parseUserPath('/a~1b')).toEqual(['a/b']);
    expect(() => parseUserPath('[1, {}]')).toThrow();
    expect(() => parseUserPath('a..b')).toThrow();
  });

  // `/byId/2/status` on an object keyed by ids was read as the index 2 and
  // the engine replaced the object with [null, null, {…}] (U1); `/devices/-`
  // made {"-": …} of the array (U3).
  it('reads digits against the document: an object member, an array index; - appends', () => {
    const doc = { byId: { '1': { s: 'ok' }, '2': { s: 'ok' } }, devices: [{ id: 1 }, { id: 2 }], level: { value: 1 } };
    expect(parseUserPath('/byId/2/status', doc)).toEqual(['byId', '2', 'status']);
    expect(parseUserPath('byId.1.s', doc)).toEqual(['byId', '1', 's']);
    expect(parseUserPath('/level/0', doc)).toEqual(['level', '0']);
    expect(parseUserPath('/devices/1/id', doc)).toEqual(['devices', 1, 'id']);
    expect(parseUserPath('/devices/-', doc)).toEqual(['devices', 2]);
    // Nothing there yet: an index, as before (the engine makes an array).
    expect(parseUserPath('/fresh/0', doc)).toEqual(['fresh', 0]);
    expect(parseUserPath('/byId/3/s', doc)).toEqual(['byId', '3', 's']);
    // The array form is taken as written.
    expect(parseUserPath('["byId", 2]', doc)).toEqual(['byId', 2]);
  });

  it('counts UTF-8 bytes', () => {
    expect(jsonSize({ a: 'é' })).toBe(10);
    expect(jsonSize(null)).toBe(4);
  });
});
