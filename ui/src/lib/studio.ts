// The app-wide singletons: the link to the engine, the current pane and
// selections shared between panes.

import { writable, get } from 'svelte/store';
import {
  ControlClient,
  ControlError,
  type CommandAnswer,
  type CommandArgs,
  type CommandData,
  type CommandName,
} from './control';
import { toast } from './toasts';
import { parseJson } from './json';
import type { JsonValue } from '../bindings/JsonValue';
import type { TrafficEntry } from '../bindings/TrafficEntry';

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

/** A command's data (optional when it takes none), then the toast to show on success. */
export type DataAndOk<N extends CommandName> = CommandArgs<N> extends null
  ? [data?: null, okText?: string]
  : [data: CommandArgs<N>, okText?: string];

/**
 * Runs a command; on failure shows the engine's message as an error toast
 * (it says what to do) and rethrows, so callers can keep a form open.
 */
export async function command<N extends CommandName>(name: N, ...args: DataAndOk<N>): Promise<CommandAnswer<N>> {
  const [data, okText] = args;
  try {
    const answer = await getClient().send(name, ...([data ?? null] as CommandData<N>));
    if (okText) toast(okText, 'success');
    return answer;
  } catch (e) {
    const err = e instanceof ControlError ? e : new ControlError('link', String(e));
    toast(err.message, 'error');
    throw err;
  }
}

/** Like `command` but swallows the (already shown) error. */
export async function tryCommand<N extends CommandName>(
  name: N,
  ...args: DataAndOk<N>
): Promise<CommandAnswer<N> | undefined> {
  try {
    return await command(name, ...args);
  } catch {
    return undefined;
  }
}

export function currentPane(): PaneId {
  return get(pane);
}

/**
 * The entry `same` picks of the model's list at `path` (the UI's copy of it
 * had it at `index`), read from `model.text` keeping the numbers a double
 * would change (`parseJson`'s exact): the UI's copy of the model is
 * `JSON.parse`'d, so an editor loaded from it would round them. Null when
 * the entry is no longer there.
 */
export async function exactEntry<T>(path: (string | number)[], index: number, same: (entry: T) => boolean): Promise<T | null> {
  const read = async (at: (string | number)[]) => {
    const parsed = parseJson(await getClient().send('model.text', { path: at }), { exact: true });
    return parsed.ok ? (parsed.value as unknown) : null;
  };
  // The list may have moved on (a bounded list drops its oldest): then the
  // whole list is searched.
  const at = (await read([...path, index]).catch(() => null)) as T | null;
  if (at !== null && same(at)) return at;
  const list = await read(path);
  return (Array.isArray(list) ? (list as T[]) : []).find(same) ?? null;
}

/**
 * The data of a traffic log entry as the engine holds it (`traffic.query`
 * read with `sendExact`): the entries the UI has came `JSON.parse`'d. The
 * entry's own copy when it is no longer among the newest of its name.
 */
export async function exactTrafficData(entry: TrafficEntry): Promise<JsonValue> {
  const newest = await getClient()
    .sendExact('traffic.query', { filter: { kinds: [entry.kind], name: entry.name }, limit: 1000 })
    .catch(() => []);
  return newest.find((e) => e.seq === entry.seq)?.data ?? entry.data;
}
