import { describe, expect, it } from 'vitest';
import { readFlag, writeFlag, type PrefStore } from '../src/lib/prefs';

function memory(): PrefStore & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

describe('layout preferences', () => {
  it('keeps a flag and reads it back, the default until one is kept', () => {
    const s = memory();
    expect(readFlag('builder.palette', true, s)).toBe(true);
    writeFlag('builder.palette', false, s);
    expect(readFlag('builder.palette', true, s)).toBe(false);
    expect(s.items.get('juggler-studio.builder.palette')).toBe('false');
  });

  it('falls back when the storage holds something else, refuses, or is missing', () => {
    const s = memory();
    s.items.set('juggler-studio.x', 'yes');
    expect(readFlag('x', true, s)).toBe(true);
    const refusing: PrefStore = {
      getItem: () => { throw new Error('SecurityError'); },
      setItem: () => { throw new Error('QuotaExceededError'); },
    };
    expect(readFlag('x', false, refusing)).toBe(false);
    expect(() => writeFlag('x', true, refusing)).not.toThrow();
    expect(readFlag('x', true, null)).toBe(true);
  });
});
