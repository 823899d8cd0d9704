import { describe, expect, it } from 'vitest';
import { arrayPathWarning } from '../src/lib/pathWarning';

describe('arrayPathWarning', () => {
  const doc = { items: [1, 2, 3], plant: { 'a/b': [] }, n: 5 };
  it('warns of a key on an array (/items/- replaced the array with {"-": 7})', () => {
    expect(arrayPathWarning(doc, ['items', '-'])).toBe(
      '/items is an array of 3: the key "-" would replace it with an object; to add at its end, use the index 3',
    );
    expect(arrayPathWarning(doc, ['plant', 'a/b', 'x'])).toMatch(/^\/plant\/a~1b is an array of 0/);
    expect(arrayPathWarning([1], ['k'])).toMatch(/^the state is an array of 1/);
  });
  it('warns of an index on an object (it would become an array)', () => {
    expect(arrayPathWarning({ byId: { '2': 1 } }, ['byId', 2, 'status'])).toBe(
      '/byId is an object: the index 2 would replace it with an array; to set its member "2", write the step as a string ("2")',
    );
  });
  it('warns of an index past the end (padded with nulls)', () => {
    expect(arrayPathWarning(doc, ['items', 99])).toBe(
      '/items has 3 items: index 99 would add 96 nulls before the value; to add at its end, use the index 3',
    );
  });
  it('says nothing of an index in or at the end, objects, or new parents', () => {
    expect(arrayPathWarning(doc, ['items', 3])).toBeNull();
    expect(arrayPathWarning(doc, ['items', 0, 'x'])).toBeNull();
    expect(arrayPathWarning(doc, ['plant', 'new', 'deep'])).toBeNull();
    expect(arrayPathWarning(doc, ['n', 'x'])).toBeNull();
    expect(arrayPathWarning(null, ['a', 0])).toBeNull();
  });
});
