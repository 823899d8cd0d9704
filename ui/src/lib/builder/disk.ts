// Whether dashboard.json changed on disk under an open builder: another
// tab's save, an editor, `git checkout`. Noticed when it happens (the
// served folder's live reload names it) rather than at Save, where the
// engine refuses to write over it and the only way on lost the edits.
import type { ReloadInfo } from '../../bindings/ReloadInfo';

/** Whether a live reload may have been dashboard.json: named, or among the
 * paths a big change left unnamed. */
export function mayTouchDashboard(r: ReloadInfo): boolean {
  return r.paths.some((p) => p === '/dashboard.json' || p.endsWith('/dashboard.json')) || r.changed > r.paths.length;
}

/** What the builder tells of the file on disk against the text it opened
 * or last saved (`base`): null when it is the same. */
export function diskChange(base: string | null, onDisk: string | null): 'changed' | 'removed' | 'created' | null {
  if (onDisk === base) return null;
  if (onDisk == null) return 'removed';
  return base == null ? 'created' : 'changed';
}
