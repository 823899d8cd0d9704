import type { ConsoleInfo } from '../bindings/ConsoleInfo';

/**
 * Errors among the Console's entries (warnings aside): what the tab's badge,
 * the Console's header and the Server pane's note count, so the three agree
 * and Clear empties them. `info.errors` counts since the studio started
 * (cleared and dropped entries too); the Console names it beside.
 */
export function shownErrors(info: ConsoleInfo | null | undefined): number {
  if (!info) return 0;
  let n = 0;
  for (const e of info.entries) if (e.level !== 'warn') n++;
  return n;
}
