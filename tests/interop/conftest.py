"""Shared pieces of the interop tests.

The generation under test is the one of the hat-juggler that this Python has
installed (0.6.x or 0.7.x). Binaries of ours come from the environment:

- JUGGLER_BENCH_SERVER: our bench server (default
  target/debug/examples/bench_server); a path ending in `.py` is run with this
  Python instead (e.g. reference_bench_server.py, to check the tests
  themselves against the reference).
- JUGGLER_INTEROP_CLIENT: our interop client (default
  target/debug/examples/interop_client).
"""

import asyncio
import collections
import importlib.metadata
import os
import pathlib
import socket
import subprocess
import sys
import threading
import time

import pytest


REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
REFERENCE_SERVER = HERE / 'reference_bench_server.py'

HAT_JUGGLER_VERSION = importlib.metadata.version('hat-juggler')
if HAT_JUGGLER_VERSION.startswith('0.7.'):
    GENERATION = '0.7'
elif HAT_JUGGLER_VERSION.startswith('0.6.'):
    GENERATION = '0.6'
else:
    raise RuntimeError(f'unsupported hat-juggler {HAT_JUGGLER_VERSION}')

READY_TIMEOUT = 30


def binary_path(env_name, default):
    path = pathlib.Path(os.environ.get(env_name) or default)
    return path if path.is_absolute() else REPO_ROOT / path


BENCH_SERVER = binary_path('JUGGLER_BENCH_SERVER',
                           'target/debug/examples/bench_server')
INTEROP_CLIENT = binary_path('JUGGLER_INTEROP_CLIENT',
                             'target/debug/examples/interop_client')


def pytest_report_header(config):
    return [f'hat-juggler {HAT_JUGGLER_VERSION} (generation {GENERATION})',
            f'bench server: {BENCH_SERVER}',
            f'interop client: {INTEROP_CLIENT}']


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def generation_args():
    return ['--generation', '0.7'] if GENERATION == '0.7' else []


def program_cmd(path):
    """Command line that runs `path` (a binary, or a .py with this Python)."""
    if not path.exists():
        pytest.fail(f'{path} does not exist: build it with '
                    f'`cargo build --workspace --examples` (or set the '
                    f'environment variable that names it)', pytrace=False)
    if path.suffix == '.py':
        return [sys.executable, str(path)]
    return [str(path)]


class Process:
    """A child process whose output is drained (and kept) by threads."""

    def __init__(self, cmd):
        self.cmd = cmd
        self.output = collections.deque(maxlen=200)
        self._lines = collections.deque()
        self._line_event = threading.Event()
        self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT,
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE,
                                     text=True, encoding='utf-8',
                                     errors='replace')
        for stream, keep in ((self.proc.stdout, True),
                             (self.proc.stderr, False)):
            threading.Thread(target=self._drain, args=(stream, keep),
                             daemon=True).start()

    def _drain(self, stream, keep):
        for line in stream:
            self.output.append(line.rstrip('\n'))
            if keep:
                self._lines.append(line.rstrip('\n'))
                self._line_event.set()
        if keep:
            self._lines.append(None)
            self._line_event.set()

    def wait_line(self, prefix, timeout):
        """First stdout line that starts with `prefix`, or None on EOF."""
        deadline = time.monotonic() + timeout
        while True:
            while self._lines:
                line = self._lines.popleft()
                if line is None:
                    return None
                if line.startswith(prefix):
                    return line
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f'no {prefix!r} line in {timeout} s')
            self._line_event.clear()
            if not self._lines:
                self._line_event.wait(min(remaining, 0.5))

    def describe(self):
        return (f'command: {" ".join(self.cmd)}\n'
                f'exit code: {self.proc.poll()}\n'
                f'last output:\n' + '\n'.join(self.output))

    def stop(self, timeout=10):
        """Terminate (SIGTERM), then kill after `timeout`; exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        return self.proc.returncode


class Server(Process):
    """A bench-contract server on a free loopback port; `scheme` is the one
    its READY line must name (wss when started with --pem-file)."""

    def __init__(self, cmd, attempts=3, scheme='ws'):
        # The port is free when picked but may be taken before the server
        # binds it (other tests on the machine): retry a server that exits
        # before READY on a new port.
        for attempt in range(attempts):
            self.port = free_port()
            super().__init__([*cmd, '--port', str(self.port)])
            try:
                line = self.wait_line('READY ', READY_TIMEOUT)
            except TimeoutError as e:
                self.stop()
                pytest.fail(f'server not ready: {e}\n{self.describe()}',
                            pytrace=False)
            if line is not None:
                break
            self.stop()
            if attempt == attempts - 1:
                pytest.fail(f'server exited before READY\n{self.describe()}',
                            pytrace=False)
        self.url = line.split(maxsplit=1)[1].strip()
        expected = f'{scheme}://127.0.0.1:{self.port}/ws'
        if self.url != expected:
            self.stop()
            pytest.fail(f'READY line {line!r}, expected READY {expected}',
                        pytrace=False)


@pytest.fixture
def start_server():
    """start_server(*flags, reference=False) -> Server, stopped at teardown.

    Without `reference`, starts the server under test (JUGGLER_BENCH_SERVER,
    with --generation 0.7 under hat-juggler 0.7); with it, the reference
    bench server on this Python's hat-juggler."""
    servers = []

    def start(*flags, reference=False):
        if reference:
            cmd = [*program_cmd(REFERENCE_SERVER), *flags]
        else:
            cmd = [*program_cmd(BENCH_SERVER), *flags]
            if BENCH_SERVER.suffix != '.py':
                cmd += generation_args()
        tls = any(f == '--pem-file' or str(f).startswith('--pem-file=')
                  for f in flags)
        server = Server(cmd, scheme='wss' if tls else 'ws')
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def run(coro, timeout=120):
    """Run one test coroutine on a new event loop, with a time limit."""
    async def limited():
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(limited())


async def wait_state(client, predicate, timeout=30, what='state'):
    """Wait until predicate(client.state.data) holds; its last value."""
    event = asyncio.Event()

    def on_change(data):
        if predicate(data):
            event.set()

    with client.state.register_change_cb(on_change):
        if not predicate(client.state.data):
            try:
                await asyncio.wait_for(event.wait(), timeout)
            except asyncio.TimeoutError:
                raise AssertionError(
                    f'{what} did not converge in {timeout} s; client has '
                    f'{_short(client.state.data)}') from None
    return client.state.data


async def wait_until(predicate, timeout=30, what='condition'):
    """Poll predicate() until it is true."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f'no {what} in {timeout} s')
        await asyncio.sleep(0.01)


def _short(value, limit=500):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + '...'
