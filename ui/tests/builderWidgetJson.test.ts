import { describe, expect, it } from 'vitest';
import type { Dashboard } from '../src/bindings/Dashboard';
import { parseWidgetJson } from '../src/lib/builder/widgetJson';

const d: Dashboard = {
  version: 1,
  title: 't',
  widgets: [
    { id: 'a', type: 'value', path: '/a', x: 0, y: 0, w: 3, h: 2 },
    { id: 'b', type: 'text', text: 'B', x: 3, y: 0, w: 3, h: 1 },
  ],
};
const b = (over: object) => JSON.stringify({ id: 'b', type: 'text', text: 'B', x: 3, y: 0, w: 3, h: 1, ...over });
const error = (text: string) => {
  const r = parseWidgetJson(text, d, 'b');
  return 'error' in r ? r.error : null;
};

describe("a widget's JSON", () => {
  it('replaces the widget when the canvas can show it', () => {
    expect(parseWidgetJson(b({ text: 'New' }), d, 'b')).toEqual({ widget: JSON.parse(b({ text: 'New' })) });
    expect(parseWidgetJson(b({ id: 'c' }), d, 'b')).toMatchObject({ widget: { id: 'c' } });
    const { id: _, ...noId } = JSON.parse(b({}));
    expect(parseWidgetJson(JSON.stringify(noId), d, 'b')).toMatchObject({ widget: { id: 'b' } });
  });

  it('is refused with an id another widget has', () => {
    expect(error(b({ id: 'a' }))).toMatch(/"a" is another widget's/);
    expect(error(b({ id: 'a b' }))).toMatch(/an id is 1 to 64/);
  });

  it('is refused with a type the builder does not know', () => {
    expect(error(b({ type: 'slider' }))).toMatch(/type "slider" is none of/);
  });

  it('is refused off the grid', () => {
    expect(error(b({ x: -3 }))).toMatch(/x is a whole number from 0/);
    expect(error(b({ w: 40 }))).toMatch(/end at column 43 of a grid of 12/);
    expect(error(b({ h: 0 }))).toMatch(/h is a whole number from 1/);
    expect(error(b({ y: 1.5 }))).toMatch(/y is a whole number/);
  });

  it('is refused when it is no object', () => {
    expect(error('[1]')).toBe('a widget is a JSON object');
    expect(error('{')).not.toBeNull();
  });
});
