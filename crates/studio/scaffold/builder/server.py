"""A real back end for this dashboard, on the reference hat-juggler.

It serves the page's folder ({{staticDir}}/, the workspace's staticDir) to
browsers (`static_dir`) and nothing else of the project: not this file, the
workspace or the .venv. It holds the same state as the studio's
workspace.json and answers the dashboard's requests the way the workspace's
rules do. Works with hat-juggler {{pipSpec}} (wire generation
{{generation}}, the one the vendored @hat-open/juggler speaks):

    python3 -m venv .venv
    .venv/bin/pip install 'hat-juggler{{pipSpec}}'
    .venv/bin/python server.py --port 8080

then open http://127.0.0.1:8080/ in a browser.
"""

import argparse
import asyncio
import datetime
import json as stdjson
import pathlib
import signal

from hat import json
import hat.juggler

HERE = pathlib.Path(__file__).resolve().parent
# Found from this file, not the working directory: `python path/to/server.py`
# serves the same page from anywhere.
STATIC_DIR = HERE / "{{staticDir}}"


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec='milliseconds').replace('+00:00', 'Z')


def answers(state):
    """The dashboard's requests, by name: each changes the state as the
    workspace's rule of the same name does, and returns the answer."""

    def acknowledge(data):
        state.set(['acknowledged'], {'id': data['id'], 'at': now()})
        return {'acknowledged': data['id']}

    def setpoint(data):
        state.set(['level', 'setpoint'], data['value'])
        return {'setpoint': data['value']}

    def run(data):
        state.set(['pump', 'running'], data['running'])
        return {'running': data['running']}

    def reset(data):
        state.set(['alarm'], False)
        return {'reset': True, 'at': data['at']}

    return {'device.acknowledge': acknowledge,
            'level.setpoint': setpoint,
            'pump.run': run,
            'alarm.reset': reset}


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8080)
    args = parser.parse_args()

    workspace = stdjson.loads((HERE / 'workspace.json').read_text('utf-8'))
    # One state shared by every browser, as the workspace's sharedState.
    state = json.Storage(workspace['initialState'])
    handlers = answers(state)

    async def request_cb(conn, name, data):
        if name not in handlers:
            raise Exception(f'no such request: {name}')
        return handlers[name](data)

    server = await hat.juggler.listen(args.host, args.port,
                                      request_cb=request_cb,
                                      static_dir=STATIC_DIR,
                                      state=state,
                                      autoflush_delay=0.05)
    print(f'serving {STATIC_DIR} on http://{args.host}:{args.port}/',
          flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.async_close()


if __name__ == '__main__':
    asyncio.run(main())
