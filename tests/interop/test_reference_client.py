"""The REFERENCE client (hat.juggler.connect) against OUR bench server.

Run under a Python that has hat-juggler 0.6.x or 0.7.x installed; our server
is started with the matching --generation (see conftest.py)."""

import asyncio
import functools
import math
import random
import struct

import pytest

from hat import json
import hat.juggler

from conftest import GENERATION, run, wait_state, wait_until


async def connect(server, notify_cb=None):
    return await asyncio.wait_for(hat.juggler.connect(server.url, notify_cb),
                                  10)


async def close_all(*clients):
    await asyncio.gather(*(c.async_close() for c in clients))


@pytest.mark.parametrize('count', [1, 2, 5])
def test_clients_connect_and_close(start_server, count):
    server = start_server()

    async def main():
        clients = [await connect(server) for _ in range(count)]
        for i, client in enumerate(clients):
            assert await client.send('', i) == i
        await close_all(*clients)
        assert all(c.is_closed for c in clients)

        # the server outlives its clients
        client = await connect(server)
        assert await client.send('echo', 'still here') == 'still here'
        await client.async_close()

    run(main())
    assert server.proc.poll() is None, server.describe()


PING_DATA = [None, True, 0, 'ping', [], {}, {'a': [1, {'b': None}]}]


@pytest.mark.parametrize('data', PING_DATA, ids=repr)
def test_ping(start_server, data):
    server = start_server()

    async def main():
        client = await connect(server)
        assert await client.send('', data) == data
        await client.async_close()

    run(main())


ECHO_DATA = {
    'unicode': 'žluťoučký kůň 日本語 😀🎉 \u2028 "quoted" \\ \t\n',
    'control': ''.join(chr(i) for i in range(32)) + '\x7f',
    'unicode_keys': {'ключ': 1, '😀': [2], '': 3, 'a/b~c': 4},
    'nested': {'a': [1, [2, [3, [4, {'b': {'c': [None, True, False]}}]]]]},
    'deep': functools.reduce(lambda v, _: [v], range(64), 'deep'),
    'i64_max': 2**63 - 1,
    'i64_min': -2**63,
    'u64_max': 2**64 - 1,
    'ints': [0, -1, 1, 2**53, 2**53 + 1, -2**53 - 1, 2**32],
    'float_0.1': 0.1,
    'float_1e300': 1e300,
    'float_neg_zero': -0.0,
    'floats': [1.5, -2.25, 5e-324, 1.7976931348623157e308, 1e-7, 123456.789],
    'mixed': [{'i': 2**64 - 1, 'f': 0.1, 's': 'ß'}, [1.0, 1]],
}


def _same_json(a, b):
    """Equal, with the same types (1 is not 1.0) and the sign of zeros."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) or isinstance(b, float):
        return (type(a) is type(b) and a == b
                and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same_json, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return (a.keys() == b.keys()
                and all(_same_json(a[k], b[k]) for k in a))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize('data', ECHO_DATA.values(), ids=ECHO_DATA.keys())
def test_echo(start_server, data):
    server = start_server()

    async def main():
        client = await connect(server)
        result = await client.send('echo', data)
        assert _same_json(result, data), f'sent {data!r}, got {result!r}'
        await client.async_close()

    run(main())


def _random_doubles(rng, count):
    """Finite doubles from random bit patterns: every exponent, subnormals,
    negative zero."""
    out = []
    while len(out) < count:
        value = struct.unpack('<d', struct.pack('<Q', rng.getrandbits(64)))[0]
        if math.isfinite(value):
            out.append(value)
    return out


def _bits(value):
    return struct.unpack('<Q', struct.pack('<d', value))[0]


@pytest.mark.parametrize('seed', [1, 2, 3])
def test_exact_random_doubles(start_server, seed):
    """Random doubles come back with the same bits, echoed and mirrored."""
    server = start_server()
    rng = random.Random(seed)
    doubles = _random_doubles(rng, 2000)
    doubles += [123456789.12345679, 0.9424502837770503, 5e-324, -0.0]

    async def main():
        client = await connect(server)
        echoed = await client.send('echo', doubles)
        assert [_bits(x) for x in echoed] == [_bits(x) for x in doubles]
        await client.send('state.set', {'path': ['d'], 'value': doubles})
        mirrored = await wait_state(
            client, lambda d: isinstance(d, dict) and 'd' in d,
            what='the doubles mirrored')
        assert [_bits(x) for x in mirrored['d']] == \
            [_bits(x) for x in doubles]
        await client.async_close()

    run(main())


def test_exact_big_integers(start_server):
    """Integers beyond 64 bits (100 digits too) stay integers, every digit
    kept, echoed and mirrored."""
    server = start_server()
    rng = random.Random(7)
    ints = [rng.getrandbits(bits) * rng.choice([1, -1])
            for bits in (65, 100, 128, 200, 332)]
    ints += [10**99 + 7, -(10**99) - 7, 2**64, -2**63 - 1]

    async def main():
        client = await connect(server)
        echoed = await client.send('echo', ints)
        assert all(type(x) is int for x in echoed), echoed
        assert echoed == ints
        await client.send('state.set', {'path': ['i'], 'value': ints})
        await wait_state(client,
                         lambda d: isinstance(d, dict) and d.get('i') == ints,
                         what='the integers mirrored')
        await client.async_close()

    run(main())


@pytest.mark.parametrize('depth', [200, 500, 900])
def test_deep_nesting(start_server, depth):
    """A request nested deep (Python's json stops near 1,000) is answered
    and the state that deep is mirrored."""
    server = start_server()
    value = functools.reduce(lambda v, _: [v], range(depth), 'leaf')

    async def main():
        client = await connect(server)
        assert await client.send('echo', value) == value
        await client.send('state.set', {'path': ['deep'], 'value': value})
        await wait_state(client,
                         lambda d: isinstance(d, dict)
                         and d.get('deep') == value,
                         what=f'{depth} levels mirrored')
        await client.async_close()

    run(main())


def test_unknown_request(start_server):
    server = start_server()

    async def main():
        client = await connect(server)
        with pytest.raises(hat.juggler.JugglerError) as info:
            await client.send('no.such.request', {'x': 1})
        assert 'no.such.request' in str(info.value.data)
        assert await client.send('echo', 1) == 1
        await client.async_close()

    run(main())


STATE_SETS = [
    (['a', 'b', 'c'], 1),
    (['a', 'b', 'd'], [1, 2, 3]),
    (['arr', 3], 'padded'),          # pads with null
    (['arr', 0, 'x'], {'y': None}),
    (['arr', -1], 'last'),           # negative index counts from the end
    (['a', 'b', 'd', 1], 20),
    (['a/b', '~x', ''], 'escaped'),  # JSON Pointer escaping
    (['ключ', '😀'], 'unicode'),
    (['list'], [1, 2, 3, 4, 5]),
    (['list'], [5, 4]),             # shrink
    (['list'], [5, 4, 3, 2, 1, 0]),  # grow
    (['list'], []),
    (['a', 'b'], 'replaced subtree'),
    (['a'], None),
    (['scalar'], 1),
    (['scalar', 'now', 'object'], 2),  # wrong-kind parent is replaced
    (['big'], [2**64 - 1, -2**63, 0.1, -0.0]),
]


@pytest.mark.parametrize('shared', [False, True], ids=['own', 'shared'])
def test_state_set(start_server, shared):
    server = start_server(*(['--shared-state'] if shared else []))

    async def main():
        client = await connect(server)
        expected = json.Storage()   # the reference's own semantics
        for path, value in STATE_SETS:
            assert await client.send('state.set',
                                     {'path': path, 'value': value}) is None
            expected.set(path, value)
            await wait_state(client, lambda d: d == expected.data,
                             what=f'state after set {path!r}')

        # the whole state at once
        await client.send('state.set', {'path': [], 'value': {'new': [1]}})
        await wait_state(client, lambda d: d == {'new': [1]})
        await client.send('state.set', {'path': [], 'value': None})
        await wait_state(client, lambda d: d is None)
        await client.async_close()

    run(main())


def test_state_set_negative_index_past_start(start_server):
    """The reference pads at the front: set_([1], [-3], 'x') == ['x', None, 1].
    """
    server = start_server()

    async def main():
        client = await connect(server)
        expected = json.Storage()
        for path, value in [(['a'], [1]), (['a', -3], 'x'), (['b', -2], 0)]:
            await client.send('state.set', {'path': path, 'value': value})
            expected.set(path, value)
            await wait_state(client, lambda d: d == expected.data,
                             what=f'state after set {path!r}')
        await client.async_close()

    run(main())


def test_container_set_sends_the_diff_as_the_reference(start_server,
                                                       monkeypatch):
    """A back end that sets its whole state again with one value changed:
    our server sends the client the same diff as the reference server (not
    the whole state)."""
    received = []
    patch = hat.juggler.client.json.patch

    def recording_patch(data, diff):
        received.append(diff)
        return patch(data, diff)

    monkeypatch.setattr(hat.juggler.client.json, 'patch', recording_patch)

    def doc(changed):
        items = [{'id': i, 'name': f'item-{i}', 'tags': ['a', i]}
                 for i in range(500)]
        items[250]['name'] = changed
        return {'items': items, 'meta': {'n': 500}}

    async def last_diff(server):
        client = await connect(server)
        await client.send('state.set', {'path': [], 'value': doc('before')})
        await wait_state(client, lambda d: d == doc('before'))
        received.clear()
        await client.send('state.set', {'path': [], 'value': doc('after')})
        await wait_state(client, lambda d: d == doc('after'))
        await client.async_close()
        return [op for diff in received for op in diff]

    ours = run(last_diff(start_server()))
    reference = run(last_diff(start_server(reference=True)))
    assert reference == [{'op': 'replace', 'path': '/items/250/name',
                          'value': 'after'}]
    assert ours == reference


def test_state_per_connection(start_server):
    server = start_server()

    async def main():
        a, b = await connect(server), await connect(server)
        await a.send('state.set', {'path': ['who'], 'value': 'a'})
        await b.send('state.set', {'path': ['who'], 'value': 'b'})
        await wait_state(a, lambda d: d == {'who': 'a'})
        await wait_state(b, lambda d: d == {'who': 'b'})
        await asyncio.sleep(0.3)
        assert a.state.data == {'who': 'a'}
        assert b.state.data == {'who': 'b'}
        await close_all(a, b)

    run(main())


@pytest.mark.parametrize('autoflush', ['0', '0.05', '0.2'])
@pytest.mark.parametrize('shared', [False, True], ids=['own', 'shared'])
def test_state_burst(start_server, shared, autoflush):
    count = 10000
    server = start_server('--autoflush', autoflush,
                          *(['--shared-state'] if shared else []))

    async def main():
        client = await connect(server)
        await client.send('state.set', {'path': ['keep'], 'value': 'me'})
        seen = []
        with client.state.register_change_cb(
                lambda d: seen.append(json.get(d, ['burst', 'n']))):
            result = await client.send('state.burst',
                                       {'path': ['burst', 'n'],
                                        'count': count})
            assert result == count
            await wait_state(client,
                             lambda d: json.get(d, ['burst', 'n']) == count,
                             timeout=60, what='burst')
        values = [v for v in seen if v is not None]
        assert values == sorted(values), 'state changes arrived out of order'
        assert client.state.data == {'keep': 'me', 'burst': {'n': count}}
        await asyncio.sleep(max(0.3, 2 * float(autoflush)))
        assert client.state.data == {'keep': 'me', 'burst': {'n': count}}
        await client.async_close()

    run(main())


def test_shared_state_five_clients(start_server):
    server = start_server('--shared-state')

    async def main():
        clients = [await connect(server) for _ in range(5)]
        await clients[0].send('state.set', {'path': ['from'], 'value': 0})
        for client in clients:
            await wait_state(client, lambda d: d == {'from': 0})

        await asyncio.gather(*(
            c.send('state.set', {'path': ['clients', str(i)], 'value': i})
            for i, c in enumerate(clients)))
        expected = {'from': 0, 'clients': {str(i): i for i in range(5)}}
        for client in clients:
            await wait_state(client, lambda d: d == expected)

        await clients[4].send('state.burst', {'path': ['n'], 'count': 1000})
        expected['n'] = 1000
        for client in clients:
            await wait_state(client, lambda d: d == expected)

        # a late client starts from the whole current state
        late = await connect(server)
        await wait_state(late, lambda d: d == expected)
        await close_all(late, *clients)

    run(main())


def test_notify_burst(start_server):
    server = start_server()

    async def main():
        received = []
        client = await connect(
            server, lambda _, name, data: received.append((name, data)))
        data = {'payload': [1, 'two', None], 'big': 2**64 - 1}
        assert await client.send('notify.burst', {'name': 'first',
                                                  'data': data,
                                                  'count': 400}) == 400
        assert await client.send('notify.burst', {'name': 'second',
                                                  'data': 'x',
                                                  'count': 600}) == 600
        await wait_until(lambda: len(received) >= 1000,
                         what='1000 notifications')
        await asyncio.sleep(0.2)
        assert len(received) == 1000
        assert received == [('first', data)] * 400 + [('second', 'x')] * 600
        await client.async_close()

    run(main())


def test_notify_before_response(start_server):
    """What a handler sends before it returns reaches the client before the
    handler's response: the reference has one FIFO per connection (0.6
    awaits each frame; 0.7 queues notifications and responses together)."""
    server = start_server()

    async def main():
        received = []
        client = await connect(server, lambda *_: received.append(1))
        for count in [1, 10, 1000]:
            received.clear()
            assert await client.send('notify.burst', {'name': 'n',
                                                      'data': None,
                                                      'count': count}) == count
            assert len(received) == count, \
                f'response to notify.burst {count} came before ' \
                f'notification {len(received) + 1}'
        await client.async_close()

    run(main())


def test_big_notify(start_server):
    # 8 MiB+ of text with a 4-byte character every 7 characters, so that any
    # cut into segments falls next to (or, wrongly, inside) an emoji.
    big = ('abcdef😀' * (8 * 1024 * 1024 // 7 + 1))
    assert len(big) > 8 * 1024 * 1024
    server = start_server()

    async def main():
        received = []
        client = await connect(
            server, lambda _, name, data: received.append((name, data)))
        assert await client.send('notify.burst', {'name': 'big',
                                                  'data': {'text': big},
                                                  'count': 1}) == 1
        await wait_until(lambda: received, what='the big notification')
        assert len(received) == 1
        name, data = received[0]
        assert name == 'big'
        assert data['text'] == big, 'big notification arrived changed'
        assert await client.send('echo', 'after') == 'after'
        await client.async_close()

    run(main(), timeout=180)


def test_pipelined_requests(start_server):
    server = start_server()

    async def main():
        client = await connect(server)
        payloads = [{'i': i, 's': 'x' * i, 'l': list(range(i % 7))}
                    for i in range(200)]
        results = await asyncio.gather(*(client.send('echo', p)
                                         for p in payloads))
        assert results == payloads
        await client.async_close()

    run(main())


MALFORMED_PATHS = [[True], [None], [1.5], [{'a': 1}], ['ok', False], None]


@pytest.mark.parametrize('path', MALFORMED_PATHS, ids=repr)
def test_malformed_path(start_server, path):
    server = start_server()

    async def main():
        client = await connect(server)
        await client.send('state.set', {'path': ['a'], 'value': 1})
        await wait_state(client, lambda d: d == {'a': 1})
        with pytest.raises(hat.juggler.JugglerError):
            await client.send('state.set', {'path': path, 'value': 2})
        assert client.is_open
        assert await client.send('echo', 'alive') == 'alive'
        await client.send('state.set', {'path': ['b'], 'value': 3})
        await wait_state(client, lambda d: d == {'a': 1, 'b': 3})
        await client.async_close()

    run(main())


def test_parallel_requests(start_server):
    server = start_server('--parallel-requests')

    async def main():
        notes = []
        client = await connect(server, lambda _, n, d: notes.append((n, d)))
        calls, expected = [], []
        for i in range(300):
            if i % 3 == 0:
                calls.append(client.send('echo', {'i': i}))
                expected.append({'i': i})
            elif i % 3 == 1:
                calls.append(client.send('notify.burst', {'name': str(i),
                                                          'data': i,
                                                          'count': 3}))
                expected.append(3)
            else:
                calls.append(client.send('state.set',
                                         {'path': ['s', str(i)], 'value': i}))
                expected.append(None)
        calls.append(client.send('state.burst', {'path': ['n'],
                                                 'count': 2000}))
        expected.append(2000)
        assert await asyncio.gather(*calls) == expected
        await wait_state(client, lambda d: d == {
            's': {str(i): i for i in range(2, 300, 3)}, 'n': 2000})
        await wait_until(lambda: len(notes) >= 300, what='300 notifications')
        assert sorted(notes) == sorted((str(i), i)
                                       for i in range(1, 300, 3)
                                       for _ in range(3))
        await client.async_close()

    run(main())


def test_server_closing(start_server):
    server = start_server()

    async def main():
        started = asyncio.Event()
        client = await connect(server, lambda *_: started.set())
        other = await connect(server)
        assert await other.send('', 1) == 1

        burst = asyncio.ensure_future(client.send(
            'notify.burst', {'name': 'n', 'data': 'x' * 100,
                             'count': 10**8}))
        await asyncio.wait_for(started.wait(), 10)
        # queued behind the busy one (requests are processed one by one)
        queued = [asyncio.ensure_future(client.send('echo', i))
                  for i in range(3)]
        await asyncio.sleep(0.1)

        server.proc.terminate()
        await asyncio.wait_for(client.wait_closed(), 20)
        await asyncio.wait_for(other.wait_closed(), 20)

        # Every pending request ends. hat-juggler 0.6.26's server fails
        # them all with the connection. 0.7.6's goes on reading while its
        # transport closes: it answers the request in progress with
        # success: false ('' - its handler's ConnectionError) and then even
        # answers the queued ones; under 0.7 either outcome is accepted.
        outcomes = await asyncio.gather(burst, *queued,
                                        return_exceptions=True)
        if GENERATION == '0.6':
            assert all(isinstance(o, ConnectionError) for o in outcomes), \
                outcomes
        else:
            assert isinstance(outcomes[0], (ConnectionError,
                                            hat.juggler.JugglerError)), \
                outcomes
            assert all(isinstance(o, ConnectionError) or o == i
                       for i, o in enumerate(outcomes[1:])), outcomes
        with pytest.raises(ConnectionError):
            await client.send('echo', 'closed')
        await close_all(client, other)

    run(main())
    assert server.proc.wait(20) == 0, server.describe()
