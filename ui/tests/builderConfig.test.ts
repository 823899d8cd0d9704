import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../src/bindings/JsonValue';
import type { TrendSeries } from '../src/bindings/TrendSeries';
import {
  addLampColor,
  addSeries,
  addThreshold,
  columnKeys,
  isNumberAt,
  lampValueText,
  moveAt,
  numberPaths,
  parseLampValue,
  removeAt,
  replaceAt,
  setColumn,
  sortThresholds,
  withThresholdsSorted,
  toggleColumn,
  MAX_SERIES,
} from '../src/lib/builder/config';

describe('list edits', () => {
  it('replace, remove and move items without changing the list', () => {
    const list = ['a', 'b', 'c'];
    expect(replaceAt(list, 1, 'x')).toEqual(['a', 'x', 'c']);
    expect(removeAt(list, 0)).toEqual(['b', 'c']);
    expect(moveAt(list, 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moveAt(list, 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveAt(list, 0, -1)).toBe(list);
    expect(moveAt(list, 2, 5)).toBe(list);
    expect(list).toEqual(['a', 'b', 'c']);
  });
});

describe('thresholds', () => {
  it('are added up the scale and kept ascending', () => {
    const one = addThreshold([], 0, 200);
    expect(one).toEqual([{ from: 150, color: '#d97706' }]);
    const two = addThreshold(one, 0, 200);
    expect(two.map((t) => t.from)).toEqual([150, 170]);
    // Never above the scale's top.
    expect(addThreshold([{ from: 195, color: 'red' }], 0, 200).map((t) => t.from)).toEqual([195, 200]);
    expect(sortThresholds([{ from: 9, color: 'a' }, { from: 1, color: 'b' }]).map((t) => t.from)).toEqual([1, 9]);
  });

  it('are put in order for saving, not while edited', () => {
    const gauge = (from: number[]) => ({ id: 'g', type: 'gauge' as const, path: '/a', min: 0, max: 100, x: 0, y: 0, w: 3, h: 3, thresholds: from.map((f) => ({ from: f, color: 'red' })) });
    const d = { version: 1, title: 't', widgets: [gauge([10, 50]), { id: 't', type: 'text' as const, text: 'x', x: 0, y: 3, w: 1, h: 1 }] };
    expect(withThresholdsSorted(d)).toBe(d);
    const edited = { ...d, widgets: [gauge([60, 50]), d.widgets[1]] };
    const sorted = withThresholdsSorted(edited);
    expect(sorted.widgets[0]).toMatchObject({ thresholds: [{ from: 50 }, { from: 60 }] });
    expect(sorted.widgets[1]).toBe(d.widgets[1]);
    expect(edited.widgets[0]).toMatchObject({ thresholds: [{ from: 60 }, { from: 50 }] });
  });

  it('keep numbers clean', () => {
    expect(addThreshold([{ from: 0.2, color: 'x' }], 0, 1).map((t) => t.from)).toEqual([0.2, 0.3]);
  });
});

describe("a lamp's colours", () => {
  it('read what is typed as JSON, else as text, and show it back the same', () => {
    for (const [text, value] of [['true', true], ['3', 3], ['on', 'on'], ['"3"', '3'], ['null', null], ['"on"', 'on']] as const) {
      expect(parseLampValue(text)).toEqual(value);
    }
    for (const v of [true, 3, 'on', '3', 'true', null, 'a b', { a: 1 }]) {
      expect(parseLampValue(lampValueText(v))).toEqual(v);
    }
    expect(lampValueText('on')).toBe('on');
    expect(lampValueText('3')).toBe('"3"');
  });

  it('start from on and off for a boolean, from the current value else', () => {
    const a = addLampColor([], true);
    expect(a).toEqual([{ value: true, color: '#16a34a', label: 'on' }]);
    expect(addLampColor(a, true)[1]).toMatchObject({ value: false, label: 'off' });
    expect(addLampColor([], 'fault')[0].value).toBe('fault');
    // The current value already mapped: a new placeholder value.
    const f = addLampColor([], 'fault');
    expect(addLampColor(f, 'fault')[1].value).toBe('value 2');
  });
});

describe("a table's columns", () => {
  const rows: JsonValue = [{ id: 1, name: 'a' }, { id: 2, status: 'ok' }];

  it('offer the columns, then the first rows’ keys', () => {
    expect(columnKeys([{ key: 'status' }, { key: 'gone' }], rows)).toEqual(['status', 'gone', 'id', 'name']);
    expect(columnKeys([], 'not rows')).toEqual([]);
  });

  it('are shown and hidden by key, added at the end', () => {
    const cols = toggleColumn([{ key: 'id' }], 'name', true);
    expect(cols).toEqual([{ key: 'id' }, { key: 'name' }]);
    expect(toggleColumn(cols, 'name', true)).toBe(cols);
    expect(toggleColumn(cols, 'id', false)).toEqual([{ key: 'name' }]);
  });

  it('drop a member set to its default', () => {
    const c = setColumn({ key: 'v' }, 'label', 'Value');
    expect(c).toEqual({ key: 'v', label: 'Value' });
    expect(setColumn(c, 'label', '')).toEqual({ key: 'v' });
    expect(setColumn(c, 'format', 'number')).toEqual({ key: 'v', label: 'Value', format: 'number' });
    expect(setColumn({ key: 'v', format: 'number' }, 'format', 'auto')).toEqual({ key: 'v' });
  });
});

describe("a trend's series", () => {
  const state = { level: { value: 42.5, name: 'x' }, pumps: [{ rpm: 1 }, { rpm: 2 }], 'a/b': 3 };

  it('are offered the numbers of the state', () => {
    expect(numberPaths(state)).toEqual(['/level/value', '/pumps/0/rpm', '/pumps/1/rpm', '/a~1b']);
    expect(numberPaths(state, 2)).toHaveLength(2);
    expect(isNumberAt(state, '/pumps/1/rpm')).toBe(true);
    expect(isNumberAt(state, '/level/name')).toBe(false);
    expect(isNumberAt(state, 'level')).toBe(false);
  });

  it('add the first number not shown yet, up to eight', () => {
    const one = addSeries([{ path: '/level/value' }], state);
    expect(one[1]).toMatchObject({ path: '/pumps/0/rpm' });
    expect(one[1].color).toMatch(/^#/);
    let many: TrendSeries[] = [{ path: '/x' }];
    for (let i = 0; i < 10; i++) many = addSeries(many, state);
    expect(many).toHaveLength(MAX_SERIES);
  });
});
