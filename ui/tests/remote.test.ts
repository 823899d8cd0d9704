import { describe, expect, it } from 'vitest';
import {
  ChangeHistory,
  bookmarkFromForm,
  buildTarget,
  emptyForm,
  errorValue,
  filterChanges,
  filterNotifications,
  formErrors,
  formatMs,
  needsExactText,
  typedPath,
  formFromBookmark,
  formFromTarget,
  parseData,
  pathToPointer,
  selectionPointer,
  preview,
  pushBounded,
  remainingMs,
  statusText,
  suggestBookmarkName,
  tabLabels,
  removeBookmark,
  upsertBookmark,
  validateUrl,
} from '../src/lib/remote';
import { applyPatch, type Json, type PatchOp } from '../src/lib/patch';

describe('validateUrl', () => {
  it('accepts ws:// and wss:// URLs', () => {
    expect(validateUrl('ws://127.0.0.1:8080/ws')).toBeNull();
    expect(validateUrl('  wss://example.com/juggler  ')).toBeNull();
    expect(validateUrl('WS://[::1]:9000/ws')).toBeNull();
  });
  it('says what is wrong otherwise', () => {
    expect(validateUrl('')).toMatch(/Enter/);
    expect(validateUrl('http://x')).toMatch(/ws:\/\/ or wss:\/\/.*not http:\/\//);
    expect(validateUrl('https://x')).toMatch(/wss:\/\/… for https/);
    expect(validateUrl('127.0.0.1:8080')).toMatch(/scheme/);
    expect(validateUrl('localhost:8080/ws')).toMatch(/scheme/);
    expect(validateUrl('localhost')).toMatch(/scheme/);
    expect(validateUrl('ws://')).not.toBeNull();
    expect(validateUrl('ws://host:99999/ws')).toMatch(/Not a valid URL/);
    expect(validateUrl('ws://host/ws#x')).toMatch(/fragment/);
  });
});

describe('the connect form', () => {
  it('builds the smallest target', () => {
    // The generation is told by the server unless chosen.
    expect(buildTarget(emptyForm(' ws://h:1/ws '))).toEqual({ url: 'ws://h:1/ws', generation: 'auto' });
  });
  it('builds auth and trust', () => {
    const form = { ...emptyForm('wss://h/ws'), generation: '0.7' as const, user: 'ann', password: 'pw', trust: 'caFile' as const, caFile: '/ca.pem' };
    expect(buildTarget(form)).toEqual({ url: 'wss://h/ws', generation: '0.7', user: 'ann', password: 'pw', caFile: '/ca.pem' });
    expect(buildTarget({ ...form, trust: 'insecure' })).toEqual({ url: 'wss://h/ws', generation: '0.7', user: 'ann', password: 'pw', insecure: true });
    // No password without a user; the CA file only with the caFile trust.
    expect(buildTarget({ ...form, user: '', trust: 'system' })).toEqual({ url: 'wss://h/ws', generation: '0.7' });
  });
  it('reports the fields that keep it from connecting', () => {
    expect(formErrors(emptyForm('ws://h/ws'))).toEqual({});
    const errors = formErrors({ ...emptyForm('http://x'), trust: 'caFile', password: 'pw' });
    expect(Object.keys(errors).sort()).toEqual(['caFile', 'password', 'url']);
  });
});

describe('bookmarks', () => {
  it('round-trip through the form without the password', () => {
    const form = { ...emptyForm('wss://h/ws'), user: 'ann', password: 'secret', trust: 'caFile' as const, caFile: '/ca.pem' };
    const b = bookmarkFromForm(' mine ', form);
    expect(b).toEqual({ name: 'mine', url: 'wss://h/ws', user: 'ann', trust: { caFile: '/ca.pem' } });
    expect(bookmarkFromForm('m', { ...form, generation: '0.6' }).generation).toBe('0.6');
    expect(JSON.stringify(b)).not.toContain('secret');
    expect(formFromBookmark(b)).toEqual({ ...form, password: '' });
    expect(formFromBookmark({ name: 'x', url: 'ws://a/ws', generation: '0.7', trust: 'insecure' })).toEqual({
      ...emptyForm('ws://a/ws'), generation: '0.7', trust: 'insecure',
    });
  });
  it('a session\'s target fills the form of a stopped session, and goes back unchanged', () => {
    const target = { url: 'wss://h/ws', generation: '0.7' as const, user: 'ann', caFile: '/ca.pem' };
    const form = formFromTarget(target);
    expect(form).toEqual({ url: 'wss://h/ws', generation: '0.7', user: 'ann', password: '', trust: 'caFile', caFile: '/ca.pem' });
    // No password: the engine keeps the session's.
    expect(buildTarget(form)).toEqual(target);
    expect(formFromTarget({ url: 'ws://a/ws', generation: 'auto', insecure: true })).toEqual({ ...emptyForm('ws://a/ws'), trust: 'insecure' });
  });
  it('are replaced by name, added or removed', () => {
    const list = [
      { name: 'a', url: 'ws://a/ws', generation: '0.6' as const, trust: 'system' as const },
      { name: 'b', url: 'ws://b/ws', generation: '0.6' as const, trust: 'system' as const },
    ];
    expect(upsertBookmark(list, { ...list[0], url: 'ws://c/ws' }).map((b) => b.url)).toEqual(['ws://c/ws', 'ws://b/ws']);
    expect(upsertBookmark(list, { ...list[0], name: 'c' })).toHaveLength(3);
    expect(removeBookmark(list, 'a').map((b) => b.name)).toEqual(['b']);
    expect(list).toHaveLength(2);
  });
  it('get unique suggested names', () => {
    expect(suggestBookmarkName('ws://127.0.0.1:8080/ws', [])).toBe('127.0.0.1:8080/ws');
    expect(suggestBookmarkName('ws://h/', ['h', 'h (2)'])).toBe('h (3)');
  });
});

describe('pushBounded', () => {
  it('keeps the last max items', () => {
    expect(pushBounded([1, 2], [3], 5)).toEqual([1, 2, 3]);
    expect(pushBounded([1, 2, 3], [4, 5], 3)).toEqual([3, 4, 5]);
  });
});

/** Applies ops to the model and records them, as `onDiff` would. */
function feed(h: ChangeHistory, model: Json, ops: PatchOp[], time = 1000): Json {
  const next = applyPatch(model, ops);
  h.record(ops, next, time);
  return next;
}

describe('ChangeHistory', () => {
  const session = (state: Json) => ({ id: 'r1', status: { kind: 'connected' }, state, notifications: [], requests: [] });

  it('records ops under /remotes/ID/state with path and new value', () => {
    const h = new ChangeHistory();
    let m: Json = { remotes: { r1: session(null) } };
    m = feed(h, m, [{ op: 'replace', path: '/remotes/r1/status', value: { kind: 'connected' } }]);
    expect(h.of('r1')).toEqual([]);
    m = feed(h, m, [{ op: 'replace', path: '/remotes/r1/state', value: { a: { b: 1 }, l: [1] } }], 1);
    m = feed(h, m, [
      { op: 'replace', path: '/remotes/r1/state/a/b', value: 2 },
      { op: 'add', path: '/remotes/r1/state/l/-', value: 5 },
      { op: 'remove', path: '/remotes/r1/state/l/0' },
    ], 2);
    expect(h.of('r1').map((c) => [c.time, c.path, c.op, c.value])).toEqual([
      [1, '', 'replace', { a: { b: 1 }, l: [1] }],
      [2, '/a/b', 'replace', 2],
      [2, '/l/-', 'add', 5],
      [2, '/l/0', 'remove', undefined],
    ]);
    const seqs = h.of('r1').map((c) => c.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  it('records a whole session or model as the state at the root', () => {
    const h = new ChangeHistory();
    let m: Json = null;
    m = feed(h, m, [{ op: 'replace', path: '', value: { remotes: { r1: session({ x: 1 }), r2: session(null) } } }]);
    expect(h.of('r1').map((c) => [c.path, c.value])).toEqual([['', { x: 1 }]]);
    expect(h.of('r2')).toEqual([]);
    m = feed(h, m, [{ op: 'add', path: '/remotes/r3', value: session({ y: 2 }) }]);
    expect(h.of('r3').map((c) => c.value)).toEqual([{ y: 2 }]);
    expect(h.of('r1')).toHaveLength(1);
  });

  it('records nothing when a resync brings the same states', () => {
    const h = new ChangeHistory();
    const whole = () => ({ remotes: { r1: session({ a: { b: [1, 2] } }), r2: session({ z: 'z' }), r3: session(null) }, state: {} });
    let m: Json = null;
    m = feed(h, m, [{ op: 'replace', path: '', value: whole() }], 1);
    m = feed(h, m, [{ op: 'replace', path: '/remotes/r1/state/a/b/0', value: 7 }], 2);
    m = feed(h, m, [{ op: 'replace', path: '/remotes/r1/state/a/b/0', value: 1 }], 3);
    const before = { r1: h.of('r1').slice(), r2: h.of('r2').slice(), r3: h.of('r3').slice() };
    expect(before.r1.map((c) => [c.time, c.path])).toEqual([[1, ''], [2, '/a/b/0'], [3, '/a/b/0']]);
    // The UI's link reconnects: a new connection starts from null and gets the whole model
    // (fresh objects, as parsed from the wire), once at "" and once at /remotes.
    m = feed(h, null, [{ op: 'replace', path: '', value: whole() }], 4);
    m = feed(h, m, [{ op: 'replace', path: '/remotes', value: whole().remotes }], 5);
    // Members in another order are the same JSON.
    const reordered = whole();
    reordered.remotes.r1.state = { a: { b: [1, 2] } };
    m = feed(h, m, [{ op: 'add', path: '', value: { state: {}, remotes: { r2: reordered.remotes.r2, r3: reordered.remotes.r3, r1: reordered.remotes.r1 } } }], 6);
    expect({ r1: h.of('r1'), r2: h.of('r2'), r3: h.of('r3') }).toEqual(before);
  });

  it('records the state at the root on a resync only for the session whose state changed meanwhile', () => {
    const h = new ChangeHistory();
    let m: Json = null;
    m = feed(h, m, [{ op: 'replace', path: '', value: { remotes: { r1: session({ n: 1 }), r2: session({ n: 1 }) } } }], 1);
    // While the UI was disconnected, r2's state changed; the resync comes as two whole ops.
    const next = { remotes: { r1: session({ n: 1 }), r2: session({ n: 2 }) } };
    m = feed(h, null, [
      { op: 'replace', path: '', value: next },
      { op: 'replace', path: '/remotes', value: structuredClone(next.remotes) },
    ], 2);
    expect(h.of('r1').map((c) => [c.time, c.path, c.value])).toEqual([[1, '', { n: 1 }]]);
    expect(h.of('r2').map((c) => [c.time, c.path, c.op, c.value])).toEqual([
      [1, '', 'replace', { n: 1 }],
      [2, '', 'replace', { n: 2 }],
    ]);
    // A session whose state was null and now has one changed too.
    m = feed(h, m, [{ op: 'replace', path: '/remotes/r1/state', value: null }], 3);
    m = feed(h, m, [{ op: 'replace', path: '/remotes', value: { r1: session({ n: 5 }), r2: session({ n: 2 }) } }], 4);
    expect(h.of('r1').map((c) => [c.time, c.path, c.value])).toEqual([
      [1, '', { n: 1 }],
      [3, '', null],
      [4, '', { n: 5 }],
    ]);
    expect(h.of('r2')).toHaveLength(2);
  });

  it('records the first state of a session new to it, also on a resync', () => {
    const h = new ChangeHistory();
    let m: Json = null;
    m = feed(h, m, [{ op: 'replace', path: '', value: { remotes: { r1: session({ a: 1 }) } } }], 1);
    m = feed(h, null, [{ op: 'replace', path: '', value: { remotes: { r1: session({ a: 1 }), r2: session({ b: 2 }) } } }], 2);
    expect(h.of('r1').map((c) => c.time)).toEqual([1]);
    expect(h.of('r2').map((c) => [c.time, c.path, c.value])).toEqual([[2, '', { b: 2 }]]);
    // A session that left and came back under the same id is new again.
    m = feed(h, m, [{ op: 'remove', path: '/remotes/r1' }], 3);
    m = feed(h, m, [{ op: 'add', path: '/remotes/r1', value: session({ a: 1 }) }], 4);
    expect(h.of('r1').map((c) => [c.time, c.path, c.value])).toEqual([[4, '', { a: 1 }]]);
    // Ordinary changes after a resync are recorded as before.
    m = feed(h, null, [{ op: 'replace', path: '', value: structuredClone(m) }], 5);
    m = feed(h, m, [{ op: 'add', path: '/remotes/r2/state/c', value: 3 }], 6);
    expect(h.of('r2').map((c) => [c.time, c.path, c.op, c.value])).toEqual([
      [2, '', 'replace', { b: 2 }],
      [6, '/c', 'add', 3],
    ]);
    expect(h.of('r1')).toHaveLength(1);
  });

  it('forgets sessions that leave /remotes and ignores others', () => {
    const h = new ChangeHistory();
    let m: Json = { remotes: { r1: session({ a: 1 }) }, state: {} };
    m = feed(h, m, [{ op: 'replace', path: '/remotes/r1/state/a', value: 2 }]);
    m = feed(h, m, [{ op: 'replace', path: '/state', value: { a: 3 } }]);
    expect(h.of('r1')).toHaveLength(1);
    m = feed(h, m, [{ op: 'remove', path: '/remotes/r1' }]);
    expect(h.of('r1')).toEqual([]);
  });

  it('is bounded per session', () => {
    const h = new ChangeHistory(3);
    let m: Json = { remotes: { r1: session({ n: 0 }) } };
    for (let i = 1; i <= 5; i++) m = feed(h, m, [{ op: 'replace', path: '/remotes/r1/state/n', value: i }]);
    expect(h.of('r1').map((c) => c.value)).toEqual([3, 4, 5]);
  });

  it('escapes keys and filters by the selected node and its children, newest first', () => {
    const h = new ChangeHistory();
    let m: Json = { remotes: { r1: session({ 'a/b': 0, a: { b: 0 }, ab: 0 }) } };
    m = feed(h, m, [
      { op: 'replace', path: '/remotes/r1/state/a~1b', value: 1 },
      { op: 'replace', path: '/remotes/r1/state/a/b', value: 2 },
      { op: 'replace', path: '/remotes/r1/state/ab', value: 3 },
    ]);
    const all = h.of('r1');
    expect(filterChanges(all, null).map((c) => c.value)).toEqual([3, 2, 1]);
    expect(filterChanges(all, pathToPointer(['a'])).map((c) => c.path)).toEqual(['/a/b']);
    expect(filterChanges(all, pathToPointer(['a/b'])).map((c) => c.path)).toEqual(['/a~1b']);
    expect(filterChanges(all, pathToPointer([])).length).toBe(3);
  });

  it('reads the pointer of a tree selection', () => {
    expect(selectionPointer(undefined)).toBeNull();
    expect(selectionPointer({ type: 'value', path: ['a/b', 0] } as never)).toBe('/a~1b/0');
    expect(selectionPointer({ type: 'multi', anchorPath: ['x'], focusPath: ['y', 1] } as never)).toBe('/y/1');
    expect(selectionPointer({ type: 'text', ranges: [], main: 0 } as never)).toBeNull();
  });
});

describe('status, composer and lists', () => {
  it('says the status with a countdown', () => {
    expect(statusText({ kind: 'connecting', attempt: 1 })).toBe('connecting…');
    expect(statusText({ kind: 'connecting', attempt: 3 })).toBe('connecting (attempt 3)…');
    expect(statusText({ kind: 'connected' })).toBe('connected');
    const d = { kind: 'disconnected' as const, reason: 'refused', retryInMs: 4000 };
    expect(statusText(d)).toBe('disconnected: refused — retrying in 4 s');
    expect(statusText(d, remainingMs(4000, 1000, 2500))).toBe('disconnected: refused — retrying in 3 s');
    expect(statusText(d, remainingMs(4000, 1000, 9000))).toBe('disconnected: refused — retrying now');
    expect(statusText({ ...d, retryInMs: null })).toBe('disconnected: refused');
    expect(statusText({ kind: 'stopped', reason: 'HTTP 401' })).toBe('stopped: HTTP 401');
  });
  it('parses the composer’s data', () => {
    expect(parseData('')).toEqual({ ok: true, value: null });
    expect(parseData(' {"a": [1]} ')).toEqual({ ok: true, value: { a: [1] } });
    const bad = parseData('{a}');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/^Not JSON/);
  });
  it('filters notifications newest first', () => {
    const list = [
      { time: 1, name: 'alarm', data: 1 },
      { time: 2, name: 'log', data: 2 },
      { time: 3, name: 'Alarm.high', data: 3 },
    ];
    expect(filterNotifications(list, '').map((n) => n.time)).toEqual([3, 2, 1]);
    expect(filterNotifications(list, 'ALARM').map((n) => n.time)).toEqual([3, 1]);
    expect(list.map((n) => n.time)).toEqual([1, 2, 3]);
  });
  it('formats milliseconds', () => {
    expect(formatMs(0.4234)).toBe('0.42 ms');
    expect(formatMs(1.555474)).toBe('1.6 ms');
    expect(formatMs(37.2)).toBe('37 ms');
  });
  it('previews values and error answers', () => {
    expect(preview({ a: 1 })).toBe('{"a":1}');
    expect(preview(undefined)).toBe('(removed)');
    expect(preview('x'.repeat(300), 10)).toHaveLength(10);
    expect(errorValue({ code: 'remoteError', message: 'm', data: { why: 1 } })).toEqual({ why: 1 });
    expect(errorValue({ code: 'invalid', message: 'not connected' })).toBe('not connected');
  });
});

describe('needsExactText', () => {
  it('marks the numbers JSON.parse may not have kept', () => {
    for (const t of ['123456789012345678901234567890', '9007199254740993', '-0', '-0.0', '1e400'])
      expect(needsExactText(JSON.parse(t)), t).toBe(true);
    for (const t of ['0', '1', '-1', '9007199254740991', '0.30000000000000004', '1.5e-7', '"1e400"', 'null'])
      expect(needsExactText(JSON.parse(t)), t).toBe(false);
  });
});

describe('typedPath', () => {
  it('makes a step into an array a number', () => {
    expect(typedPath({ a: [{ '0': [5] }] }, ['a', '0', '0', '0'])).toEqual(['a', 0, '0', 0]);
    expect(typedPath(null, ['x'])).toEqual(['x']);
  });
});

describe('tabLabels', () => {
  it('numbers sessions to the same server', () => {
    const t = (id: string, url: string) => ({ id, target: { url } });
    expect(
      tabLabels([t('r1', 'ws://h:1/ws'), t('r2', 'ws://h:1/ws'), t('r3', 'wss://other:2/ws'), t('r4', 'ws://h:1/ws'), t('r5', 'ws://h:1/x')]),
    ).toEqual({ r1: 'h:1', r2: 'h:1 #2', r3: 'other:2', r4: 'h:1 #3', r5: 'h:1/x' });
  });
});
