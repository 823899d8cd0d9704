import { describe, expect, it } from 'vitest';
import { EMPTY_FILTER, type TrafficEntry } from '../src/lib/traffic';
import { FilteredTraffic, type LogSnapshot } from '../src/lib/trafficView';

function entry(seq: number, name = `n${seq}`): TrafficEntry {
  return {
    seq,
    timeMs: seq,
    peer: { connection: seq % 3 },
    direction: 'in',
    kind: 'request',
    name,
    requestId: seq,
    success: null,
    data: { text: `payload ${seq}` },
    dataTruncated: false,
    size: 10,
    pair: null,
    rttMs: null,
  };
}

const log = (from: number, to: number, generation = 1): LogSnapshot => ({
  list: Array.from({ length: to - from + 1 }, (_, i) => entry(from + i)),
  generation,
});

describe('FilteredTraffic', () => {
  it('filters new entries as they come and drops those the log dropped', () => {
    let reads = 0;
    const counted = (seq: number) => {
      const e = entry(seq);
      const peer = e.peer;
      Object.defineProperty(e, 'peer', { get: () => (reads++, peer) });
      return e;
    };
    const v = new FilteredTraffic(() => {});
    v.setFilter({ ...EMPTY_FILTER, peer: { connection: 0 } });
    const first = Array.from({ length: 9 }, (_, i) => counted(i + 1));
    v.update({ list: first, generation: 1 });
    expect(v.rows.map((e) => e.seq)).toEqual([3, 6, 9]);
    // 10..12 appended, 1..4 dropped: only the new ones are looked at.
    reads = 0;
    v.update({ list: [...first.slice(4), counted(10), counted(11), counted(12)], generation: 1 });
    expect(v.rows.map((e) => e.seq)).toEqual([6, 9, 12]);
    expect(reads).toBe(3);
  });

  it('filters the whole log again in slices, without blocking', () => {
    const slices: (() => void)[] = [];
    let now = 0;
    // Each read of the clock is 1 ms later: a slice of 4 ms does few reads.
    const v = new FilteredTraffic(() => {}, (fn) => slices.push(fn), 4, () => now++);
    v.update(log(1, 5000));
    v.setFilter({ ...EMPTY_FILTER, text: 'payload 4999' });
    expect(v.filtering).toBe(true);
    let n = 0;
    while (slices.length) {
      slices.shift()!();
      n++;
    }
    expect(n).toBeGreaterThan(1);
    expect(v.filtering).toBe(false);
    expect(v.rows.map((e) => e.seq)).toEqual([4999]);
  });

  it('catches up with what the log got while it filtered, and restarts on a new filter', () => {
    const slices: (() => void)[] = [];
    let now = 0;
    const v = new FilteredTraffic(() => {}, (fn) => slices.push(fn), 2, () => now++);
    v.update(log(1, 3000));
    v.setFilter({ ...EMPTY_FILTER, name: 'n1' });
    v.setFilter({ ...EMPTY_FILTER, name: 'n29' });
    v.update(log(1, 3001));
    while (slices.length) slices.shift()!();
    const expected = log(1, 3001).list.filter((e) => e.name!.includes('n29')).map((e) => e.seq);
    expect(v.rows.map((e) => e.seq)).toEqual(expected);
  });

  it('filters whole again when the log was replaced', () => {
    const v = new FilteredTraffic(() => {});
    v.setFilter(EMPTY_FILTER);
    v.update(log(1, 5));
    v.update(log(3, 4, 2));
    expect(v.rows.map((e) => e.seq)).toEqual([3, 4]);
  });

  it('shows nothing without a filter (no kinds ticked)', () => {
    const v = new FilteredTraffic(() => {});
    v.setFilter(null);
    v.update(log(1, 5));
    expect(v.rows).toEqual([]);
  });
});
