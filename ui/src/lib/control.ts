// A small typed juggler 0.6 client for the studio's control endpoint.
//
// Why not `@hat-open/juggler`: its browser build expects a global `document`
// and a page-relative address, keeps the state untyped, and does not expose
// the diffs it applies. The studio needs the diffs (to flash changed paths),
// typed commands that reject with the engine's `CommandError`, and a
// reconnect that keeps the token. The wire is four message types; see
// `../shared/spec/juggler-protocol.md` and `crates/studio/CONTROL.md`.

import { writable, type Readable } from 'svelte/store';
import type { Model } from '../bindings/Model';
import type { CommandError } from '../bindings/CommandError';
import type { CommandMap } from '../bindings/CommandMap';
import type { ErrorCode } from '../bindings/ErrorCode';
import { applyPatch, type Json, type PatchOp } from './patch';
import { isTauri, invoke } from './native';
import { exactJson, parseJson } from './json';

export interface ControlAddress {
  /** `ws://127.0.0.1:PORT/control` */
  url: string;
  /** 64 hex digits */
  token: string;
}

export type LinkStatus =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'open' }
  | { kind: 'closed'; reason: string; retryInMs: number | null };

/** Every command's name. */
export type CommandName = keyof CommandMap;
/** What command `N` takes as its data (`null`: nothing). */
export type CommandArgs<N extends CommandName> = CommandMap[N]['args'];
/** What command `N` answers. */
export type CommandAnswer<N extends CommandName> = CommandMap[N]['answer'];
/** The data parameter of command `N`: optional when it takes none. */
export type CommandData<N extends CommandName> = CommandArgs<N> extends null
  ? [data?: null]
  : [data: CommandArgs<N>];

/** A failed command: the engine's typed error, or the link's (`link`). */
export class ControlError extends Error {
  /** The field at fault, as the engine names it (`server.wsPath`, `match.name`). */
  readonly field?: string;
  /** What is wrong with `field`, without its name. */
  readonly detail?: string;
  /** `rule` errors: the rule's id. */
  readonly id?: string;
  /** `remoteError`: the remote server's error value. */
  readonly data?: unknown;
  /** JSON text that the engine could not parse: where (from 1). */
  readonly line?: number;
  readonly column?: number;

  constructor(
    public readonly code: ErrorCode | 'link',
    message: string,
    extra: Partial<Pick<CommandError, 'field' | 'detail' | 'id' | 'data' | 'line' | 'column'>> = {},
  ) {
    super(message);
    this.field = extra.field;
    this.detail = extra.detail;
    this.id = extra.id;
    this.data = extra.data;
    this.line = extra.line;
    this.column = extra.column;
  }
  static from(data: unknown): ControlError {
    if (data && typeof data === 'object' && 'code' in data && 'message' in data) {
      const e = data as CommandError;
      return new ControlError(e.code, e.message, e);
    }
    return new ControlError('juggler', typeof data === 'string' ? data : JSON.stringify(data));
  }
}

export type EventHandler = (data: any) => void;
/** A model diff, after it was applied: `model` is the model now, `previous` the one before (neither is ever mutated). */
export type DiffHandler = (ops: PatchOp[], model: Model, previous: Model | null) => void;

/** The minimum of `WebSocket` the client uses (tests pass their own). */
export interface SocketLike {
  readyState: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: any) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: any) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

interface Pending {
  resolve: (v: any) => void;
  reject: (e: ControlError) => void;
  /** The answer is read keeping numbers a double would change (`sendExact`). */
  exact?: boolean;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

export class ControlClient {
  private socket: SocketLike | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private handlers = new Map<string, Set<EventHandler>>();
  private diffHandlers = new Set<DiffHandler>();
  private doc: Json = null;
  private attempt = 0;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly modelStore = writable<Model | null>(null);
  private readonly statusStore = writable<LinkStatus>({ kind: 'connecting', attempt: 1 });

  /** The whole model, `null` until the first state message. */
  readonly model: Readable<Model | null> = { subscribe: this.modelStore.subscribe };
  /** The link to the engine. */
  readonly status: Readable<LinkStatus> = { subscribe: this.statusStore.subscribe };

  constructor(
    readonly address: ControlAddress,
    private readonly factory: SocketFactory = (url) => new WebSocket(url) as unknown as SocketLike,
  ) {
    this.open();
  }

  /** Current model (not reactive). */
  get current(): Model | null {
    return this.doc as unknown as Model | null;
  }

  /** Runs a command; resolves with its answer, rejects with a `ControlError`. */
  send<N extends CommandName>(name: N, ...args: CommandData<N>): Promise<CommandAnswer<N>> {
    return this.request(name, args[0] ?? null, false);
  }

  /**
   * `send` for values that hold numbers a double would change (an integer
   * past 2^53, `-0`): numbers kept as text (`parseJson`'s `exact`) go out
   * as the numbers they were, and the answer is read the same way, its
   * such numbers kept as text (`formatJson`, `preview` and `exactJson`
   * write them back as numbers). `JSON.parse` would round them.
   */
  sendExact<N extends CommandName>(name: N, ...args: CommandData<N>): Promise<CommandAnswer<N>> {
    return this.request(name, args[0] ?? null, true);
  }

  private request<N extends CommandName>(name: N, data: unknown, exact: boolean): Promise<CommandAnswer<N>> {
    const socket = this.socket;
    if (!socket || socket.readyState !== 1) {
      return Promise.reject(
        new ControlError('link', `not connected to the studio engine (${name} not sent): wait for the link to come back`),
      );
    }
    const id = this.nextId++;
    return new Promise<CommandAnswer<N>>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, exact });
      const message = { type: 'request', id, name, data } as Json;
      socket.send(exact ? exactJson(message) : JSON.stringify(message));
    });
  }

  /** Listens to an event (`traffic`, `connection.opened`…); returns the unsubscribe. */
  on(event: string, handler: EventHandler): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler);
    return () => set!.delete(handler);
  }

  /** Listens to every model diff, after it was applied. */
  onDiff(handler: DiffHandler): () => void {
    this.diffHandlers.add(handler);
    return () => this.diffHandlers.delete(handler);
  }

  close(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'closed by the UI');
    this.failPending('the UI closed the link');
  }

  private open(): void {
    this.attempt += 1;
    this.statusStore.set({ kind: 'connecting', attempt: this.attempt });
    const url = `${this.address.url}?token=${encodeURIComponent(this.address.token)}`;
    let socket: SocketLike;
    try {
      socket = this.factory(url);
    } catch (e) {
      this.scheduleRetry(String(e));
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      // A new connection starts from `null` and gets the whole model as its first diff.
      this.doc = null;
      this.statusStore.set({ kind: 'open' });
    };
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onerror = () => {};
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.failPending('the link to the studio engine closed');
      const reason = ev.reason || (ev.code === 1006 ? 'the studio engine is not reachable' : `closed (${ev.code})`);
      if (this.stopped) {
        this.statusStore.set({ kind: 'closed', reason, retryInMs: null });
      } else {
        this.scheduleRetry(reason);
      }
    };
  }

  private scheduleRetry(reason: string): void {
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(this.attempt, 5));
    this.statusStore.set({ kind: 'closed', reason, retryInMs: delay });
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private failPending(why: string): void {
    for (const p of this.pending.values()) p.reject(new ControlError('link', why));
    this.pending.clear();
  }

  private receive(raw: unknown): void {
    if (typeof raw !== 'string') return;
    let msg: any;
    try {
      msg = JSON.parse(raw);
    } catch {
      return;
    }
    switch (msg?.type) {
      case 'state': {
        const ops = msg.diff as PatchOp[];
        const previous = this.doc as unknown as Model | null;
        this.doc = applyPatch(this.doc, ops);
        const model = this.doc as unknown as Model;
        this.modelStore.set(model);
        for (const h of this.diffHandlers) h(ops, model, previous);
        break;
      }
      case 'notify':
        for (const h of this.handlers.get(msg.name) ?? []) h(msg.data);
        for (const h of this.handlers.get('*') ?? []) h({ name: msg.name, data: msg.data });
        break;
      case 'response': {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        // exact: a remote's error value keeps its numbers too.
        const data = p.exact ? (exactData(raw) ?? msg.data) : msg.data;
        if (msg.success) p.resolve(data);
        else p.reject(ControlError.from(data));
        break;
      }
    }
  }
}

/** A response's data read with `parseJson`'s `exact`; undefined if it does not parse. */
function exactData(raw: string): unknown {
  const parsed = parseJson(raw, { exact: true });
  return parsed.ok ? (parsed.value as { data?: unknown }).data : undefined;
}

/**
 * Where the engine is: in the desktop app the shell tells (`control_address`);
 * in a browser the page came from the control endpoint itself and the token
 * is in the fragment (`#token=…`), which never reaches a server log.
 */
export async function discoverAddress(loc: Location = window.location): Promise<ControlAddress | null> {
  if (isTauri()) return (await invoke<ControlAddress>('control_address')) ?? null;
  const params = new URLSearchParams(loc.hash.replace(/^#/, ''));
  const token = params.get('token');
  if (!token) return null;
  const url = params.get('control') ?? `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/control`;
  return { url, token };
}
