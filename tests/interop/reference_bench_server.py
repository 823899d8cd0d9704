"""The bench contract (shared/spec/bench-contract.md) on the reference
`hat.juggler.listen`. Works with hat-juggler 0.6.x and 0.7.x: the wire
generation is the installed package's. Same CLI as our bench_server.

Extras beyond the bench contract, as in our bench_server: `--pem-file PATH`
serves wss with the certificate and key of one PEM file (the READY line then
says wss://), and `--htpasswd PATH` requires HTTP Basic auth from the users
of an htpasswd file (the reference takes only `$apr1$` lines)."""

import argparse
import asyncio
import importlib.metadata
import signal
import ssl

import aiohttp.web
from hat import json
import hat.juggler


async def request_cb(conn, name, data):
    if name == 'echo':
        return data
    if name == 'state.set':
        conn.state.set(data['path'], data['value'])  # bad path: ValueError
        return None
    if name == 'state.burst':
        for i in range(1, data['count'] + 1):
            conn.state.set(data['path'], i)
        return data['count']
    if name == 'notify.burst':
        for _ in range(data['count']):
            await conn.notify(data['name'], data['data'])
        return data['count']
    raise Exception(f'request not implemented: {name!r}')


async def main():
    parser = argparse.ArgumentParser(
        epilog='--pem-file and --htpasswd are extras beyond the bench '
               'contract (for the TLS and Basic auth interop tests).')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--autoflush', type=float, default=0)
    parser.add_argument('--shared-state', action='store_true')
    parser.add_argument('--parallel-requests', action='store_true')
    # Accepted for CLI parity; the generation is the installed package's.
    parser.add_argument('--generation', choices=['0.6', '0.7'])
    # Not in our CLI: aiohttp's server refuses frames over 4 MiB by default,
    # which in 0.6 (no segments) caps a request at 4 MiB. 0 = no limit.
    parser.add_argument('--max-msg-size', type=int)
    # Extras beyond the bench contract.
    parser.add_argument('--pem-file', metavar='PATH',
                        help='serve wss with the certificate chain and '
                             'private key of this PEM file')
    parser.add_argument('--htpasswd', metavar='PATH',
                        help='require HTTP Basic auth from the users of this '
                             'htpasswd file ($apr1$ lines only)')
    args = parser.parse_args()

    version = importlib.metadata.version('hat-juggler')
    if args.generation and not version.startswith(args.generation + '.'):
        parser.error(f'--generation {args.generation}: '
                     f'installed hat-juggler is {version}')

    if args.max_msg_size is not None:
        class WebSocketResponse(aiohttp.web.WebSocketResponse):
            def __init__(self, *a, **kw):
                super().__init__(*a, max_msg_size=args.max_msg_size, **kw)

        aiohttp.web.WebSocketResponse = WebSocketResponse

    ssl_ctx = None
    if args.pem_file:
        ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_ctx.load_cert_chain(args.pem_file)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    server = await hat.juggler.listen(
        args.host, args.port, request_cb=request_cb,
        autoflush_delay=args.autoflush,
        state=json.Storage() if args.shared_state else None,
        parallel_requests=args.parallel_requests,
        htpasswd_file=args.htpasswd,
        ssl_ctx=ssl_ctx)
    scheme = 'wss' if ssl_ctx else 'ws'
    print(f'READY {scheme}://{args.host}:{args.port}/ws', flush=True)
    try:
        await stop.wait()
    finally:
        await server.async_close()


if __name__ == '__main__':
    asyncio.run(main())
