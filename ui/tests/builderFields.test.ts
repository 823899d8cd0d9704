import { describe, expect, it } from 'vitest';
import { readField } from '../src/lib/builder/fields';

describe("a property field's text", () => {
  it('is a number for a number, and says so when it is not one', () => {
    expect(readField('max', ' 250 ', 100)).toEqual({ value: 250 });
    expect(readField('max', '', 100)).toEqual({ value: undefined });
    expect(readField('decimals', 'abc', 1)).toEqual({ error: '"abc" is not a number' });
    expect(readField('max', '1e400', 1)).toEqual({ error: '"1e400" is not a number' });
  });

  it('is a whole number from 0 to 10 for decimals', () => {
    expect(readField('decimals', '3', 1)).toEqual({ value: 3 });
    expect(readField('decimals', '1.5', 1)).toEqual({ error: 'decimals is a whole number from 0 to 10' });
    expect(readField('decimals', '11', 1)).toEqual({ error: 'decimals is a whole number from 0 to 10' });
  });

  it('is the text or the boolean otherwise', () => {
    expect(readField('unit', ' kPa', '%')).toEqual({ value: ' kPa' });
    expect(readField('confirm', 'false', true)).toEqual({ value: false });
  });
});
