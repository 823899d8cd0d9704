// A traffic log entry for the tests: a notify from connection 1 unless
// `over` says otherwise.
import type { TrafficEntry } from '../src/bindings/TrafficEntry';

export function trafficEntry(seq: number, over: Partial<TrafficEntry> = {}): TrafficEntry {
  return {
    seq,
    timeMs: 1_700_000_000_000 + seq,
    peer: { connection: 1 },
    direction: 'in',
    kind: 'notify',
    name: `n${seq}`,
    requestId: null,
    success: null,
    data: null,
    dataTruncated: false,
    size: 10,
    pair: null,
    rttMs: null,
    ...over,
  };
}
