import { describe, expect, it } from 'vitest';
import { ControlClient, ControlError, type SocketLike } from '../src/lib/control';
import { exactJson, parseJson } from '../src/lib/json';
import type { JsonValue } from '../src/bindings/JsonValue';

/**
 * A socket that records what the client sends (parsed, and its `raw` text)
 * and answers each request with `answer(name, data)`: its `data`, or its
 * `dataText` written as it is (as the engine writes numbers a double would
 * change).
 */
function fakeLink(answer: (name: string, data: unknown) => { success: boolean; data?: unknown; dataText?: string }) {
  const sent: { name: string; data: unknown }[] = [];
  const raw: string[] = [];
  let socket: SocketLike | null = null;
  const client = new ControlClient({ url: 'ws://127.0.0.1:1/control', token: 't' }, () => {
    socket = {
      readyState: 1,
      send(text: string) {
        raw.push(text);
        const msg = JSON.parse(text);
        sent.push({ name: msg.name, data: msg.data });
        const { dataText, ...reply } = answer(msg.name, msg.data);
        const response = JSON.stringify({ type: 'response', id: msg.id, ...reply });
        const data = dataText === undefined ? response : `${response.slice(0, -1)},"data":${dataText}}`;
        queueMicrotask(() => socket?.onmessage?.({ data }));
      },
      close() {},
      onopen: null,
      onclose: null,
      onmessage: null,
      onerror: null,
    };
    return socket;
  });
  return { client, sent, raw };
}

describe('typed commands', () => {
  it('sends null for a command without data, and the data as given otherwise', async () => {
    const { client, sent } = fakeLink(() => ({ success: true, data: true }));
    await expect(client.send('state.undo')).resolves.toBe(true);
    await client.send('traffic.pause', { paused: true });
    expect(sent).toEqual([
      { name: 'state.undo', data: null },
      { name: 'traffic.pause', data: { paused: true } },
    ]);
    client.close();
  });

  it('rejects with the engine error, field, detail and rule id included', async () => {
    const error = {
      code: 'rule',
      message: 'rule "r1": match.name.regex: regex parse error',
      id: 'r1',
      field: 'match.name.regex',
      detail: 'regex parse error',
    };
    const { client } = fakeLink(() => ({ success: false, data: error }));
    const e = await client.send('rules.set', { rules: [] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ControlError);
    const c = e as ControlError;
    expect([c.code, c.message, c.id, c.field, c.detail]).toEqual([error.code, error.message, 'r1', 'match.name.regex', 'regex parse error']);
    client.close();
  });

  it('keeps a remote error data, and takes a non-error answer as a juggler error', async () => {
    let data: unknown = { code: 'remoteError', message: 'failed', data: { why: 1 } };
    const { client } = fakeLink(() => ({ success: false, data }));
    const remote = (await client.send('remote.send', { id: 's', name: 'x' }).catch((x: unknown) => x)) as ControlError;
    expect([remote.code, remote.data, remote.field]).toEqual(['remoteError', { why: 1 }, undefined]);
    data = 'plain text';
    const plain = (await client.send('state.redo').catch((x: unknown) => x)) as ControlError;
    expect([plain.code, plain.message]).toEqual(['juggler', 'plain text']);
    client.close();
  });

  it('lets the compiler check names and data', () => {
    const { client } = fakeLink(() => ({ success: true, data: null }));
    const never = () => {
      // @ts-expect-error: no such command
      void client.send('state.nonsense');
      // @ts-expect-error: traffic.pause needs `paused`
      void client.send('traffic.pause', {});
      // @ts-expect-error: `id` is a number
      void client.send('connection.close', { id: 'one' });
    };
    expect(typeof never).toBe('function');
    client.close();
  });
});

describe('sendExact', () => {
  it('sends numbers kept as text as numbers and reads the answer keeping them', async () => {
    const { client, raw } = fakeLink(() => ({ success: true, dataText: '[123456789012345678901234567890, -0, 9007199254740993, 1.5]' }));
    const data = parseJson('{"z": -0, "big": 123456789012345678901234567890}', { exact: true });
    if (!data.ok) throw new Error(data.message);
    const got = await client.sendExact('rules.fromRequest', { name: 'n', data: data.value });
    expect(raw[0]).toContain('"data":{"name":"n","data":{"z":-0,"big":123456789012345678901234567890}}');
    expect(exactJson(got as unknown as JsonValue)).toBe('[123456789012345678901234567890,-0,9007199254740993,1.5]');
    // `send` reads the same answer as doubles.
    const plain = await client.send('rules.fromRequest', { name: 'n' });
    expect(JSON.stringify(plain)).toBe('[1.2345678901234568e+29,0,9007199254740992,1.5]');
    client.close();
  });

  it('reads a remote error value keeping its numbers', async () => {
    const { client } = fakeLink(() => ({ success: false, dataText: '{"code": "remoteError", "message": "failed", "data": [-0, 9007199254740993]}' }));
    const e = (await client.sendExact('remote.send', { id: 's', name: 'x' }).catch((x: unknown) => x)) as ControlError;
    expect([e.code, exactJson(e.data as JsonValue)]).toEqual(['remoteError', '[-0,9007199254740993]']);
    client.close();
  });
});
