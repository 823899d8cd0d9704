import { describe, expect, it } from 'vitest';
import type { RecordingEntry } from '../src/bindings/RecordingEntry';
import { StepDoc, type StepApi } from '../src/lib/stepDoc';
import type { Routed } from '../src/lib/liveDoc';
import { applyPatch, type Json } from '../src/lib/patch';

/** A recording: the state set at entry 0, then `counter` = 1, 2, … and a notification now and then. */
function recording(n: number): RecordingEntry[] {
  const out: RecordingEntry[] = [{ t: 0, kind: 'state', diff: [{ op: 'replace', path: '', value: { big: [1, 2, 3], counter: 0 } }] }];
  for (let i = 1; i < n; i++) {
    out.push(i % 5 === 0 ? { t: i, kind: 'notify', name: 'tick', data: i } : { t: i, kind: 'state', diff: [{ op: 'replace', path: '/counter', value: i }] });
  }
  return out;
}

function stateAt(entries: RecordingEntry[], step: number): Json {
  let doc: Json = null;
  for (const e of entries.slice(0, step)) if (e.kind === 'state') doc = applyPatch(doc, e.diff as never);
  return doc;
}

function fixture(entries: RecordingEntry[], maxForward = 100) {
  const asked: string[] = [];
  const api: StepApi = {
    async state(step) {
      asked.push(`state ${step}`);
      return stateAt(entries, step);
    },
    async entries(from, limit) {
      asked.push(`entries ${from}+${limit}`);
      return entries.slice(from, from + limit);
    },
  };
  const pushed: Routed[] = [];
  const steps: number[] = [];
  const doc = new StepDoc(api, { push: (r) => void pushed.push(r!) }, (_k, s) => steps.push(s), maxForward);
  return { doc, asked, pushed, steps };
}

describe('StepDoc', () => {
  const entries = recording(400);

  it('fetches the state once, then follows steps forward with the entries’ diffs', async () => {
    const f = fixture(entries);
    await f.doc.show('rec', 1);
    await f.doc.show('rec', 3);
    await f.doc.show('rec', 12);
    expect(f.asked).toEqual(['state 1', 'entries 1+2', 'entries 3+9']);
    expect(f.pushed[0]).toEqual({ reset: true });
    expect(f.pushed[1]).toEqual({
      reset: false,
      ops: [
        { op: 'replace', path: '/counter', value: 1 },
        { op: 'replace', path: '/counter', value: 2 },
      ],
    });
    expect(f.doc.doc).toEqual(stateAt(entries, 12));
    expect(f.steps).toEqual([1, 3, 12]);
  });

  it('fetches the state whole for a step back or a long jump', async () => {
    const f = fixture(entries);
    await f.doc.show('rec', 50);
    await f.doc.show('rec', 20);
    await f.doc.show('rec', 390);
    expect(f.asked).toEqual(['state 50', 'state 20', 'state 390']);
    expect(f.doc.doc).toEqual(stateAt(entries, 390));
  });

  it('catches up with the steps that came while a request was out, in one go', async () => {
    const f = fixture(entries);
    await f.doc.show('rec', 1);
    const first = f.doc.show('rec', 2);
    void f.doc.show('rec', 3);
    void f.doc.show('rec', 7);
    await first;
    await new Promise((r) => setTimeout(r, 0));
    expect(f.asked).toEqual(['state 1', 'entries 1+1', 'entries 2+5']);
    expect(f.doc.step).toBe(7);
    expect(f.doc.doc).toEqual(stateAt(entries, 7));
  });

  it('starts again for another recording', async () => {
    const f = fixture(entries);
    await f.doc.show('a', 10);
    await f.doc.show('b', 11);
    expect(f.asked).toEqual(['state 10', 'state 11']);
  });
});
