// A big document of the model (the served state, a connection's state, a
// remote session's mirror) shown in a view that takes JSON Patch: the
// model's diffs are routed to it as patches, at most once per animation
// frame, instead of handing the view a new whole document for each change
// (which made it compare, walk or copy every node of a 10 MB state).
//
// `routeOps` is the pure routing; `DocFeed` batches what was routed and
// applies it to a `PatchTarget` (svelte-jsoneditor, see `editorTarget.ts`).

import { nextFrame, onceAFrame, type Scheduler } from './frames';
import { dropSuperseded, getAt, parsePointer, type Json, type PatchOp } from './patch';

/** What a model diff means for the document at a pointer: ops relative to it, or "take it whole again". */
export type Routed = { reset: true } | { reset: false; ops: PatchOp[] };

function under(path: string, prefix: string): boolean {
  return path.startsWith(prefix + '/');
}

function relative(path: string, prefix: string): string {
  return path.slice(prefix.length);
}

/**
 * The part of `ops` (pointers into the model) that concerns the document at
 * `prefix`: its ops rewritten relative to it, or `reset` when an op sets,
 * removes or moves the document itself or one of its ancestors; `null`
 * when nothing does.
 */
export function routeOps(ops: readonly PatchOp[], prefix: string): Routed | null {
  const out: PatchOp[] = [];
  for (const op of ops) {
    const from = 'from' in op ? op.from : null;
    const inside = under(op.path, prefix);
    const fromInside = from !== null && under(from, prefix);
    const covers = (p: string) => p === prefix || prefix.startsWith(p + '/') || (p === '' && prefix !== '');
    if (op.op === 'test') continue;
    if (prefix === '') {
      // The whole model: every op is the document's own.
      if (op.path === '' || from === '') return { reset: true };
      out.push(op);
      continue;
    }
    if (covers(op.path) || (from !== null && covers(from))) return { reset: true };
    if (inside && (from === null || fromInside)) {
      const rel = { ...op, path: relative(op.path, prefix) } as PatchOp;
      if (from !== null) (rel as { from: string }).from = relative(from, prefix);
      out.push(rel);
    } else if (inside || fromInside) {
      // Moved or copied across the document's border: its content changed
      // in a way a relative patch cannot say.
      return { reset: true };
    }
  }
  return out.length ? { reset: false, ops: out } : null;
}

/** A view of a document that takes patches. */
export interface PatchTarget {
  /** Applies `ops` to what is shown; throws when they do not apply there. */
  patch(ops: PatchOp[]): void;
  /** Shows `doc` instead, keeping what it can (what the user expanded). */
  replace(doc: Json): void;
  /** Whether what is shown may differ from what was last handed in (the user edited it): take the document whole. */
  diverged?(): boolean;
  /** Whether it can take changes now (not while the user's typing waits to be sent). */
  ready?(): boolean;
}

/** Ops held for a target that cannot take them yet, at most; past that it takes the document whole. */
export const MAX_PENDING = 10_000;

/**
 * Feeds a `PatchTarget` from routed diffs: gathers the ops that arrive
 * between two frames and applies them as one patch; a reset, a patch that
 * does not apply or a target the user changed takes the document whole
 * from `read` (the control client's copy of the model) instead.
 */
export class DocFeed {
  private pending: PatchOp[] = [];
  private needReset = false;
  /** The user's edits sent and not answered yet. */
  private inFlight = 0;
  /** All answered: waiting for their echo in the model. */
  private awaitingEcho = false;
  private echoTimer: ReturnType<typeof setTimeout> | null = null;
  /** While paused (the view is hidden) changes are not applied, only remembered as "take it whole". */
  private paused = false;
  /** Called after each flush that changed the target. */
  onFlush: (() => void) | null = null;

  /** Asks for a flush at the next frame. */
  private readonly request: () => void;

  constructor(
    private target: PatchTarget | null,
    private readonly read: () => Json,
    schedule: Scheduler = nextFrame,
    /** How long after an edit's answer to wait for its echo in the model. */
    private readonly echoWaitMs = 150,
  ) {
    this.request = onceAFrame(() => this.flush(), schedule);
  }

  /**
   * Pauses (a hidden view need not follow every change: applying them costs
   * as much hidden as shown) or resumes: it then takes the document whole,
   * which the target can turn into the patch from what it shows.
   */
  pause(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (!paused) this.request();
  }

  /** Queues what a diff routed to this document. */
  push(routed: Routed | null): void {
    if (!routed) return;
    if (this.paused) {
      this.needReset = true;
      this.pending = [];
      return;
    }
    if (routed.reset) {
      this.needReset = true;
      this.pending = [];
    } else if (!this.needReset) {
      for (const op of routed.ops) this.pending.push(op);
      // Held for long (a value being edited): the document whole will do.
      if (this.pending.length > MAX_PENDING) {
        this.needReset = true;
        this.pending = [];
      }
    }
    if (this.awaitingEcho) this.endEchoWait();
    else this.request();
  }

  /** Takes the whole document again at the next flush. */
  reset(): void {
    this.needReset = true;
    this.pending = [];
    this.request();
  }

  /**
   * Holds the target while the user's own edit is on its way to the engine
   * (so a change from elsewhere does not undo it on screen for a moment),
   * until its answer came and the model's next diff (its echo) or
   * `echoWaitMs`.
   */
  hold<T>(edit: Promise<T>): Promise<T> {
    this.inFlight += 1;
    const settled = () => {
      this.inFlight -= 1;
      if (this.inFlight > 0) return;
      this.awaitingEcho = true;
      if (this.echoTimer) clearTimeout(this.echoTimer);
      this.echoTimer = setTimeout(() => this.endEchoWait(), this.echoWaitMs);
    };
    edit.then(settled, () => {
      // Refused: show the engine's document again.
      this.needReset = true;
      this.pending = [];
      settled();
    });
    return edit;
  }

  private endEchoWait(): void {
    this.awaitingEcho = false;
    if (this.echoTimer) clearTimeout(this.echoTimer);
    this.echoTimer = null;
    this.request();
  }

  /** Applies what is queued now. */
  flush(): void {
    const target = this.target;
    if (!target || this.paused || this.inFlight > 0 || this.awaitingEcho) return;
    if (target.ready && !target.ready()) {
      this.request();
      return;
    }
    const ops = this.pending;
    this.pending = [];
    const whole = this.needReset || (target.diverged?.() ?? false);
    this.needReset = false;
    if (!whole && ops.length === 0) return;
    if (whole) {
      target.replace(this.read());
    } else {
      try {
        // Several changes of a leaf between two frames: only the last is shown.
        target.patch(dropSuperseded(ops));
      } catch {
        target.replace(this.read());
      }
    }
    this.onFlush?.();
  }

  dispose(): void {
    this.target = null;
    if (this.echoTimer) clearTimeout(this.echoTimer);
    this.echoTimer = null;
  }
}

/** What of the control client `follow` uses (tests pass a fake). */
export interface DiffSource {
  onDiff(handler: (ops: PatchOp[], model: unknown, previous: unknown) => void): () => void;
}

/** The document at `pointer` in `model` (`null` when there is none). */
export function docAt(model: unknown, pointer: string): Json {
  return (getAt(model as Json, parsePointer(pointer)) ?? null) as Json;
}

/**
 * Routes every model diff of `source` to `feed` for the document at
 * `pointer()` (read at each diff: the view may switch documents);
 * `onRouted` sees what was routed first, with the model before the diff.
 * Returns the unsubscribe.
 */
export function follow(
  source: DiffSource,
  pointer: () => string,
  feed: DocFeed,
  onRouted?: (routed: Routed, ops: PatchOp[], previous: unknown) => void,
): () => void {
  return source.onDiff((ops, _model, previous) => {
    const routed = routeOps(ops, pointer());
    if (!routed) return;
    onRouted?.(routed, ops, previous);
    feed.push(routed);
  });
}
