import { describe, expect, it } from 'vitest';
import type { Dashboard } from '../src/bindings/Dashboard';
import { History, addWidget, copyWidgets, moveWidgets, pasteWidgets, removeWidgets, resizeWidget } from '../src/lib/builder/edit';
import { DEFAULT_GRID, clamp, columnWidth, fitSize, freePlace, toCell, toCells, toPixels } from '../src/lib/builder/grid';
import { PALETTE, boundPaths, fittingKinds, isUnbound, make, newId, pointer, propose, retype, rowKeys, titleOf, unboundMessage, type WidgetBody } from '../src/lib/builder/propose';

const empty = (): Dashboard => ({ version: 1, title: 't', widgets: [] });

describe('grid', () => {
  const box = { left: 0, top: 100, width: 12 * 100 + 11 * 8 + 32 };

  it('maps cells to pixels and back', () => {
    expect(columnWidth(DEFAULT_GRID, box)).toBe(100);
    expect(toPixels(DEFAULT_GRID, box, { x: 1, y: 2, w: 2, h: 1 })).toEqual({ left: 16 + 108, top: 100 + 16 + 2 * 56, width: 208, height: 48 });
    expect(toCell(DEFAULT_GRID, box, 16 + 108 + 5, 100 + 16 + 2 * 56 + 5)).toEqual({ x: 1, y: 2 });
    expect(toCells(DEFAULT_GRID, box, 160, -30)).toEqual({ dx: 1, dy: -1 });
  });

  it('fits a rectangle into the grid', () => {
    expect(clamp(DEFAULT_GRID, { x: 11, y: -2, w: 4, h: 0 })).toEqual({ x: 8, y: 0, w: 4, h: 1 });
    expect(clamp(DEFAULT_GRID, { x: 0, y: 0, w: 40, h: 2 })).toEqual({ x: 0, y: 0, w: 12, h: 2 });
  });

  it('sizes a rectangle where it stands, stopping at the right edge', () => {
    expect(fitSize(DEFAULT_GRID, { x: 6, y: 2, w: 7, h: 2 })).toEqual({ x: 6, y: 2, w: 6, h: 2 });
    expect(fitSize(DEFAULT_GRID, { x: 11, y: 0, w: 0, h: 0 })).toEqual({ x: 11, y: 0, w: 1, h: 1 });
  });

  it('finds the first free place', () => {
    const taken = [{ x: 0, y: 0, w: 6, h: 2 }, { x: 6, y: 0, w: 6, h: 1 }];
    expect(freePlace(DEFAULT_GRID, taken, 3, 2)).toEqual({ x: 6, y: 1, w: 3, h: 2 });
    expect(freePlace(DEFAULT_GRID, taken, 12, 1)).toEqual({ x: 0, y: 2, w: 12, h: 1 });
    expect(freePlace(DEFAULT_GRID, taken, 3, 1)).toEqual({ x: 6, y: 1, w: 3, h: 1 });
    expect(freePlace(DEFAULT_GRID, taken, 3, 1, { x: 9, y: 5 })).toEqual({ x: 9, y: 5, w: 3, h: 1 });
  });
});

describe('proposals', () => {
  it('fit the value', () => {
    expect(fittingKinds(3.5)[0]).toBe('gauge');
    expect(fittingKinds(3.5)).toContain('trend');
    expect(fittingKinds(true)[0]).toBe('lamp');
    expect(fittingKinds([{ a: 1 }, { b: 2 }])[0]).toBe('table');
    expect(fittingKinds([1, 2])[0]).toBe('json');
    expect(fittingKinds({ a: 1 })[0]).toBe('json');
    expect(fittingKinds('on')[0]).toBe('value');
  });

  it('are bound to the node', () => {
    const [gauge, trend] = propose(['level', 'flowRate'], 1250);
    expect(gauge.widget).toEqual({ type: 'gauge', title: 'Flow rate', path: '/level/flowRate', min: 0, max: 10000 });
    expect(trend.widget).toMatchObject({ type: 'trend', series: [{ path: '/level/flowRate' }], windowMinutes: 5 });
    const [table] = propose(['devices'], [{ id: 1, name: 'P' }, { id: 2, status: 'ok' }]);
    expect(table.widget).toMatchObject({ type: 'table', path: '/devices', columns: [{ key: 'id' }, { key: 'name' }, { key: 'status' }] });
    expect(make('setpoint', ['level', 'setpoint'], 60).widget).toMatchObject({ send: { name: 'level.setpoint.set', data: { value: '{{value}}' } } });
    expect(make('text', null).widget).toEqual({ type: 'text', text: 'Text', style: 'heading' });
  });

  it('from the palette are bound to nothing, not to the whole state', () => {
    for (const { kind } of PALETTE) {
      const { widget } = make(kind, null);
      expect(widget, kind).not.toHaveProperty('path');
      if (widget.type === 'trend') expect(widget.series[0], kind).not.toHaveProperty('path');
      expect(boundPaths(widget), kind).toEqual([]);
      expect(JSON.stringify(widget), kind).not.toContain('state.set');
    }
    expect(PALETTE.filter((p) => isUnbound(make(p.kind, null).widget)).map((p) => p.kind)).toEqual(['value', 'lamp', 'gauge', 'table', 'trend', 'toggle', 'setpoint', 'json']);
    expect(isUnbound(make('gauge', ['level'], 3).widget)).toBe(false);
    expect(isUnbound(make('json', [], {}).widget)).toBe(false);
  });

  it('keep their settings through a change of type', () => {
    const value: WidgetBody = { type: 'value', title: 'Level', path: '/level', format: 'number', unit: '%', decimals: 1 };
    const gauge = retype(value, 'gauge', { level: 42.5 });
    expect(gauge.widget).toEqual({ type: 'gauge', title: 'Level', path: '/level', min: 0, max: 100, unit: '%', decimals: 1 });
    const back = retype({ ...gauge.widget, unit: 'kPa' } as WidgetBody, 'value', { level: 42.5 }, gauge.earlier);
    expect(back.widget).toEqual({ type: 'value', title: 'Level', path: '/level', format: 'number', unit: 'kPa', decimals: 1 });
    // Same names, other meanings: a gauge's style is no text's.
    const text = retype({ ...gauge.widget, style: 'bar' } as WidgetBody, 'text', {});
    expect(text.widget).toEqual({ type: 'text', title: 'Level', text: 'Level', style: 'heading' });
    const toggle = retype({ type: 'setpoint', path: '/on', send: { name: 'mine', data: { v: '{{value}}' } }, min: 0 }, 'toggle', { on: true });
    expect(toggle.widget).toEqual({ type: 'toggle', title: 'On', path: '/on', send: { name: 'mine', data: { v: '{{value}}' } } });
  });

  it('name things after the path', () => {
    expect(pointer(['a/b', 0, 'c~'])).toBe('/a~1b/0/c~0');
    expect(titleOf(['pumps', 2])).toBe('Pumps 2');
    expect(titleOf(['motor_speed'])).toBe('Motor speed');
    expect(titleOf([])).toBe('State');
    expect(titleOf(['level', 'value'])).toBe('Level value');
    expect(rowKeys([{ a: 1 }, 3, { b: 1, a: 2 }])).toEqual(['a', 'b']);
    expect(newId('/level/value', new Set())).toBe('level-value');
    expect(newId('level-value', new Set(['level-value', 'level-value-2']))).toBe('level-value-3');
    expect(newId('!!!', new Set())).toBe('widget');
  });
});

describe('saving unbound widgets', () => {
  it('names the widgets that read no place in the state, and nothing when all are bound', () => {
    const value = { id: 'v', ...(make('value', null).widget as object) } as { id: string; type: string };
    const text = { id: 't', ...(make('text', null).widget as object) } as { id: string; type: string };
    const bound = { id: 'b', ...(make('value', ['level']).widget as object) } as { id: string; type: string };
    expect(unboundMessage([text, bound])).toBeNull();
    expect(unboundMessage([value, text, bound])).toBe(
      'Not saved: v (value) reads no place in the state yet. Set the Path in the properties (selected now), or remove the widget.',
    );
    const many = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ ...value, id }));
    expect(unboundMessage(many)).toMatch(/^Not saved: a \(value\), b \(value\), c \(value\) and 2 more read no place/);
  });
});

describe('edits', () => {
  it('add, move together within the grid, place, remove', () => {
    let d = empty();
    const a = addWidget(d, make('gauge', ['level'], 3));
    d = a.dashboard;
    expect(a.id).toBe('level');
    expect(d.widgets[0]).toMatchObject({ id: 'level', x: 0, y: 0, w: 3, h: 4 });
    const b = addWidget(d, make('gauge', ['level'], 3));
    d = b.dashboard;
    expect(b.id).toBe('level-2');
    expect(d.widgets[1]).toMatchObject({ x: 3, y: 0 });
    d = moveWidgets(d, ['level', 'level-2'], 20, -3);
    expect(d.widgets.map((w) => [w.x, w.y])).toEqual([[6, 0], [9, 0]]);
    d = resizeWidget(d, 'level', 20, 2);
    expect(d.widgets[0]).toMatchObject({ x: 6, y: 0, w: 6, h: 2 });
    d = resizeWidget(d, 'level', 0, 0);
    expect(d.widgets[0]).toMatchObject({ x: 6, y: 0, w: 1, h: 1 });
    d = removeWidgets(d, ['level']);
    expect(d.widgets.map((w) => w.id)).toEqual(['level-2']);
  });

  it('paste copies with new ids below the originals', () => {
    let d = addWidget(empty(), make('value', ['a'], 1)).dashboard;
    const clip = copyWidgets(d, ['a']);
    const pasted = pasteWidgets(d, clip);
    expect(pasted.ids).toEqual(['a-2']);
    expect(pasted.dashboard.widgets[1]).toMatchObject({ id: 'a-2', x: 3, y: 1, path: '/a' });
    clip[0].title = 'changed';
    expect(pasted.dashboard.widgets[1].title).toBe('A');
  });

  it('undo and redo', () => {
    const h = new History();
    const d0 = empty();
    const d1 = addWidget(d0, make('value', ['a'], 1)).dashboard;
    h.record(d0);
    expect(h.undo(d1)).toBe(d0);
    expect(h.redo(d0)).toBe(d1);
    expect(h.canRedo).toBe(false);
    h.record(d1);
    h.undo(d1);
    h.record(d0);
    expect(h.canRedo).toBe(false);
  });
});
