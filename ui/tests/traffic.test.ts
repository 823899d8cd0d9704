import { afterEach, describe, expect, it, vi } from 'vitest';
import { get, writable } from 'svelte/store';
import {
  EMPTY_FILTER,
  describeSize,
  matchesFilter,
  mergeEntries,
  newestMatching,
  normalizeFilter,
  pairRtt,
  pairSeq,
  parsePeerKey,
  parseProxyKey,
  peerKey,
  peerLabel,
  peerOptionKeys,
  peerSelection,
  peersOf,
  proxiesOf,
  proxyKey,
  proxyLabel,
  responseIndex,
  trafficProxy,
  type Peer,
  type TrafficEntry,
  type TrafficFilter,
} from '../src/lib/traffic';
import { TrafficLog, entriesOf, type TrafficSource } from '../src/lib/trafficLog';
import { trafficEntry } from './trafficEntries';
import type { TrafficRow } from '../src/bindings/TrafficRow';
import type { CommandAnswer, CommandData, CommandName } from '../src/lib/control';

const entry = trafficEntry;
const seqs = (l: readonly TrafficEntry[]) => l.map((e) => e.seq);

describe('peers', () => {
  it('round-trips keys and labels', () => {
    expect(peerKey({ connection: 3 })).toBe('c:3');
    expect(peerKey({ remote: 'r1' })).toBe('r:r1');
    expect(parsePeerKey('c:3')).toEqual({ connection: 3 });
    expect(parsePeerKey('r:r1')).toEqual({ remote: 'r1' });
    expect(parsePeerKey('')).toBeNull();
    expect(parsePeerKey('c:x')).toBeNull();
    expect(peerLabel({ connection: 3 })).toBe('#3');
    expect(peerLabel({ remote: 'r2' })).toBe('remote r2');
  });
  it('lists distinct peers, connections by id first', () => {
    const l = [entry(1, { peer: { remote: 'r10' } }), entry(2, { peer: { connection: 5 } }), entry(3, { peer: { remote: 'r2' } }), entry(4, { peer: { connection: 5 } })];
    expect(peersOf(l, [{ connection: 2 }])).toEqual([{ connection: 2 }, { connection: 5 }, { remote: 'r2' }, { remote: 'r10' }]);
  });
});

describe('mergeEntries', () => {
  it('appends newer entries', () => {
    expect(seqs(mergeEntries([entry(1), entry(2)], [entry(3), entry(4)]))).toEqual([1, 2, 3, 4]);
  });
  it('dedupes by seq, the later copy winning, and sorts', () => {
    const out = mergeEntries([entry(1), entry(3)], [entry(3, { pair: 9 }), entry(2), entry(2)]);
    expect(seqs(out)).toEqual([1, 2, 3]);
    expect(out[2].pair).toBe(9);
  });
  it('keeps the newest max entries', () => {
    const list = Array.from({ length: 5 }, (_, i) => entry(i + 1));
    expect(seqs(mergeEntries(list, [entry(6), entry(7)], 4))).toEqual([4, 5, 6, 7]);
  });
  it('returns the same list when nothing changes and never mutates', () => {
    const list = [entry(1)];
    expect(mergeEntries(list, [])).toBe(list);
    mergeEntries(list, [entry(2)]);
    expect(seqs(list)).toEqual([1]);
  });
});

describe('matchesFilter', () => {
  const req = entry(1, { kind: 'request', name: 'Pump.Toggle', data: { index: 2, Label: 'Main' }, direction: 'in' });
  const st = entry(2, { kind: 'state', name: null, data: [{ op: 'replace', path: '/x', value: 1 }], direction: 'out', peer: { remote: 'r1' } });
  it('passes everything with an empty filter', () => {
    expect(matchesFilter(req, EMPTY_FILTER)).toBe(true);
    expect(matchesFilter(st, EMPTY_FILTER)).toBe(true);
  });
  it('checks kinds, direction and peer', () => {
    expect(matchesFilter(req, { ...EMPTY_FILTER, kinds: ['state'] })).toBe(false);
    expect(matchesFilter(st, { ...EMPTY_FILTER, kinds: ['state', 'notify'] })).toBe(true);
    expect(matchesFilter(req, { ...EMPTY_FILTER, direction: 'out' })).toBe(false);
    expect(matchesFilter(st, { ...EMPTY_FILTER, peer: { remote: 'r1' } })).toBe(true);
    expect(matchesFilter(st, { ...EMPTY_FILTER, peer: { connection: 1 } })).toBe(false);
  });
  it('matches name and text in any case; text also in the data', () => {
    expect(matchesFilter(req, { ...EMPTY_FILTER, name: 'pump.t' })).toBe(true);
    expect(matchesFilter(req, { ...EMPTY_FILTER, name: 'main' })).toBe(false);
    expect(matchesFilter(req, { ...EMPTY_FILTER, text: 'MAIN' })).toBe(true);
    expect(matchesFilter(st, { ...EMPTY_FILTER, text: '/x' })).toBe(true);
    expect(matchesFilter(st, { ...EMPTY_FILTER, name: 'x' })).toBe(false);
    expect(matchesFilter(entry(3, { data: null, name: null }), { ...EMPTY_FILTER, text: 'null' })).toBe(false);
  });
  it('normalizes blank texts and all kinds to no condition', () => {
    expect(normalizeFilter({ kinds: ['request', 'response', 'state', 'notify'], name: ' ', peer: null, proxy: null, direction: null, text: '' })).toEqual(EMPTY_FILTER);
  });
  it('keeps the proxy, and takes a filter without one (an older caller) as none', () => {
    expect(normalizeFilter({ ...EMPTY_FILTER, proxy: 'p1' }).proxy).toBe('p1');
    const { proxy: _, ...old } = EMPTY_FILTER;
    expect(normalizeFilter(old as TrafficFilter)).toEqual(EMPTY_FILTER);
  });
  it('finds the newest matching rows, capped', () => {
    const list = Array.from({ length: 10 }, (_, i) => entry(i + 1, { kind: i % 2 ? 'state' : 'notify' }));
    const { rows, total } = newestMatching(list, { ...EMPTY_FILTER, kinds: ['state'] }, 3);
    expect(total).toBe(5);
    expect(seqs(rows)).toEqual([6, 8, 10]);
  });
});

describe('the proxy filter', () => {
  const side = (proxy: string, connection: number, s: 'browser' | 'upstream'): Peer => ({ proxy: { proxy, connection, side: s } });
  // The same log as the engine's unit test
  // (traffic::tests::the_proxy_filter_takes_both_sides_of_every_connection_of_one_proxy).
  const list = [
    entry(1, { kind: 'request', name: 'a', peer: side('p1', 1, 'browser') }),
    entry(2, { kind: 'request', name: 'a', peer: side('p1', 1, 'upstream') }),
    entry(3, { kind: 'request', name: 'a', peer: { connection: 1 } }),
    entry(4, { kind: 'request', name: 'a', peer: side('p2', 1, 'browser') }),
    entry(5, { kind: 'request', name: 'b', peer: side('p1', 2, 'upstream') }),
    entry(6, { kind: 'request', name: 'a', peer: { remote: 'plant' } }),
    entry(7, { kind: 'request', name: 'a', peer: side('p10', 1, 'browser') }),
  ];
  const pass = (f: Partial<TrafficFilter>) => seqs(list.filter((e) => matchesFilter(e, { ...EMPTY_FILTER, ...f })));
  it('takes both sides of every connection of that proxy, and nothing else', () => {
    expect(pass({ proxy: 'p1' })).toEqual([1, 2, 5]);
    expect(pass({ proxy: 'p9' })).toEqual([]);
    expect(pass({ proxy: null })).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
  it('is one more condition: every field set must match', () => {
    expect(pass({ proxy: 'p1', name: 'b' })).toEqual([5]);
    expect(pass({ proxy: 'p1', peer: side('p1', 1, 'upstream') })).toEqual([2]);
    expect(pass({ proxy: 'p1', peer: { connection: 1 } })).toEqual([]);
  });
  it('is set even when empty, as in the engine (no proxy has the id "")', () => {
    expect(pass({ proxy: '' })).toEqual([]);
  });
  it('applies in newestMatching', () => {
    const { rows, total } = newestMatching(list, { ...EMPTY_FILTER, proxy: 'p1' }, 2);
    expect(total).toBe(3);
    expect(seqs(rows)).toEqual([2, 5]);
  });
});

describe('the peer select', () => {
  const side = (proxy: string, connection: number, s: 'browser' | 'upstream'): Peer => ({ proxy: { proxy, connection, side: s } });
  it('has keys for a whole proxy that are no peer', () => {
    expect(proxyKey('p1')).toBe('proxy:p1');
    expect(parseProxyKey('proxy:p1')).toBe('p1');
    expect(parseProxyKey('p:p1:3:browser')).toBeNull();
    expect(parseProxyKey('')).toBeNull();
    expect(parsePeerKey(proxyKey('p1'))).toBeNull();
    expect(proxyLabel('p1')).toBe('proxy p1 (all)');
  });
  it('turns an option into the filter’s peer or proxy', () => {
    expect(peerSelection('')).toEqual({ peer: null, proxy: null });
    expect(peerSelection('c:3')).toEqual({ peer: { connection: 3 }, proxy: null });
    expect(peerSelection('p:p1:3:browser')).toEqual({ peer: side('p1', 3, 'browser'), proxy: null });
    expect(peerSelection('proxy:p1')).toEqual({ peer: null, proxy: 'p1' });
  });
  it('lists the proxies of the traffic and the model, in natural order', () => {
    const l = [entry(1, { peer: side('p10', 1, 'browser') }), entry(2, { peer: { connection: 1 } }), entry(3, { peer: side('p2', 1, 'upstream') })];
    expect(proxiesOf(l)).toEqual(['p2', 'p10']);
    expect(proxiesOf(l, ['p3', 'p2'])).toEqual(['p2', 'p3', 'p10']);
    expect(proxiesOf([])).toEqual([]);
  });
  it('puts each proxy’s (all) option before its sides, after the connections and remotes', () => {
    const peers = peersOf([
      entry(1, { peer: side('p1', 2, 'upstream') }),
      entry(2, { peer: { remote: 'r1' } }),
      entry(3, { peer: side('p1', 2, 'browser') }),
      entry(4, { peer: { connection: 4 } }),
      entry(5, { peer: side('p2', 1, 'browser') }),
    ]);
    expect(peerOptionKeys(peers, ['p3'])).toEqual([
      'c:4',
      'r:r1',
      'proxy:p1',
      'p:p1:2:browser',
      'p:p1:2:upstream',
      'proxy:p2',
      'p:p2:1:browser',
      'proxy:p3',
    ]);
    expect(peerOptionKeys([{ connection: 1 }], [])).toEqual(['c:1']);
  });
  it('has a store through which another pane asks for a proxy', () => {
    expect(get(trafficProxy)).toBeNull();
    trafficProxy.set('p1');
    expect(get(trafficProxy)).toBe('p1');
    trafficProxy.set(null);
  });
});

describe('pairs and sizes', () => {
  const request = entry(10, { kind: 'request', requestId: 4 });
  const response = entry(12, { kind: 'response', requestId: 4, pair: 10, rttMs: 7.5, success: true });
  it('finds the response of a request that predates its answer', () => {
    const idx = responseIndex([request, entry(11), response]);
    expect(pairSeq(request, idx)).toBe(12);
    expect(pairSeq(response, idx)).toBe(10);
    expect(pairSeq(entry(11), idx)).toBeNull();
    expect(pairRtt(request, response)).toBe(7.5);
    expect(pairRtt(request, null)).toBeNull();
  });
  it('describes state diffs by their ops', () => {
    expect(describeSize(entry(1, { size: 812 }))).toBe('812 B');
    expect(describeSize(entry(1, { kind: 'state', size: 2048, data: [{ op: 'add', path: '/a', value: 1 }, { op: 'remove', path: '/b' }] }))).toBe('diff 2 ops, 2 KiB');
    expect(describeSize(entry(1, { kind: 'state', size: 40, data: [{ op: 'add', path: '/a', value: 1 }] }))).toBe('diff 1 op, 40 B');
  });
});

describe('TrafficLog', () => {
  afterEach(() => vi.useRealTimers());

  function fakeSource(answers: TrafficEntry[][]) {
    const handlers = new Map<string, (d: any) => void>();
    const model = writable<any>(null);
    const status = writable({ kind: 'connecting' });
    const sent: string[] = [];
    const source: TrafficSource = {
      async send<N extends CommandName>(name: N, ..._args: CommandData<N>) {
        sent.push(name);
        if (name === 'traffic.query') return (answers.shift() ?? []) as CommandAnswer<N>;
        return null as CommandAnswer<N>;
      },
      on(event, h) {
        handlers.set(event, h);
        return () => handlers.delete(event);
      },
      model,
      status,
    };
    return { source, handlers, model, status, sent };
  }

  it('merges events once a frame, dedupes them with the query and pairs halves', async () => {
    const frames: (() => void)[] = [];
    const f = fakeSource([[entry(1), entry(2, { kind: 'request' })]]);
    const log = new TrafficLog(100, (fn) => frames.push(fn));
    log.attach(f.source);
    log.follow();
    f.status.set({ kind: 'open' });
    await vi.waitFor(() => expect(seqs(log.current)).toEqual([1, 2]));
    // A list of rows (an older engine sent entry objects, or one alone: taken too).
    f.handlers.get('traffic')!([entry(2, { kind: 'request' })]);
    f.handlers.get('traffic')!(entry(3, { kind: 'response', pair: 2, rttMs: 3 }));
    expect(seqs(get(log.entries))).toEqual([1, 2]);
    // One frame asked for, whatever the number of events.
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(seqs(get(log.entries))).toEqual([1, 2, 3]);
    expect(log.pairOf(log.get(2)!)?.seq).toBe(3);
    expect(log.pairOf(log.get(3)!)?.seq).toBe(2);
    log.detach();
  });

  it('drops what the engine cleared and re-queries after a lag', async () => {
    const f = fakeSource([[entry(1), entry(2)], [entry(5), entry(6)]]);
    const log = new TrafficLog(100);
    log.attach(f.source);
    log.follow();
    f.status.set({ kind: 'open' });
    await vi.waitFor(() => expect(seqs(log.current)).toEqual([1, 2]));
    f.model.set({ traffic: { entries: 0, lastSeq: 2 } });
    expect(log.current).toEqual([]);
    f.handlers.get('events.lagged')!({ missed: 3 });
    await vi.waitFor(() => expect(seqs(log.current)).toEqual([5, 6]));
    expect(f.sent).toEqual(['traffic.follow', 'traffic.query', 'traffic.query']);
  });

  it('replaces the list on reconnect (a new engine starts seq again)', async () => {
    const f = fakeSource([[entry(7), entry(8)], [entry(1)]]);
    const log = new TrafficLog(100);
    log.attach(f.source);
    log.follow();
    f.status.set({ kind: 'open' });
    await vi.waitFor(() => expect(seqs(log.current)).toEqual([7, 8]));
    f.status.set({ kind: 'closed' });
    f.status.set({ kind: 'open' });
    await vi.waitFor(() => expect(seqs(log.current)).toEqual([1]));
  });

  it('clear empties the copy and takes what the engine holds after', async () => {
    const f = fakeSource([[entry(1), entry(2)], [entry(3)]]);
    const log = new TrafficLog(100);
    log.attach(f.source);
    log.follow();
    f.status.set({ kind: 'open' });
    await vi.waitFor(() => expect(seqs(log.current)).toEqual([1, 2]));
    await log.clear(f.source);
    expect(seqs(log.current)).toEqual([3]);
    expect(f.sent).toContain('traffic.clear');
  });

  it('asks for entries only while a pane claims them, and for what it missed meanwhile', async () => {
    vi.useFakeTimers();
    const f = fakeSource([[entry(1), entry(2)], [entry(3), entry(4)], [entry(9)]]);
    const follows: unknown[] = [];
    const send = f.source.send;
    f.source.send = (async (name: CommandName, ...args: unknown[]) => {
      if (name === 'traffic.follow') follows.push((args[0] as { on: boolean }).on);
      return (send as any)(name, ...args);
    }) as TrafficSource['send'];
    const log = new TrafficLog(100, (fn) => fn());
    log.attach(f.source);
    f.status.set({ kind: 'open' });
    f.model.set({ traffic: { entries: 2, lastSeq: 2 } });
    // Open, but no pane lists entries: nothing asked.
    expect(f.sent).toEqual([]);
    const release = log.follow();
    expect(log.followed).toBe(true);
    await vi.waitFor(() => expect(seqs(log.current)).toEqual([1, 2]));
    expect(f.sent).toEqual(['traffic.follow', 'traffic.query']);
    // A second pane claims them while the first still does: nothing new.
    const second = log.follow();
    release();
    release();
    second();
    expect(log.followed).toBe(false);
    // Going from one pane to another within a second asks for nothing.
    log.follow()();
    expect(follows).toEqual([true]);
    vi.advanceTimersByTime(1000);
    expect(follows).toEqual([true, false]);
    // Two entries logged meanwhile: they join what is held (merged).
    f.model.set({ traffic: { entries: 4, lastSeq: 4 } });
    log.follow();
    await vi.waitFor(() => expect(seqs(log.current)).toEqual([1, 2, 3, 4]));
    expect(follows).toEqual([true, false, true]);
    // A reconnection follows again and takes the log as it is.
    f.status.set({ kind: 'closed' });
    f.status.set({ kind: 'open' });
    await vi.waitFor(() => expect(seqs(log.current)).toEqual([9]));
    expect(follows).toEqual([true, false, true, true]);
    log.detach();
  });

  it('reads the rows of a traffic event as entries', () => {
    const e = entry(4, { kind: 'response', pair: 3, rttMs: 2.5, success: false, name: 'x', requestId: 9, note: 'n' });
    const row: TrafficRow = [e.seq, e.timeMs, e.peer, e.direction, e.kind, e.name, e.requestId, e.success, e.data, e.dataTruncated, e.size, e.pair, e.rttMs, e.note ?? null];
    expect(entriesOf([row])).toEqual([e]);
    const plain = entry(5);
    const got = entriesOf([[plain.seq, plain.timeMs, plain.peer, plain.direction, plain.kind, plain.name, plain.requestId, plain.success, plain.data, plain.dataTruncated, plain.size, plain.pair, plain.rttMs, null], plain]);
    expect(got).toEqual([plain, plain]);
    expect('note' in got[0]).toBe(false);
    expect(entriesOf(plain)).toEqual([plain]);
    expect(entriesOf(null)).toEqual([]);
  });

  it('keeps its indexes entry by entry and says when the list was not only appended to', () => {
    const frames: (() => void)[] = [];
    const log = new TrafficLog(3, (fn) => frames.push(fn));
    log.merge([entry(1), entry(2, { peer: { connection: 2 }, kind: 'request' })]);
    const g = log.generation;
    log.add(entry(3, { kind: 'response', pair: 2, rttMs: 1 }));
    log.add(entry(4, { peer: { remote: 'r1' } }));
    frames.shift()!();
    expect(log.generation).toBe(g);
    expect(seqs(log.current)).toEqual([2, 3, 4]);
    expect(log.pairOf(log.get(2)!)?.seq).toBe(3);
    expect(log.peers().map(peerKey).sort()).toEqual(['c:1', 'c:2', 'r:r1']);
    // Entry 2 (the only one of connection 2) drops out.
    log.add(entry(5, { peer: { remote: 'r1' } }));
    frames.shift()!();
    expect(log.get(2)).toBeUndefined();
    expect(log.peers().map(peerKey).sort()).toEqual(['c:1', 'r:r1']);
    expect(log.generation).toBe(g);
    // An older entry merged in (a query's answer): the list was replaced.
    log.merge([entry(3, { kind: 'response', pair: 2, rttMs: 1, name: 'later copy' })]);
    expect(log.generation).toBe(g + 1);
    expect(log.get(3)?.name).toBe('later copy');
  });

  it('stays bounded', () => {
    const log = new TrafficLog(3);
    log.merge([entry(1), entry(2), entry(3)]);
    log.merge([entry(4)]);
    expect(seqs(log.current)).toEqual([2, 3, 4]);
    expect(log.get(1)).toBeUndefined();
  });
});
