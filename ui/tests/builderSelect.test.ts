import { describe, expect, it } from 'vitest';
import { DEFAULT_GRID } from '../src/lib/builder/grid';
import { bandBox, bandSelection, isBand, touched } from '../src/lib/builder/select';
import { PATH_MIME, readPathDrag, sampleOf, startPathDrag, stepsIn } from '../src/lib/builder/pathDrag';
import { propose } from '../src/lib/builder/propose';

// Columns of 100 px, 8 px apart, from x = 16; rows of 48 px, from y = 116.
const box = { left: 0, top: 100, width: 12 * 100 + 11 * 8 + 32 };
const widgets = [
  { id: 'a', x: 0, y: 0, w: 2, h: 2 },
  { id: 'b', x: 3, y: 0, w: 2, h: 2 },
  { id: 'c', x: 0, y: 3, w: 4, h: 1 },
];

describe('rubber band', () => {
  it('is drawn either way from its start', () => {
    expect(bandBox(50, 60, 10, 100)).toEqual({ left: 10, top: 60, width: 40, height: 40 });
    expect(isBand(bandBox(5, 5, 7, 6))).toBe(false);
    expect(isBand(bandBox(5, 5, 5, 30))).toBe(true);
  });

  it('selects the widgets it touches, not those beside it', () => {
    // From the gap left of `b` down into row 3: `a` and `c`, not `b` (starts at x = 340).
    expect(touched(DEFAULT_GRID, box, widgets, bandBox(200, 150, 330, 300))).toEqual(['a', 'c']);
    // A band in the empty space right of everything touches nothing.
    expect(touched(DEFAULT_GRID, box, widgets, bandBox(900, 120, 1000, 400))).toEqual([]);
    // Touching an edge's pixel is enough.
    expect(touched(DEFAULT_GRID, box, widgets, bandBox(339, 110, 341, 120))).toEqual(['b']);
  });

  it('replaces the selection, or adds to it with Shift', () => {
    expect(bandSelection(['b'], ['a', 'c'], false)).toEqual(['a', 'c']);
    expect(bandSelection(['b', 'a'], ['a', 'c'], true)).toEqual(['b', 'a', 'c']);
  });
});

describe('a dragged state node', () => {
  it('carries a sample of its value: the first rows, a few levels', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ id: i, deep: { a: { b: { c: 1 } } } }));
    const s = sampleOf(rows) as { id: number; deep: object }[];
    expect(s).toHaveLength(5);
    expect(s[0]).toEqual({ id: 0, deep: { a: {} } });
    expect(sampleOf(42)).toBe(42);
    expect(sampleOf(null)).toBe(null);
  });

  it('round-trips through the drag data and proposes as from the full value', () => {
    const data = new Map<string, string>();
    const dataTransfer = { setData: (k: string, v: string) => data.set(k, v), effectAllowed: '' };
    const e = { dataTransfer, stopPropagation() {} } as unknown as DragEvent;
    const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, name: `n${i}`, on: i % 2 === 0 }));
    startPathDrag(e, ['plant', 'devices'], rows);
    expect(data.get('text/plain')).toBe('/plant/devices');
    const node = readPathDrag(data.get(PATH_MIME)!);
    expect(node?.path).toEqual(['plant', 'devices']);
    expect(propose(node!.path, node!.value)[0].widget).toEqual(propose(['plant', 'devices'], rows)[0].widget);
  });

  it('refuses what is not a node payload', () => {
    expect(readPathDrag('')).toBeNull();
    expect(readPathDrag('not json')).toBeNull();
    expect(readPathDrag('["a"]')).toBeNull();
    expect(readPathDrag('{"path": [{"x": 1}]}')).toBeNull();
    expect(readPathDrag('{"path": ["a", -1]}')).toBeNull();
    expect(readPathDrag('{"path": ["a", 0]}')).toEqual({ path: ['a', 0] });
  });

  it('reads a pointer as the steps of its state: array indexes as numbers', () => {
    const state = { devices: [{ '0': 'key' }], 'a/b': { '1': true } };
    expect(stepsIn(state, '/devices/0/0')).toEqual(['devices', 0, '0']);
    expect(stepsIn(state, '/a~1b/1')).toEqual(['a/b', '1']);
    expect(stepsIn(state, '')).toEqual([]);
    expect(stepsIn(undefined, '/x/3')).toEqual(['x', '3']);
  });
});
