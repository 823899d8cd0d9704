// The Replay pane's state at the current step, without fetching the whole
// state at every step: the state at a step is fetched once (`timeline.state`,
// on a load, a seek back or a long jump), then each step forward applies the
// state diffs of the entries played meanwhile (`timeline.entries`) as a
// patch. One request at a time; steps that come meanwhile are caught up
// with in one go.

import type { RecordingEntry } from '../bindings/RecordingEntry';
import type { DocFeed } from './liveDoc';
import { applyPatch, type Json, type PatchOp } from './patch';
import { entryOps } from './timeline';

/** How the state at a step is fetched (`undefined`: failed, the caller already said why). */
export interface StepApi {
  state(step: number): Promise<Json | undefined>;
  entries(from: number, limit: number): Promise<RecordingEntry[] | undefined>;
}

/** Steps forward caught up with entry by entry; a longer jump fetches the state whole. */
export const MAX_FORWARD = 1000;

export class StepDoc {
  /** The document at `step` of the recording `key` (`step` -1: none yet). */
  doc: Json = null;
  key = '';
  step = -1;
  private wanted: { key: string; step: number } | null = null;
  private busy = false;

  constructor(
    private readonly api: StepApi,
    /** Gets what changed: ops, or a reset (read `doc` whole). */
    private readonly feed: Pick<DocFeed, 'push'>,
    /** Called when `step` changed. */
    private readonly onStep: (key: string, step: number) => void = () => {},
    private readonly maxForward = MAX_FORWARD,
  ) {}

  /** Follows step `step` of recording `key` (returns at once; the document follows). */
  show(key: string, step: number): Promise<void> {
    this.wanted = { key, step };
    return this.pump();
  }

  /** Forgets the recording (unloaded). */
  clear(): void {
    this.wanted = null;
    this.key = '';
    this.step = -1;
    this.doc = null;
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        const w = this.wanted;
        if (!w || (w.key === this.key && w.step === this.step)) break;
        const forward = w.key === this.key && this.step >= 0 && w.step > this.step && w.step - this.step <= this.maxForward;
        if (!(forward ? await this.stepForward(w.key, this.step, w.step) : await this.fetchWhole(w.key, w.step))) break;
      }
    } finally {
      this.busy = false;
    }
  }

  /** Applies the entries [from, to); false when they could not be fetched. */
  private async stepForward(key: string, from: number, to: number): Promise<boolean> {
    const entries = await this.api.entries(from, to - from);
    if (!entries) return false;
    if (this.key !== key || this.step !== from) return true;
    const ops: PatchOp[] = [];
    for (const e of entries) for (const op of entryOps(e)) ops.push(op as PatchOp);
    const at = from + entries.length;
    try {
      if (ops.length) {
        this.doc = applyPatch(this.doc, ops);
        this.feed.push({ reset: false, ops });
      }
    } catch {
      // Not our state any more: fetch it whole.
      this.step = -1;
      return true;
    }
    this.step = at;
    this.onStep(key, at);
    // Fewer entries than asked: the recording ends there.
    if (entries.length < to - from && this.wanted?.key === key && this.wanted.step === to) this.wanted = { key, step: at };
    return true;
  }

  private async fetchWhole(key: string, step: number): Promise<boolean> {
    const json = await this.api.state(step);
    if (json === undefined) return false;
    if (this.wanted?.key !== key) return true;
    this.doc = json;
    this.key = key;
    this.step = step;
    this.feed.push({ reset: true });
    this.onStep(key, step);
    return true;
  }
}
