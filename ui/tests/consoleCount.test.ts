import { describe, expect, it } from 'vitest';
import { shownErrors } from '../src/lib/consoleCount';
import type { ConsoleInfo } from '../src/bindings/ConsoleInfo';
import type { ConsoleEntry } from '../src/bindings/ConsoleEntry';

function entry(seq: number, level: ConsoleEntry['level']): ConsoleEntry {
  return { seq, at: 0, page: 1, url: '/', level, message: 'm' };
}

function info(entries: ConsoleEntry[], errors: number): ConsoleInfo {
  return { entries, errors, openPages: 0, lastReload: null };
}

describe('shownErrors', () => {
  it('counts the entries shown that are not warnings', () => {
    const e = [entry(1, 'error'), entry(2, 'warn'), entry(3, 'uncaught'), entry(4, 'load'), entry(5, 'rejection')];
    expect(shownErrors(info(e, 40))).toBe(4);
  });
  it('is 0 once the Console was cleared, whatever was reported before', () => {
    expect(shownErrors(info([], 13))).toBe(0);
    expect(shownErrors(null)).toBe(0);
  });
});
