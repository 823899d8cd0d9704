import { describe, expect, it, vi } from 'vitest';
import { ControlClient, type SocketLike } from '../src/lib/control';
import { DocFeed, MAX_PENDING, docAt, follow, routeOps, type PatchTarget } from '../src/lib/liveDoc';
import { createInsideSelection, createValueSelection, SelectionType, type JSONEditorSelection } from 'svelte-jsoneditor';
import { editorTarget, TEXT_EVERY_MS, TextModeError, type EditorApi } from '../src/lib/editorTarget';
import { applyPatch, parsePointer, type Json, type PatchOp } from '../src/lib/patch';

describe('routeOps', () => {
  it('takes the ops under the document, relative to it', () => {
    const ops: PatchOp[] = [
      { op: 'replace', path: '/state/items/3/name', value: 'x' },
      { op: 'replace', path: '/traffic/entries', value: 4 },
      { op: 'add', path: '/state/items/-', value: 1 },
    ];
    expect(routeOps(ops, '/state')).toEqual({
      reset: false,
      ops: [
        { op: 'replace', path: '/items/3/name', value: 'x' },
        { op: 'add', path: '/items/-', value: 1 },
      ],
    });
  });

  it('sends each document its own ops', () => {
    const ops: PatchOp[] = [
      { op: 'replace', path: '/connections/3/state/a', value: 1 },
      { op: 'replace', path: '/connections/30/state/a', value: 2 },
      { op: 'replace', path: '/state/a', value: 3 },
      { op: 'replace', path: '/remotes/r1/state/a', value: 4 },
    ];
    expect(routeOps(ops, '/connections/3/state')).toEqual({ reset: false, ops: [{ op: 'replace', path: '/a', value: 1 }] });
    expect(routeOps(ops, '/remotes/r1/state')).toEqual({ reset: false, ops: [{ op: 'replace', path: '/a', value: 4 }] });
    expect(routeOps(ops, '/remotes/r2/state')).toBeNull();
  });

  it('resets when the document or an ancestor is set or removed', () => {
    expect(routeOps([{ op: 'replace', path: '/state', value: {} }], '/state')).toEqual({ reset: true });
    expect(routeOps([{ op: 'replace', path: '', value: {} }], '/state')).toEqual({ reset: true });
    expect(routeOps([{ op: 'remove', path: '/connections/3' }], '/connections/3/state')).toEqual({ reset: true });
    expect(routeOps([{ op: 'add', path: '/remotes/r1', value: {} }], '/remotes/r1/state')).toEqual({ reset: true });
    // A sibling with a common prefix is not an ancestor.
    expect(routeOps([{ op: 'remove', path: '/connections/30' }], '/connections/3/state')).toBeNull();
    expect(routeOps([{ op: 'replace', path: '/stateX', value: 1 }], '/state')).toBeNull();
  });

  it('resets on a move across the border, keeps a move inside, skips tests', () => {
    expect(routeOps([{ op: 'move', from: '/other', path: '/state/a' }], '/state')).toEqual({ reset: true });
    expect(routeOps([{ op: 'copy', from: '/state/a', path: '/other' }], '/state')).toEqual({ reset: true });
    expect(routeOps([{ op: 'move', from: '/state/a', path: '/state/b' }], '/state')).toEqual({
      reset: false,
      ops: [{ op: 'move', from: '/a', path: '/b' }],
    });
    expect(routeOps([{ op: 'test', path: '', value: 1 }], '/state')).toBeNull();
  });
});

/** A target that records what it was given, applying patches as svelte-jsoneditor does. */
function recorder(initial: Json = null) {
  const calls: { kind: 'patch' | 'replace'; arg: unknown }[] = [];
  let doc = initial;
  const target: PatchTarget & { doc: () => Json } = {
    patch(ops) {
      doc = applyPatch(doc, ops);
      calls.push({ kind: 'patch', arg: ops });
    },
    replace(next) {
      doc = next;
      calls.push({ kind: 'replace', arg: next });
    },
    doc: () => doc,
  };
  return { target, calls };
}

/** A scheduler whose frames run when the test says. */
function frames() {
  const queue: (() => void)[] = [];
  return {
    schedule: (fn: () => void) => void queue.push(fn),
    run() {
      const q = queue.splice(0);
      for (const f of q) f();
      return q.length;
    },
    get pending() {
      return queue.length;
    },
  };
}

describe('DocFeed', () => {
  it('applies the ops of one frame as one patch, never the whole document', () => {
    const { target, calls } = recorder({ a: 1, b: 2 });
    const f = frames();
    const feed = new DocFeed(target, () => ({ wrong: true }), f.schedule);
    feed.push({ reset: false, ops: [{ op: 'replace', path: '/a', value: 3 }] });
    feed.push({ reset: false, ops: [{ op: 'replace', path: '/b', value: 4 }] });
    expect(f.pending).toBe(1);
    f.run();
    expect(calls).toEqual([
      {
        kind: 'patch',
        arg: [
          { op: 'replace', path: '/a', value: 3 },
          { op: 'replace', path: '/b', value: 4 },
        ],
      },
    ]);
    expect(target.doc()).toEqual({ a: 3, b: 4 });
  });

  it('takes the document whole on a reset, or when a patch does not apply', () => {
    const { target, calls } = recorder({ a: 1 });
    const f = frames();
    let model: Json = { a: 5 };
    const feed = new DocFeed(target, () => model, f.schedule);
    feed.push({ reset: false, ops: [{ op: 'replace', path: '/a', value: 2 }] });
    feed.push({ reset: true });
    feed.push({ reset: false, ops: [{ op: 'replace', path: '/a', value: 5 }] });
    f.run();
    expect(calls.map((c) => c.kind)).toEqual(['replace']);
    model = { z: 1 };
    feed.push({ reset: false, ops: [{ op: 'remove', path: '/nothing' }] });
    f.run();
    expect(calls.map((c) => c.kind)).toEqual(['replace', 'replace']);
    expect(target.doc()).toEqual({ z: 1 });
  });

  it('holds changes while the user edit is in flight, until its echo', async () => {
    const { target, calls } = recorder({ a: 1, b: 0 });
    const f = frames();
    const feed = new DocFeed(target, () => null, f.schedule, 10_000);
    let answer!: () => void;
    const edit = new Promise<void>((r) => (answer = r));
    feed.hold(edit);
    feed.push({ reset: false, ops: [{ op: 'replace', path: '/a', value: 2 }] });
    f.run();
    expect(calls).toEqual([]);
    answer();
    await edit;
    await Promise.resolve();
    f.run();
    expect(calls).toEqual([]);
    // The echo: the next diff ends the wait.
    feed.push({ reset: false, ops: [{ op: 'replace', path: '/b', value: 3 }] });
    f.run();
    expect(calls).toHaveLength(1);
    expect(calls[0].arg).toEqual([
      { op: 'replace', path: '/a', value: 2 },
      { op: 'replace', path: '/b', value: 3 },
    ]);
  });

  it('follows nothing while paused (a hidden view), then takes the document whole once', () => {
    const { target, calls } = recorder({ a: 1 });
    const f = frames();
    const feed = new DocFeed(target, () => ({ a: 9 }), f.schedule);
    feed.pause(true);
    for (let i = 2; i < 9; i++) feed.push({ reset: false, ops: [{ op: 'replace', path: '/a', value: i }] });
    f.run();
    expect(calls).toEqual([]);
    feed.pause(false);
    f.run();
    expect(calls).toEqual([{ kind: 'replace', arg: { a: 9 } }]);
  });

  it('holds at most MAX_PENDING ops for a target that cannot take them, then takes the document whole', () => {
    const { target, calls } = recorder({ a: 0 });
    let ready = false;
    target.ready = () => ready;
    const f = frames();
    let reads = 0;
    const feed = new DocFeed(target, () => (reads++, { a: 'whole' }), f.schedule);
    // A few ops while the user edits a value: kept, then patched in.
    for (let i = 1; i <= 3; i++) feed.push({ reset: false, ops: [{ op: 'add', path: `/k${i}`, value: i }] });
    f.run();
    expect(calls).toEqual([]);
    ready = true;
    f.run();
    expect(calls.map((c) => c.kind)).toEqual(['patch']);
    expect((calls[0].arg as PatchOp[]).length).toBe(3);
    // Past the bound: nothing more is kept, the document is read once when it can take it.
    ready = false;
    for (let i = 0; i <= MAX_PENDING; i++) feed.push({ reset: false, ops: [{ op: 'replace', path: '/a', value: i }] });
    for (let i = 0; i < 5; i++) feed.push({ reset: false, ops: [{ op: 'replace', path: '/a', value: i }] });
    f.run();
    expect(calls).toHaveLength(1);
    ready = true;
    f.run();
    expect(calls.map((c) => c.kind)).toEqual(['patch', 'replace']);
    expect(reads).toBe(1);
    expect(target.doc()).toEqual({ a: 'whole' });
    expect(f.run()).toBe(0);
  });

  it('shows the engine document again when an edit is refused', async () => {
    const { target, calls } = recorder({ a: 'edited' });
    const f = frames();
    const feed = new DocFeed(target, () => ({ a: 'engine' }), f.schedule, 0);
    const edit = Promise.reject(new Error('refused'));
    feed.hold(edit).catch(() => {});
    await edit.catch(() => {});
    await new Promise((r) => setTimeout(r, 5));
    f.run();
    expect(calls).toEqual([{ kind: 'replace', arg: { a: 'engine' } }]);
  });
});

/** svelte-jsoneditor's API as the feed uses it: `patch` copies the path (immutable-json-patch), `update` takes content. */
function fakeEditor(initial: Json) {
  let json = initial;
  const log: { method: 'patch' | 'update' | 'select'; json: Json; ops?: PatchOp[] }[] = [];
  const api: EditorApi = {
    select() {
      log.push({ method: 'select', json });
    },
    patch(operations) {
      const previousJson = json;
      json = applyPatch(json, operations as PatchOp[]);
      log.push({ method: 'patch', json, ops: operations as PatchOp[] });
      return { json, previousJson, undo: [], redo: operations };
    },
    update(content) {
      if ('json' in content) {
        json = content.json as Json;
        log.push({ method: 'update', json });
      }
    },
  };
  return { api, log, json: () => json };
}

/** A control client on a socket the test drives. */
function clientWithSocket() {
  let socket!: SocketLike;
  const client = new ControlClient({ url: 'ws://test/control', token: 'x' }, () => {
    socket = { readyState: 1, send() {}, close() {}, onopen: null, onclose: null, onmessage: null, onerror: null };
    return socket;
  });
  socket.onopen?.({});
  return { client, state: (diff: PatchOp[]) => socket.onmessage?.({ data: JSON.stringify({ type: 'state', diff }) }) };
}

describe('a big state from the control link to the editor', () => {
  const items = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ['a', 'b'] }));
  const model = { state: { items, meta: { n: items.length } }, connections: { '3': { state: { own: 1 } } }, traffic: { entries: 0 } };

  it('gets a leaf change as a patch of that leaf, never a new whole document', () => {
    const { client, state } = clientWithSocket();
    state([{ op: 'replace', path: '', value: model as unknown as Json }]);
    const editor = fakeEditor(docAt(client.current, '/state'));
    const before = editor.json() as any;
    const f = frames();
    const feed = new DocFeed(editorTarget(() => editor.api), () => docAt(client.current, '/state'), f.schedule);
    const off = follow(client, () => '/state', feed);

    for (let n = 1; n <= 3; n++) {
      state([
        { op: 'replace', path: '/state/items/3/name', value: `changed-${n}` },
        { op: 'replace', path: '/traffic/entries', value: n },
      ]);
    }
    f.run();
    const patches = editor.log.filter((c) => c.method === 'patch');
    expect(patches).toHaveLength(1);
    // Three changes of the leaf between two frames: the editor (which copies
    // the 100,000-element array for each op) gets only the last.
    expect(patches[0].ops).toEqual([{ op: 'replace', path: '/items/3/name', value: 'changed-3' }]);
    // The only content handed in is the document the editor's own patch made.
    for (const u of editor.log.filter((c) => c.method === 'update')) expect(u.json).toBe(patches[0].json);
    expect((editor.json() as any).items[3].name).toBe('changed-3');
    // Untouched records are the very objects it had.
    expect((editor.json() as any).items[4]).toBe(before.items[4]);
    off();
  });

  it('routes a connection’s own state to its view only', () => {
    const { client, state } = clientWithSocket();
    state([{ op: 'replace', path: '', value: model as unknown as Json }]);
    const shared = recorder(docAt(client.current, '/state'));
    const own = recorder(docAt(client.current, '/connections/3/state'));
    const f = frames();
    const offs = [
      follow(client, () => '/state', new DocFeed(shared.target, () => docAt(client.current, '/state'), f.schedule)),
      follow(client, () => '/connections/3/state', new DocFeed(own.target, () => docAt(client.current, '/connections/3/state'), f.schedule)),
    ];
    state([{ op: 'replace', path: '/connections/3/state/own', value: 2 }]);
    f.run();
    expect(shared.calls).toEqual([]);
    expect(own.calls).toEqual([{ kind: 'patch', arg: [{ op: 'replace', path: '/own', value: 2 }] }]);
    // The connection closes: its view takes its (now absent) document whole.
    state([{ op: 'remove', path: '/connections/3' }]);
    f.run();
    expect(own.calls[1]).toEqual({ kind: 'replace', arg: null });
    expect(shared.calls).toEqual([]);
    offs.forEach((off) => off());
  });

  it('reconciles after the user’s own edit instead of applying its echo twice', async () => {
    const { client, state } = clientWithSocket();
    state([{ op: 'replace', path: '', value: { state: { list: [1, 2] } } }]);
    const editor = fakeEditor(docAt(client.current, '/state'));
    const view = editorTarget(() => editor.api);
    const f = frames();
    const feed = new DocFeed(view, () => docAt(client.current, '/state'), f.schedule, 0);
    const off = follow(client, () => '/state', feed);
    // The user adds an element in the editor; it is sent and answered.
    const next = applyPatch(editor.json(), [{ op: 'add', path: '/list/-', value: 3 }]);
    editor.api.update({ json: next });
    view.assume(next);
    await feed.hold(Promise.resolve());
    // The engine's echo: the same op.
    state([{ op: 'add', path: '/state/list/-', value: 3 }]);
    await new Promise((r) => setTimeout(r, 5));
    f.run();
    expect(editor.json()).toEqual({ list: [1, 2, 3] });
    off();
  });
});

describe('editorTarget', () => {
  it('takes a whole new document as the patch from the one shown, when that is small', () => {
    const make = () => ({ items: Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `n${i}` })) });
    const editor = fakeEditor(null);
    const view = editorTarget(() => editor.api);
    view.replace(make());
    expect(editor.log.map((c) => c.method)).toEqual(['update']);
    // A copy that shares nothing with it (a seek's fetch) and differs by one leaf.
    const next = make();
    next.items[7].name = 'seeked';
    view.replace(next);
    const calls = editor.log.slice(1);
    expect(calls.filter((c) => c.method === 'patch').map((c) => c.ops)).toEqual([[{ op: 'replace', path: '/items/7/name', value: 'seeked' }]]);
    // Every record different: whole.
    const patches = editor.log.filter((c) => c.method === 'patch').length;
    const other = { items: make().items.map((r) => ({ ...r, name: 'other' })) };
    view.replace(other);
    expect(editor.log.filter((c) => c.method === 'patch').length).toBe(patches);
    expect(editor.log[editor.log.length - 1]).toEqual({ method: 'update', json: other });
  });


  /** An editor that, like svelte-jsoneditor, selects what a patch changed and reports it. */
  function selectingEditor(initial: Json) {
    let json = initial;
    let report: (s: JSONEditorSelection | undefined) => void = () => {};
    const selected: (JSONEditorSelection | undefined)[] = [];
    const api: EditorApi = {
      patch(operations) {
        const previousJson = json;
        json = applyPatch(json, operations as PatchOp[]);
        report(createValueSelection(parsePointer((operations[0] as PatchOp).path)));
        return { json, previousJson, undo: [], redo: operations };
      },
      update(content) {
        if ('json' in content) json = content.json as Json;
      },
      select(s) {
        selected.push(s);
      },
    };
    return { api, selected, setReport: (r: typeof report) => (report = r) };
  }

  it('keeps the user’s selection when a change is patched in', () => {
    const ed = selectingEditor({ a: 1, b: { c: 2 } });
    const view = editorTarget(() => ed.api);
    const seen: unknown[] = [];
    const onSelect = view.onSelect((s) => seen.push(s));
    ed.setReport(onSelect);
    const mine = createValueSelection(['b', 'c']);
    onSelect(mine);
    view.patch([{ op: 'replace', path: '/a', value: 5 }]);
    // The editor's own selection of /a did not reach the pane, and the user's is back.
    expect(seen).toEqual([mine]);
    expect(ed.selected).toEqual([mine]);
  });

  it('puts a placeholder back when the user had selected nothing, and says so', () => {
    const ed = selectingEditor({ a: 1 });
    const placeholder: boolean[] = [];
    const view = editorTarget(() => ed.api, { onPlaceholder: (on) => placeholder.push(on) });
    const onSelect = view.onSelect();
    ed.setReport(onSelect);
    view.patch([{ op: 'replace', path: '/a', value: 5 }]);
    expect(ed.selected).toEqual([createInsideSelection([])]);
    expect(placeholder).toEqual([true]);
    onSelect(createValueSelection(['a']));
    expect(placeholder).toEqual([true, false]);
  });

  it('takes no change while the user edits a value, nor in text mode', () => {
    const ed = selectingEditor({ a: 1 });
    let text = false;
    const view = editorTarget(() => ed.api, { isText: () => text });
    const onSelect = view.onSelect();
    onSelect({ ...createValueSelection(['a']), edit: true } as JSONEditorSelection);
    expect(view.ready!()).toBe(false);
    onSelect(createValueSelection(['a']));
    expect(view.ready!()).toBe(true);
    text = true;
    expect(() => view.patch([{ op: 'replace', path: '/a', value: 2 }])).toThrow(TextModeError);
    // Text mode prints the whole document: not more often than TEXT_EVERY_MS.
    view.replace({ a: 3 });
    expect(view.ready!()).toBe(false);
  });

  it('keeps the user’s unapplied text while the document changes, until applied or dropped', () => {
    const editor = fakeEditor({ tick: 0 });
    let text = false;
    let doc: Json = { tick: 0 };
    const view = editorTarget(() => editor.api, { isText: () => text });
    const f = frames();
    const feed = new DocFeed(view, () => doc, f.schedule);
    view.replace(doc);
    text = true;
    const tick = (n: number) => {
      doc = { tick: n };
      feed.push({ reset: false, ops: [{ op: 'replace', path: '/tick', value: n }] });
      f.run();
    };
    // The user types (the text is theirs, valid JSON or not): ticks wait.
    view.editText();
    const calls = editor.log.length;
    tick(1);
    tick(2);
    expect(editor.log.length).toBe(calls);
    expect(view.textEdited).toBe(true);
    // The feed still wants to take them.
    expect(f.pending).toBe(1);
    // Applied: the next frame shows the document.
    view.settleText();
    f.run();
    expect(editor.json()).toEqual({ tick: 2 });
    // Dropped with no change since: the text goes back to the document all the same.
    view.editText();
    view.dropText();
    feed.reset();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + TEXT_EVERY_MS);
      f.run();
    } finally {
      vi.useRealTimers();
    }
    expect(editor.log.length).toBe(calls + 2);
    expect(editor.log.at(-1)).toEqual({ method: 'update', json: { tick: 2 } });
  });

  it('puts the caret back where it was when text mode takes a new document', () => {
    const ed = selectingEditor({ a: 1 });
    const view = editorTarget(() => ed.api, { isText: () => true });
    const onSelect = view.onSelect();
    const caret = (at: number) => ({ type: SelectionType.text, ranges: [{ anchor: at, head: at }], main: 0 }) as JSONEditorSelection;
    onSelect(caret(9));
    view.replace({ a: 2 });
    expect(ed.selected).toEqual([caret(9)]);
    // Past the end of a shorter text: at its end.
    onSelect(caret(30));
    view.replace({});
    expect(ed.selected.at(-1)).toEqual(caret(2));
  });

  it('holds a change for keys the text editor has not reported yet', () => {
    const editor = fakeEditor({ tick: 0 });
    let doc: Json = { tick: 0 };
    const view = editorTarget(() => editor.api, { isText: () => true });
    // svelte-jsoneditor's text mode reports typing 300 ms after the last key; `validate` reports it at once.
    let unreported = false;
    editor.api.validate = () => {
      if (unreported) view.editText();
      unreported = false;
    };
    const f = frames();
    const feed = new DocFeed(view, () => doc, f.schedule);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + TEXT_EVERY_MS);
      unreported = true;
      doc = { tick: 1 };
      feed.push({ reset: false, ops: [{ op: 'replace', path: '/tick', value: 1 }] });
      f.run();
      expect(editor.log).toEqual([]);
      expect(view.textEdited).toBe(true);
      // Nothing typed: the change goes in.
      view.settleText();
      f.run();
      expect(editor.log).toEqual([{ method: 'update', json: { tick: 1 } }]);
    } finally {
      vi.useRealTimers();
    }
  });
});
