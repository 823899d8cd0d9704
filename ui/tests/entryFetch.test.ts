import { describe, expect, it } from 'vitest';
import type { RecordingEntry } from '../src/bindings/RecordingEntry';
import { EntryFetch } from '../src/lib/entryFetch';

/** A recording of `n` entries; `asked` lists the fetches that reached the engine. */
function engine(n: number) {
  const asked: [number, number][] = [];
  let fail = false;
  const all = Array.from({ length: n }, (_, i) => ({ t: i, kind: 'notify', name: `e${i}`, data: null }) as unknown as RecordingEntry);
  const fetch = async (from: number, limit: number) => {
    asked.push([from, limit]);
    return fail ? undefined : all.slice(from, from + limit);
  };
  return { fetch, asked, failNext: (f: boolean) => (fail = f) };
}

const ts = (es: RecordingEntry[] | undefined) => es?.map((e) => e.t);

describe('EntryFetch', () => {
  it('answers a range that a recent fetch covers from that fetch', async () => {
    const e = engine(100);
    const f = new EntryFetch(e.fetch);
    const times = f.get('a', 0, 100);
    const win = f.get('a', 0, 60);
    const step = f.get('a', 0, 1);
    expect(ts(await win)).toEqual([...Array(60).keys()]);
    expect(ts(await step)).toEqual([0]);
    expect((await times)?.length).toBe(100);
    expect(ts(await f.get('a', 40, 10))).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
    expect(e.asked).toEqual([[0, 100]]);
  });

  it('fetches what no recent fetch covers, and again for another recording', async () => {
    const e = engine(100);
    const f = new EntryFetch(e.fetch);
    await f.get('a', 0, 10);
    expect(ts(await f.get('a', 5, 10))).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    await f.get('b', 0, 10);
    expect(e.asked).toEqual([
      [0, 10],
      [5, 10],
      [0, 10],
    ]);
  });

  it('keeps a few fetches only, and no failed one', async () => {
    const e = engine(100);
    const f = new EntryFetch(e.fetch);
    for (const from of [0, 10, 20, 30]) await f.get('a', from, 10);
    await f.get('a', 0, 10);
    expect(e.asked.length).toBe(5);
    e.failNext(true);
    expect(await f.get('a', 50, 10)).toBeUndefined();
    e.failNext(false);
    expect(ts(await f.get('a', 50, 2))).toEqual([50, 51]);
    expect(e.asked.length).toBe(7);
  });

  it('gives fewer entries at the end of the recording, as the engine does', async () => {
    const e = engine(5);
    const f = new EntryFetch(e.fetch);
    await f.get('a', 0, 60);
    expect(ts(await f.get('a', 3, 10))).toEqual([3, 4]);
    expect(e.asked).toEqual([[0, 60]]);
  });
});
