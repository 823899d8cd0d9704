// svelte-jsoneditor as a `PatchTarget` (see liveDoc.ts): the model's
// changes go in with `editor.patch`, which copies only the path it
// changes and keeps what the user expanded, instead of a new `content`
// that the editor would compare with the old one node by node.

import { existsIn, type JSONPatchDocument } from 'immutable-json-patch';
import {
  createInsideSelection,
  getAnchorPath,
  getFocusPath,
  isEditingSelection,
  SelectionType,
  type Content,
  type JSONEditorSelection,
  type JSONPatchResult,
  type JSONSelection,
  type TextSelection,
} from 'svelte-jsoneditor';
import type { PatchTarget } from './liveDoc';
import { diffJson, type Json, type PatchOp } from './patch';

/** What of svelte-jsoneditor's `JSONEditor` instance is used. */
export interface EditorApi {
  patch(operations: JSONPatchDocument): JSONPatchResult;
  update(content: Content): void;
  select(selection: JSONEditorSelection | undefined): void;
  /** Text mode: reports typing not reported yet (its `onChange` comes 300 ms after the last key), then checks the text. */
  validate?(): unknown;
}

export class TextModeError extends Error {}

export type SelectHandler = (selection: JSONEditorSelection | undefined) => void;

export interface EditorTarget extends PatchTarget {
  /** The editor shows `doc` now (the user's edit, sent to the engine): the next change reconciles. */
  assume(doc: Json): void;
  /** The document the editor shows, as far as this knows. */
  readonly shown: Json;
  /**
   * The editor's `onSelect`, around `handler`: the user's selections pass;
   * the one a patch makes (svelte-jsoneditor selects what a patch changed)
   * does not, and the user's is put back.
   */
  onSelect(handler?: SelectHandler): SelectHandler;
  /**
   * The user changed the text (text mode): until `settleText`, the text is
   * theirs, not the document, and no change goes in (a new whole text would
   * throw their typing away and move the caret to the top).
   */
  editText(): void;
  /** The user's text was applied: changes go in again. */
  settleText(): void;
  /** The user's text is dropped: the next change puts the document back whole. */
  dropText(): void;
  /** Whether the user's text edit holds the changes back. */
  readonly textEdited: boolean;
  /** The path of the one node the user selected in the tree (its value or key), else null. */
  selectedPath(): string[] | null;
}

/** A whole new document goes in as a patch when it differs from the one shown by this many ops at most. */
export const RESET_MAX_OPS = 1000;

/** Text mode takes a new document at most this often. */
export const TEXT_EVERY_MS = 250;

export interface EditorTargetOptions {
  /**
   * Whether the editor is in text mode, where a patch would parse and print
   * the whole text: it takes whole documents instead, at most every
   * `TEXT_EVERY_MS` (each is a print of the whole document).
   */
  isText?: () => boolean;
  /** Whether the editor can take changes now (it cannot either while the user edits a value in the tree). */
  ready?: () => boolean;
  /**
   * Told whether the editor's selection is the placeholder put back after
   * a patch when the user had selected nothing (a caret inside the root:
   * an editable tree shows it, a view should hide it).
   */
  onPlaceholder?: (on: boolean) => void;
}

/** A target for the editor that `editor()` returns (null while there is none). */
export function editorTarget(editor: () => EditorApi | null, options: EditorTargetOptions = {}): EditorTarget {
  const { isText = () => false, ready, onPlaceholder } = options;
  let shown: Json = null;
  let assumed = false;
  /** The user's selection in the tree, as the editor last reported it. */
  let selection: JSONSelection | undefined;
  let patching = false;
  /** Whether the editor reported a selection of its own during the last patch. */
  let induced = false;
  /** When text mode last took a whole document. */
  let textAt = -Infinity;
  let textEdited = false;
  /** The editor shows text the user dropped: whatever `shown` says, it takes the next document whole. */
  let textDropped = false;
  /** The user's caret in text mode, as the editor last reported it. */
  let caret: TextSelection | undefined;

  /** The user's selection if it still exists in `json`; else the placeholder (`null` when there can be none). */
  function kept(json: unknown): JSONSelection | null {
    const s = selection;
    if (s && existsIn(json as never, getAnchorPath(s)) && existsIn(json as never, getFocusPath(s))) return s;
    return json !== null && typeof json === 'object' ? createInsideSelection([]) : null;
  }

  const target: EditorTarget = {
    get shown() {
      return shown;
    },
    patch(ops: PatchOp[]) {
      const ed = editor();
      if (!ed) return;
      if (isText()) throw new TextModeError('text mode takes whole documents');
      patching = true;
      induced = false;
      try {
        const result = ed.patch(ops as JSONPatchDocument);
        // The editor's `content` prop, which a mode switch starts from, is
        // left as it was by `patch`: this makes it the patched document (the
        // same object, so the editor's equality check stops at once).
        ed.update({ json: result.json });
        if (induced) {
          const back = kept(result.json);
          if (back) ed.select(back);
          onPlaceholder?.(back !== null && back !== selection);
        }
        shown = result.json as Json;
      } finally {
        patching = false;
      }
      assumed = false;
    },
    replace(doc: Json) {
      const ed = editor();
      if (!ed) return;
      if (doc === shown && !textDropped) {
        assumed = false;
        return;
      }
      // A new whole document (a seek, a reconnect, the user's edit echoed)
      // goes in as the patch from the one shown when that patch is small:
      // the editor's undo history then holds the patch, not the old
      // document (each old 10 MB document would stay in memory, up to a
      // thousand of them), and what is expanded moves with its data.
      if (!textDropped && !isText() && typeof shown === 'object' && shown !== null && typeof doc === 'object' && doc !== null) {
        const ops = diffJson(shown, doc, RESET_MAX_OPS);
        if (ops !== null) {
          assumed = false;
          if (ops.length === 0) return;
          try {
            target.patch(ops);
            return;
          } catch {
            // Not what the editor shows after all: whole, below.
          }
        }
      }
      assumed = false;
      textDropped = false;
      // A new text moves the caret to the top (the whole text is replaced):
      // it goes back where the user had it, as far as the new text goes.
      const keep = isText() ? caret : undefined;
      ed.update({ json: doc });
      shown = doc;
      if (isText()) textAt = Date.now();
      if (keep) ed.select(clampText(keep, textLength(doc)));
    },
    diverged: () => assumed || textDropped,
    ready: () => {
      // Keys typed in the last 300 ms are not reported yet: told now, they
      // hold this change as the ones reported do.
      if (isText() && !textEdited) editor()?.validate?.();
      return (
        !(selection && isEditingSelection(selection)) &&
        !(isText() && (textEdited || Date.now() - textAt < TEXT_EVERY_MS)) &&
        (ready?.() ?? true)
      );
    },
    get textEdited() {
      return textEdited;
    },
    editText() {
      textEdited = true;
    },
    settleText() {
      textEdited = false;
    },
    dropText() {
      textEdited = false;
      textDropped = true;
    },
    assume(doc: Json) {
      shown = doc;
      assumed = true;
    },
    selectedPath() {
      const s = selection;
      return s && (s.type === SelectionType.value || s.type === SelectionType.key) ? [...s.path] : null;
    },
    onSelect(handler?: SelectHandler): SelectHandler {
      return (s) => {
        if (patching) {
          induced = true;
          return;
        }
        selection = s && s.type !== SelectionType.text ? s : undefined;
        caret = s && s.type === SelectionType.text ? s : undefined;
        onPlaceholder?.(false);
        handler?.(s);
      };
    },
  };
  return target;
}

/** The length of the text svelte-jsoneditor's text mode shows for `doc` (its default indentation). */
export function textLength(doc: Json): number {
  return JSON.stringify(doc, null, 2)?.length ?? 0;
}

/** `s` with every position past `length` moved to the end of the text. */
export function clampText(s: TextSelection, length: number): TextSelection {
  const at = (n: number) => Math.max(0, Math.min(n, length));
  return { ...s, ranges: s.ranges.map((r) => ({ anchor: at(r.anchor), head: at(r.head) })) };
}
