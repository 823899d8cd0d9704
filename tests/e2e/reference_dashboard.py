"""The reference back end of a builder dashboard's project folder, for the
browser tests: `hat.juggler.listen(static_dir=...)` of the page's folder
(the workspace's staticDir: `web/` of a new project, the folder itself of
one made before) with the workspace's initial state, answering requests
with the folder's own `server.py` (its `answers(state)`), and taking
commands on stdin — the only way a test can change the reference server's
state or send a notification:

    {"set": [PATH, VALUE]}     state.set(PATH, VALUE)
    {"notify": [NAME, DATA]}   every connection gets the notification

Usage: python reference_dashboard.py FOLDER PORT; prints `serving …` when
ready. Works with hat-juggler 0.6 and 0.7.
"""

import asyncio
import importlib.util
import json as stdjson
import pathlib
import sys

from hat import json
import hat.juggler


def load_answers(folder):
    # Importing would leave __pycache__ in the folder, which the tests
    # check is served unchanged.
    sys.dont_write_bytecode = True
    spec = importlib.util.spec_from_file_location('dashboard_server',
                                                  folder / 'server.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.answers


async def main():
    folder = pathlib.Path(sys.argv[1]).resolve()
    port = int(sys.argv[2])
    workspace = stdjson.loads((folder / 'workspace.json').read_text('utf-8'))
    static_dir = folder / workspace['server']['staticDir']
    state = json.Storage(workspace['initialState'])
    handlers = load_answers(folder)(state)
    connections = set()

    async def connection_cb(conn):
        connections.add(conn)

    async def request_cb(conn, name, data):
        if name not in handlers:
            raise Exception(f'no such request: {name}')
        return handlers[name](data)

    server = await hat.juggler.listen('127.0.0.1', port,
                                      connection_cb=connection_cb,
                                      request_cb=request_cb,
                                      static_dir=static_dir,
                                      state=state,
                                      autoflush_delay=0.02)
    print(f'serving {static_dir} on http://127.0.0.1:{port}/', flush=True)
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            command = stdjson.loads(line)
            if 'set' in command:
                path, value = command['set']
                state.set(path, value)
            elif 'notify' in command:
                name, data = command['notify']
                for conn in list(connections):
                    if conn.is_open:
                        await conn.notify(name, data)
            print('done', flush=True)
    finally:
        await server.async_close()


if __name__ == '__main__':
    asyncio.run(main())
