import { describe, expect, it } from 'vitest';
import {
  banner,
  bannerLine,
  describeStep,
  formatMs,
  newestFirst,
  phaseMark,
  pointerOf,
  pointerText,
  rememberRun,
  runFor,
  stepKind,
  stepRows,
  violationSubject,
  type Scenario,
  type ScenarioStatus,
  type SchemaViolation,
} from '../src/lib/scenarios';
import { matchViolations, type TrafficEntry } from '../src/lib/traffic';
import { trafficEntry } from './trafficEntries';

describe('step summaries', () => {
  it('writes paths as pointers', () => {
    expect(pointerOf(['pumps', 1, 'running'])).toBe('/pumps/1/running');
    expect(pointerOf('name')).toBe('/name');
    expect(pointerOf(3)).toBe('/3');
    expect(pointerOf([['a', 'b/c'], ['~']])).toBe('/a/b~1c/~0');
    expect(pointerOf([])).toBe('');
    expect(pointerOf(null)).toBe('');
    expect(pointerOf({ x: 1 })).toBe('{"x":1}');
    expect(pointerOf([1.5])).toBe('[1.5]');
  });

  it('formats milliseconds', () => {
    expect(formatMs(500)).toBe('500 ms');
    expect(formatMs(2000)).toBe('2 s');
    expect(formatMs(1500)).toBe('1.5 s');
    expect(formatMs(90_000)).toBe('90 s');
    expect(formatMs(120_000)).toBe('2 min');
  });

  it('says what each kind of step does', () => {
    expect(describeStep({ setState: { path: ['pumps', 1, 'running'], value: true } })).toBe('setState /pumps/1/running = true');
    expect(describeStep({ setState: { path: [], value: { a: 1 } } })).toBe('setState (whole state) = {"a": 1}');
    expect(describeStep({ expectRequest: { name: 'pump.start', data: { pump: 1 }, withinMs: 2000 } })).toBe(
      'expect request pump.start {"pump": 1} within 2 s',
    );
    expect(describeStep({ expectRequest: { name: 'ping', withinMs: 500, respond: 'pong' } })).toBe('expect request ping within 500 ms, answer "pong"');
    expect(describeStep({ expectRequest: { name: 'ping', data: null, withinMs: 500 } })).toBe('expect request ping within 500 ms');
    expect(describeStep({ expectState: { path: ['pumps', 1, 'running'], value: true, withinMs: 2000 } })).toBe(
      'expect state /pumps/1/running = true within 2 s',
    );
    expect(describeStep({ notify: { name: 'alarm', data: { text: 'P2 stopped' }, target: 'all' } })).toBe('notify alarm {"text": "P2 stopped"} to all');
    expect(describeStep({ notify: { name: 'hi', data: null, target: [1, 3] } })).toBe('notify hi to #1, #3');
    expect(describeStep({ wait: { ms: 250 } })).toBe('wait 250 ms');
    expect(describeStep({ waitForConnections: { count: 1, withinMs: 30_000 } })).toBe('wait for 1 connection within 30 s');
    expect(describeStep({ waitForConnections: { count: 2, withinMs: 1000 } })).toBe('wait for 2 connections within 1 s');
    expect(describeStep({ replaceState: { value: { pumps: [] } } })).toBe('replaceState with {"pumps": []}');
    expect(
      describeStep({
        patch: {
          diff: [
            { op: 'replace', path: '/a', value: 1 },
            { op: 'remove', path: '/b' },
            { op: 'move', from: '/c', path: '/d' },
            { op: 'add', path: '/e', value: 2 },
          ],
        },
      }),
    ).toBe('patch replace /a = 1, remove /b, move /c → /d and 1 more');
    expect(describeStep({ patch: { diff: [] } })).toBe('patch (no operations)');
  });

  it('cuts long values', () => {
    const text = describeStep({ setState: { path: 'x', value: 'y'.repeat(200) } });
    expect(text.length).toBeLessThan(80);
    expect(text.endsWith('…')).toBe(true);
  });

  it('names the kind', () => {
    expect(stepKind({ wait: { ms: 1 } })).toBe('wait');
  });
});

const scenario: Scenario = {
  name: 'pumps',
  steps: [
    { setState: { path: ['pumps', 1, 'running'], value: false } },
    { notify: { name: 'alarm', data: null, target: 'all' } },
    { expectRequest: { name: 'pump.start', data: { index: 1 }, withinMs: 2000 } },
  ],
};

function status(over: Partial<ScenarioStatus> = {}): ScenarioStatus {
  return { name: 'pumps', running: true, step: 0, steps: 3, startedAt: 1, results: [], passed: null, stopped: false, ...over };
}

const ok = (index: number, kind: string, ms = 5) => ({ index, kind, ok: true, ms, message: `${kind} done` });

describe('status → view', () => {
  it('shows the definition as pending without a run of it', () => {
    expect(stepRows(scenario, null).map((r) => r.phase)).toEqual(['pending', 'pending', 'pending']);
    expect(stepRows(scenario, status({ name: 'other', running: false, passed: true })).map((r) => r.phase)).toEqual(['pending', 'pending', 'pending']);
    expect(stepRows(scenario, null)[0].summary).toBe('setState /pumps/1/running = false');
  });

  it('highlights the running step and marks the finished ones', () => {
    const rows = stepRows(scenario, status({ step: 2, results: [ok(0, 'setState'), ok(1, 'notify')] }));
    expect(rows.map((r) => r.phase)).toEqual(['passed', 'passed', 'running']);
    expect(rows[0].result?.message).toBe('setState done');
    expect(banner(status({ step: 2 }))).toEqual({ kind: 'running', text: '▶ pumps: running step 3 of 3' });
  });

  it('reports a pass', () => {
    const s = status({ running: false, step: 3, passed: true, results: [ok(0, 'setState', 1), ok(1, 'notify', 2), ok(2, 'expectRequest', 1497)] });
    expect(stepRows(scenario, s).map((r) => r.phase)).toEqual(['passed', 'passed', 'passed']);
    expect(banner(s)).toEqual({ kind: 'passed', text: '✓ pumps passed: 3 steps in 1.5 s' });
  });

  it('reports a failure with its message, the rest not run', () => {
    const failed = { index: 1, kind: 'notify', ok: false, ms: 3, message: 'step 2 notify: boom' };
    const s = status({ running: false, step: 2, passed: false, results: [ok(0, 'setState'), failed] });
    expect(stepRows(scenario, s).map((r) => r.phase)).toEqual(['passed', 'failed', 'skipped']);
    expect(banner(s)).toEqual({ kind: 'failed', text: '✗ pumps failed at step 2 of 3', detail: 'step 2 notify: boom' });
    expect(bannerLine(banner(s))).toBe('✗ pumps failed at step 2 of 3: step 2 notify: boom');
    expect(bannerLine(banner(status({ step: 0 })))).toBe('▶ pumps: running step 1 of 3');
  });

  it('reports a stop', () => {
    const s = status({ running: false, step: 2, passed: false, stopped: true, results: [ok(0, 'setState'), ok(1, 'notify'), { index: 2, kind: 'expectRequest', ok: false, ms: 9, message: 'stopped' }] });
    expect(banner(s).kind).toBe('stopped');
    expect(banner(s).text).toBe('■ pumps stopped at step 3 of 3');
  });

  it('shows a run without its definition from the results', () => {
    const s = status({ running: false, step: 1, passed: false, steps: 2, results: [{ index: 0, kind: 'wait', ok: false, ms: 1, message: 'x' }] });
    const rows = stepRows(null, s);
    expect(rows.map((r) => [r.summary, r.phase])).toEqual([
      ['wait', 'failed'],
      ['step 2', 'skipped'],
    ]);
  });

  it('remembers the last finished run of each scenario', () => {
    const running = status();
    const passed = status({ running: false, step: 3, passed: true });
    const other = status({ name: 'other', running: false, step: 1, steps: 1, passed: false });
    let reports = rememberRun({}, null);
    expect(reports).toEqual({});
    expect(rememberRun(reports, running)).toBe(reports);
    reports = rememberRun(reports, passed);
    expect(rememberRun(reports, passed)).toBe(reports);
    reports = rememberRun(reports, other);
    expect(Object.keys(reports).sort()).toEqual(['other', 'pumps']);
    expect(runFor('pumps', other, reports)).toBe(passed);
    expect(runFor('pumps', running, reports)).toBe(running);
    expect(runFor('nope', other, reports)).toBe(null);
  });

  it('has a mark for each phase', () => {
    expect(['pending', 'running', 'passed', 'failed', 'skipped'].map((p) => phaseMark(p as never))).toEqual(['·', '▶', '✓', '✗', '–']);
  });
});

const T = 1_700_000_000_000;

function violation(over: Partial<SchemaViolation> = {}): SchemaViolation {
  return { time: T, kind: 'request', name: 'pump.start', connectionId: 1, pointer: '/index', message: '"x" is not of type "integer"', ...over };
}

function entry(seq: number, over: Partial<TrafficEntry> = {}): TrafficEntry {
  return trafficEntry(seq, { timeMs: T, kind: 'request', name: 'pump.start', requestId: seq, ...over });
}

describe('violations', () => {
  it('lists newest first and names the subject', () => {
    const a = violation({ time: 1 });
    const b = violation({ time: 2, kind: 'state', name: undefined, connectionId: undefined, pointer: '' });
    expect(newestFirst([a, b])).toEqual([b, a]);
    expect(violationSubject(a)).toBe('request pump.start from #1');
    expect(violationSubject(b)).toBe('state');
    expect(pointerText('')).toBe('(whole value)');
    expect(pointerText('/a')).toBe('/a');
  });

  it('flags the request of the same connection and name just before', () => {
    const entries = [
      entry(1, { timeMs: T - 5000 }), // too old
      entry(2, { timeMs: T - 20 }), // this one
      entry(3, { timeMs: T - 10, name: 'pump.stop' }), // other name
      entry(4, { timeMs: T - 10, peer: { connection: 2 } }), // other connection
      entry(5, { timeMs: T - 10, direction: 'out', kind: 'response', name: null }), // a response
      entry(6, { timeMs: T + 3000 }), // after
    ];
    const flags = matchViolations(entries, [violation()]);
    expect([...flags.keys()]).toEqual([2]);
    expect(flags.get(2)).toEqual(['/index: "x" is not of type "integer"']);
  });

  it('takes the nearest of several requests, and a little clock slack', () => {
    const entries = [entry(1, { timeMs: T - 900 }), entry(2, { timeMs: T - 300 })];
    expect([...matchViolations(entries, [violation()]).keys()]).toEqual([2]);
    expect([...matchViolations([entry(7, { timeMs: T + 30 })], [violation()]).keys()]).toEqual([7]);
    expect(matchViolations([entry(7, { timeMs: T + 500 })], [violation()]).size).toBe(0);
  });

  it('gathers the messages of one request', () => {
    const flags = matchViolations([entry(1)], [violation(), violation({ pointer: '', message: 'missing "index"' }), violation()]);
    expect(flags.get(1)).toEqual(['/index: "x" is not of type "integer"', 'missing "index"']);
  });

  it('flags the state diff sent to each connection nearest a state violation', () => {
    const state = { kind: 'state' as const, direction: 'out' as const, name: null, requestId: null };
    const entries = [
      entry(1, { ...state, timeMs: T - 400 }),
      entry(2, { ...state, timeMs: T + 30 }),
      entry(3, { ...state, timeMs: T + 40, peer: { connection: 2 } }),
      entry(4, { ...state, timeMs: T + 5000, peer: { connection: 3 } }),
      entry(5, { timeMs: T }),
    ];
    const flags = matchViolations(entries, [violation({ kind: 'state', name: undefined, connectionId: undefined, pointer: '/pumps/0/running' })]);
    expect([...flags.keys()].sort()).toEqual([2, 3]);
  });
});
