import { describe, expect, it, vi } from 'vitest';
import { writable } from 'svelte/store';
import { RequestPairs } from '../src/lib/requestPairs';
import type { TrafficSource } from '../src/lib/trafficLog';
import { trafficEntry } from './trafficEntries';
import type { TrafficEntry } from '../src/bindings/TrafficEntry';
import type { CommandAnswer, CommandData, CommandName } from '../src/lib/control';

function request(seq: number, name = `r${seq}`): TrafficEntry {
  return trafficEntry(seq, { kind: 'request', name, requestId: seq });
}

function answer(seq: number, pair: number): TrafficEntry {
  return { ...request(seq), direction: 'out', kind: 'response', name: null, success: true, pair, rttMs: 1 };
}

function fakeSource(answers: TrafficEntry[][]) {
  const handlers = new Map<string, (d: any) => void>();
  const status = writable({ kind: 'open' });
  const queries: unknown[] = [];
  const source: TrafficSource = {
    async send<N extends CommandName>(name: N, ...args: CommandData<N>) {
      if (name === 'traffic.query') {
        queries.push(args[0]);
        return (answers.shift() ?? []) as CommandAnswer<N>;
      }
      return null as CommandAnswer<N>;
    },
    on(event, h) {
      handlers.set(event, h);
      return () => handlers.delete(event);
    },
    status,
  };
  return { source, handlers, status, queries };
}

const shown = (p: RequestPairs) => p.rows().map((r) => [r.req.seq, r.res?.seq ?? null]);

describe('RequestPairs', () => {
  it('pairs requests with answers, newest first, whatever order they come in', () => {
    const p = new RequestPairs();
    p.add(answer(2, 1));
    p.add(request(1));
    p.add(request(3));
    p.add({ ...request(4), name: '' }); // a ping
    p.add({ ...request(5), peer: { remote: 'r1' } }); // not a dashboard's
    expect(shown(p)).toEqual([
      [3, null],
      [1, 2],
    ]);
  });

  it('keeps the newest max requests', () => {
    const p = new RequestPairs(2);
    [1, 2, 3].forEach((s) => p.add(request(s)));
    expect(shown(p)).toEqual([
      [3, null],
      [2, null],
    ]);
  });

  it('asks for the newest entries again after events.lagged, so an answer lost on the way shows', async () => {
    // The answer (seq 2) was among the events the engine dropped.
    const f = fakeSource([[request(1), answer(2, 1), request(3)]]);
    const p = new RequestPairs();
    const changed = vi.fn();
    const stop = p.attach(f.source, changed);
    f.handlers.get('traffic')!([request(1)]);
    expect(shown(p)).toEqual([[1, null]]);
    f.handlers.get('events.lagged')!({ missed: 5 });
    await vi.waitFor(() =>
      expect(shown(p)).toEqual([
        [3, null],
        [1, 2],
      ]),
    );
    expect(f.queries).toEqual([{ filter: { kinds: ['request', 'response'] }, limit: 600 }]);
    expect(changed).toHaveBeenCalledTimes(2);
    stop();
    expect(f.handlers.size).toBe(0);
  });

  it('a reload after a lag does not bring back what the user cleared', async () => {
    const f = fakeSource([[request(1), answer(2, 1), request(3), request(4)]]);
    const p = new RequestPairs();
    p.attach(f.source, () => {});
    f.handlers.get('traffic')!([request(1), answer(2, 1), request(3)]);
    p.clear();
    expect(shown(p)).toEqual([]);
    f.handlers.get('events.lagged')!({ missed: 1 });
    await vi.waitFor(() => expect(shown(p)).toEqual([[4, null]]));
  });

  it('replaces the list after a reconnect, and a new engine (seq starting again) shows in full', async () => {
    const f = fakeSource([[request(1, 'new')]]);
    const p = new RequestPairs();
    p.attach(f.source, () => {});
    f.handlers.get('traffic')!([request(7), request(8)]);
    p.clear();
    f.status.set({ kind: 'closed' });
    f.status.set({ kind: 'open' });
    await vi.waitFor(() => expect(p.rows().map((r) => r.req.name)).toEqual(['new']));
  });
});
