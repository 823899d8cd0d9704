import { describe, expect, it } from 'vitest';
import { choiceKeys, choicesOf } from '../src/lib/builder/choices';

describe('members with a fixed set of values are chosen, not typed', () => {
  it("offers the bindings' values, the engine's default first", () => {
    expect(choicesOf('value', 'format')).toEqual(['auto', 'number', 'text', 'json', 'datetime', 'boolean']);
    expect(choicesOf('text', 'style')).toEqual(['text', 'heading']);
    expect(choicesOf('gauge', 'style')).toEqual(['arc', 'bar']);
    expect(choicesOf('value', 'format')).not.toContain('percent');
  });

  it('leaves free text free, and lists the choices of a kind even when not set', () => {
    expect(choicesOf('value', 'unit')).toBeNull();
    expect(choicesOf('button', 'style')).toBeNull();
    expect(choiceKeys('text')).toEqual(['style']);
    expect(choiceKeys('lamp')).toEqual([]);
  });
});
