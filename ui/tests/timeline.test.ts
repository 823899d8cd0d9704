import { describe, expect, it } from 'vitest';
import {
  clampStep,
  entryOps,
  entrySummary,
  entryWindow,
  formatOffset,
  historyRows,
  pointerError,
  progressPercent,
  stepAfter,
  stepAtTime,
  suggestRecordingPath,
  throttle,
  timeAtStep,
  windowCovers,
  type Clock,
} from '../src/lib/timeline';

describe('steps and times', () => {
  const times = [0, 100, 100, 250, 1000];
  it('maps a step to the time of the last entry played', () => {
    expect(timeAtStep(times, 0)).toBe(0);
    expect(timeAtStep(times, 1)).toBe(0);
    expect(timeAtStep(times, 2)).toBe(100);
    expect(timeAtStep(times, 4)).toBe(250);
    expect(timeAtStep(times, 5)).toBe(1000);
    expect(timeAtStep(times, 9)).toBe(1000);
    expect(timeAtStep([], 3)).toBe(0);
  });
  it('maps a time to the step with every entry at or before it played', () => {
    expect(stepAtTime(times, -1)).toBe(0);
    expect(stepAtTime(times, 0)).toBe(1);
    expect(stepAtTime(times, 99)).toBe(1);
    expect(stepAtTime(times, 100)).toBe(3);
    expect(stepAtTime(times, 999)).toBe(4);
    expect(stepAtTime(times, 5000)).toBe(5);
    for (let s = 0; s <= times.length; s++) expect(stepAtTime(times, timeAtStep(times, s))).toBeGreaterThanOrEqual(s === 0 ? 0 : s);
  });
  it('clamps steps and computes progress', () => {
    expect(clampStep(-3, 10)).toBe(0);
    expect(clampStep(3.6, 10)).toBe(4);
    expect(clampStep(99, 10)).toBe(10);
    expect(clampStep(NaN, 10)).toBe(0);
    expect(progressPercent(5, 10)).toBe(50);
    expect(progressPercent(0, 0)).toBe(0);
    expect(progressPercent(12, 10)).toBe(100);
    expect(stepAfter(0)).toBe(1);
  });
  it('formats recorded offsets', () => {
    expect(formatOffset(0)).toBe('0:00.000');
    expect(formatOffset(1250)).toBe('0:01.250');
    expect(formatOffset(62345)).toBe('1:02.345');
    expect(formatOffset(3723004)).toBe('1:02:03.004');
    expect(formatOffset(-5)).toBe('0:00.000');
  });
});

describe('entry window', () => {
  it('puts the current entry a third of the way down, within the recording', () => {
    expect(entryWindow(0, 10, 50)).toEqual({ from: 0, limit: 10 });
    expect(entryWindow(100, 1000, 30)).toEqual({ from: 89, limit: 30 });
    expect(entryWindow(1000, 1000, 30)).toEqual({ from: 970, limit: 30 });
    expect(entryWindow(0, 0, 30)).toEqual({ from: 0, limit: 1 });
  });
  it('knows when a fetched window still covers the step', () => {
    expect(windowCovers({ from: 0, count: 30 }, 0, 1000)).toBe(true);
    expect(windowCovers({ from: 0, count: 30 }, 20, 1000)).toBe(true);
    expect(windowCovers({ from: 0, count: 30 }, 28, 1000)).toBe(false);
    expect(windowCovers({ from: 970, count: 30 }, 1000, 1000)).toBe(true);
    expect(windowCovers({ from: 100, count: 30 }, 102, 1000)).toBe(false);
    expect(windowCovers({ from: 100, count: 30 }, 110, 1000)).toBe(true);
  });
});

describe('entries and history', () => {
  it('summarises each kind', () => {
    expect(entrySummary({ t: 0, kind: 'state', diff: [{ op: 'replace', path: '/counter', value: 3 }] })).toBe('replace /counter = 3');
    expect(entrySummary({ t: 0, kind: 'state', diff: [{ op: 'remove', path: '/a' }, { op: 'add', path: '/b', value: 1 }] })).toBe('remove /a (+1 more)');
    expect(entrySummary({ t: 0, kind: 'state', diff: [] })).toBe('empty diff');
    expect(entrySummary({ t: 0, kind: 'notify', name: 'alarm', data: { level: 2 } })).toBe('alarm {"level":2}');
    expect(entrySummary({ t: 0, kind: 'request', id: 4, name: 'pump.start', data: 1 })).toBe('#4 pump.start 1');
    expect(entrySummary({ t: 0, kind: 'request', id: 5, name: '', data: null })).toBe('ping #5');
    expect(entrySummary({ t: 0, kind: 'response', id: 4, success: false, data: 'no' })).toBe('#4 failed "no"');
    expect(entryOps({ t: 0, kind: 'notify', name: 'x', data: null })).toEqual([]);
  });
  it('lists a path’s changes as rows that seek after their entry', () => {
    const rows = historyRows([
      { step: 0, t: 0, value: 1, present: true },
      { step: 3, t: 1500, value: { a: [1, 2] }, present: true },
      { step: 7, t: 61000, value: null, present: false },
    ]);
    expect(rows).toEqual([
      { step: 1, t: 0, time: '0:00.000', text: '1', removed: false },
      { step: 4, t: 1500, time: '0:01.500', text: '{"a": [1, 2]}', removed: false },
      { step: 8, t: 61000, time: '1:01.000', text: 'removed', removed: true },
    ]);
    expect(historyRows([{ step: 0, t: 0, value: 'x'.repeat(200), present: true }], 10)[0].text).toHaveLength(10);
  });
  it('checks pointers', () => {
    expect(pointerError('')).toBeNull();
    expect(pointerError('/counter')).toBeNull();
    expect(pointerError('/a~1b/~0')).toBeNull();
    expect(pointerError('counter')).toMatch(/starts with \//);
    expect(pointerError('/a~2')).toMatch(/~/);
  });
  it('suggests a file name', () => {
    expect(suggestRecordingPath('connection 3', '20250131-140327')).toBe('recording-connection-3-20250131-140327.ndjson');
  });
});

describe('throttle', () => {
  function fakeClock() {
    let now = 0;
    let timers: { at: number; fn: () => void; id: number }[] = [];
    let next = 1;
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn, ms) => {
        const id = next++;
        timers.push({ at: now + ms, fn, id });
        return id;
      },
      clearTimeout: (id) => (timers = timers.filter((t) => t.id !== id)),
    };
    const advance = (ms: number) => {
      now += ms;
      for (const t of timers.filter((t) => t.at <= now)) {
        timers = timers.filter((x) => x !== t);
        t.fn();
      }
    };
    return { clock, advance };
  }

  it('runs the first call at once and the last one after the interval', () => {
    const { clock, advance } = fakeClock();
    const calls: number[] = [];
    const f = throttle((n: number) => calls.push(n), 100, clock);
    f(1);
    expect(calls).toEqual([1]);
    f(2);
    f(3);
    expect(calls).toEqual([1]);
    advance(50);
    f(4);
    expect(calls).toEqual([1]);
    advance(50);
    expect(calls).toEqual([1, 4]);
    advance(500);
    expect(calls).toEqual([1, 4]);
    f(5);
    expect(calls).toEqual([1, 4, 5]);
  });
  it('flushes and cancels a pending call', () => {
    const { clock, advance } = fakeClock();
    const calls: number[] = [];
    const f = throttle((n: number) => calls.push(n), 100, clock);
    f(1);
    f(2);
    f.flush();
    expect(calls).toEqual([1, 2]);
    f(3);
    f.cancel();
    advance(1000);
    expect(calls).toEqual([1, 2]);
  });
});

describe('recordsTarget', () => {
  it('matches a recording to the peer it records, proxies included', async () => {
    const { recordsTarget } = await import('../src/lib/timeline');
    expect(recordsTarget({ connection: 3 }, { connection: 3 })).toBe(true);
    expect(recordsTarget({ connection: 3 }, { connection: 4 })).toBe(false);
    expect(recordsTarget({ remote: 'r1' }, { remote: 'r1' })).toBe(true);
    const proxied = { proxy: { proxy: 'p1', connection: 3, side: 'browser' as const } };
    expect(recordsTarget(proxied, { proxy: 'p1', connection: 3 })).toBe(true);
    expect(recordsTarget(proxied, { connection: 3 })).toBe(false);
    expect(recordsTarget({ connection: 3 }, { proxy: 'p1', connection: 3 })).toBe(false);
  });
});
