// Bookkeeping of the paths that changed recently, so a view can flash them:
// `mark` the JSON pointers a diff touched (`touchedPaths`), ask `isFlashing`
// for a node's path while rendering, and `prune` when the earliest mark
// expires (`nextExpiry`). A changed member flashes with everything under
// it (a replaced object is new all the way down); its parents do not.

import { toPointer } from './patch';

export const FLASH_MS = 1200;

export class FlashSet {
  private until = new Map<string, number>();

  constructor(private readonly durationMs = FLASH_MS) {}

  /**
   * Marks `pointers` (relative JSON pointers; `''` the whole document) as
   * changed at `now`. True when one of them was not flashing already (a
   * view has classes to add); a path that keeps changing only flashes longer.
   */
  mark(pointers: Iterable<string>, now = Date.now()): boolean {
    let fresh = false;
    for (const p of pointers) {
      const t = this.until.get(p);
      if (t === undefined || t <= now) fresh = true;
      this.until.set(p, now + this.durationMs);
    }
    return fresh;
  }

  /** Whether the node at `path` (tokens, or a pointer) flashes at `now`. */
  isFlashing(path: readonly (string | number)[] | string, now = Date.now()): boolean {
    if (this.until.size === 0) return false;
    const pointer = typeof path === 'string' ? path : toPointer([...path]);
    // The node itself or one of its ancestors was touched.
    let p = pointer;
    for (;;) {
      const t = this.until.get(p);
      if (t !== undefined && t > now) return true;
      if (p === '') return false;
      p = p.slice(0, p.lastIndexOf('/'));
    }
  }

  /** Drops expired marks; true when some were dropped. */
  prune(now = Date.now()): boolean {
    let any = false;
    for (const [p, t] of this.until) {
      if (t <= now) {
        this.until.delete(p);
        any = true;
      }
    }
    return any;
  }

  /** When the earliest mark expires, or `null` when none is held. */
  nextExpiry(): number | null {
    let min: number | null = null;
    for (const t of this.until.values()) if (min === null || t < min) min = t;
    return min;
  }

  clear(): void {
    this.until.clear();
  }

  get size(): number {
    return this.until.size;
  }
}
