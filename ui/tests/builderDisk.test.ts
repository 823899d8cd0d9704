import { describe, expect, it } from 'vitest';
import { diskChange, mayTouchDashboard } from '../src/lib/builder/disk';

const reload = (paths: string[], changed = paths.length) => ({ at: 1, kind: 'reload', paths, changed, pages: 1 });

describe('dashboard.json changed on disk under the builder', () => {
  it('a live reload that names it, or leaves paths unnamed, may be it', () => {
    expect(mayTouchDashboard(reload(['/dashboard.json']))).toBe(true);
    expect(mayTouchDashboard(reload(['/sub/dashboard.json']))).toBe(true);
    expect(mayTouchDashboard(reload(['/style.css', '/app.js']))).toBe(false);
    expect(mayTouchDashboard(reload(['/a.js'], 500))).toBe(true);
  });

  it('is told apart from what the builder opened or saved', () => {
    expect(diskChange('{"a":1}', '{"a":1}')).toBeNull();
    expect(diskChange(null, null)).toBeNull();
    expect(diskChange('{"a":1}', '{"a":2}')).toBe('changed');
    expect(diskChange('{"a":1}', null)).toBe('removed');
    expect(diskChange(null, '{}')).toBe('created');
  });
});
