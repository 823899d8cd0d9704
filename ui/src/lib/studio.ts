// The app-wide singletons: the link to the engine, the current pane and
// selections shared between panes.

import { writable, get } from 'svelte/store';
import { ControlClient, ControlError } from './control';
import { toast } from './toasts';

// The panes come from one list in Rust (studio::panes), shared with the
// desktop app's View menu.
import { PANES, type PaneId } from '../bindings/panes';
export { PANES, type PaneId };

export const pane = writable<PaneId>('server');
/** Connection ids selected in the Connections pane (targets for notify and state). */
export const selectedConnections = writable<number[]>([]);

let client: ControlClient | null = null;

export function setClient(c: ControlClient): void {
  client = c;
}

export function getClient(): ControlClient {
  if (!client) throw new Error('the control client is not set up yet');
  return client;
}

/**
 * Runs a command; on failure shows the engine's message as an error toast
 * (it says what to do) and rethrows, so callers can keep a form open.
 */
export async function command<T = unknown>(name: string, data: unknown = null, okText?: string): Promise<T> {
  try {
    const answer = await getClient().send<T>(name, data);
    if (okText) toast(okText, 'success');
    return answer;
  } catch (e) {
    const err = e instanceof ControlError ? e : new ControlError('link', String(e));
    toast(err.message, 'error');
    throw err;
  }
}

/** Like `command` but swallows the (already shown) error. */
export async function tryCommand<T = unknown>(name: string, data: unknown = null, okText?: string): Promise<T | undefined> {
  try {
    return await command<T>(name, data, okText);
  } catch {
    return undefined;
  }
}

export function currentPane(): PaneId {
  return get(pane);
}
