"""TLS (wss) and HTTP Basic auth, in both directions:

- the REFERENCE client (hat.juggler.connect with `ssl_ctx` and `auth`)
  against OUR bench_server started with --pem-file / --htpasswd;
- OUR interop_client (--ca-file / --insecure / --user --password) against
  reference_bench_server.py started with the same two flags.

The certificate, its key and the htpasswd line are made here with the
`openssl` CLI, which the reference server needs anyway: it checks `$apr1$`
passwords by running `openssl passwd -apr1`."""

import asyncio
import json
import ssl
import subprocess
import types

import aiohttp
import pytest

import hat.juggler

from conftest import GENERATION, run, wait_state
from test_our_client import ALL_SCENARIOS, run_client

USER = 'alice'
# A space and a colon: Basic auth splits user from password at the first
# colon only.
PASSWORD = 'pa:ss w0rd'
WRONG_PASSWORD = 'pa:ss w0rD'


def openssl(*args, stdin=None):
    out = subprocess.run(['openssl', *args], input=stdin,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, \
        f'openssl {" ".join(args)} failed:\n{out.stdout}\n{out.stderr}'
    return out.stdout


@pytest.fixture
def creds(tmp_path):
    """A self-signed certificate for localhost and 127.0.0.1 (`ca_file`: the
    certificate alone; `pem_file`: certificate and key in one file) and an
    htpasswd file with USER:PASSWORD as an apr1 hash."""
    cert = tmp_path / 'cert.pem'
    key = tmp_path / 'key.pem'
    # CA:FALSE: rustls (webpki) refuses a certificate marked as a CA when
    # it is the server's own certificate, and `openssl req -x509` marks it
    # CA:TRUE unless told otherwise. The Python clients accept either.
    openssl('req', '-x509', '-newkey', 'ec',
            '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
            '-keyout', str(key), '-out', str(cert), '-days', '2',
            '-subj', '/CN=localhost',
            '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
            '-addext', 'basicConstraints=critical,CA:FALSE')
    pem = tmp_path / 'server.pem'
    pem.write_text(cert.read_text() + key.read_text())
    line = openssl('passwd', '-apr1', '-stdin', stdin=PASSWORD + '\n')
    hashed = line.strip()
    assert hashed.startswith('$apr1$'), line
    htpasswd = tmp_path / 'htpasswd'
    htpasswd.write_text(f'{USER}:{hashed}\n')
    return types.SimpleNamespace(pem_file=str(pem), ca_file=str(cert),
                                 htpasswd=str(htpasswd))


def trusting(creds):
    """An SSL context of a client that trusts only the test certificate."""
    return ssl.create_default_context(cafile=creds.ca_file)


async def connect(url, **kwargs):
    return await asyncio.wait_for(hat.juggler.connect(url, **kwargs), 10)


async def refused(url, **kwargs):
    """The exception connect(url, **kwargs) fails with."""
    with pytest.raises(Exception) as info:
        client = await connect(url, **kwargs)
        await client.async_close()
    return info.value


def assert_unauthorized(error):
    assert isinstance(error, aiohttp.WSServerHandshakeError), repr(error)
    assert error.status == 401, repr(error)


async def echo_and_burst(client):
    data = {'unicode': 'žluť 😀', 'big': 2**64 - 1, 'list': [None, 0.1]}
    assert await client.send('echo', data) == data
    n = 10_000
    assert await client.send('state.burst',
                             {'path': ['counter'], 'count': n}) == n
    await wait_state(client, lambda d: d == {'counter': n},
                     what='state.burst over TLS')


# --- the reference client against our server ------------------------------

@pytest.mark.parametrize('host', ['127.0.0.1', 'localhost'])
def test_reference_client_wss(start_server, creds, host):
    server = start_server('--pem-file', creds.pem_file)
    url = server.url.replace('127.0.0.1', host)

    async def main():
        client = await connect(url, ssl_ctx=trusting(creds))
        await echo_and_burst(client)
        await client.async_close()

    run(main())
    assert server.proc.poll() is None, server.describe()


def test_reference_client_wss_verifies(start_server, creds):
    """Without the test CA, a verifying client refuses our certificate."""
    server = start_server('--pem-file', creds.pem_file)

    async def main():
        error = await refused(server.url,
                              ssl_ctx=ssl.create_default_context())
        assert isinstance(error, aiohttp.ClientConnectorCertificateError), \
            repr(error)

        # and the server goes on serving
        client = await connect(server.url, ssl_ctx=trusting(creds))
        assert await client.send('echo', 1) == 1
        await client.async_close()

    run(main())


def test_reference_client_wss_without_ssl_ctx(start_server, creds):
    """The reference client without `ssl_ctx` connects with `ssl=False`,
    which skips verification: it takes our self-signed certificate."""
    server = start_server('--pem-file', creds.pem_file)

    async def main():
        client = await connect(server.url)
        assert await client.send('echo', 'unverified') == 'unverified'
        await client.async_close()

    run(main())


def test_reference_client_basic_auth(start_server, creds):
    server = start_server('--htpasswd', creds.htpasswd)

    async def main():
        for kwargs in [{},
                       {'auth': aiohttp.BasicAuth(USER, WRONG_PASSWORD)},
                       {'auth': aiohttp.BasicAuth('mallory', PASSWORD)},
                       {'auth': aiohttp.BasicAuth(USER, '')}]:
            assert_unauthorized(await refused(server.url, **kwargs))

        auth = aiohttp.BasicAuth(USER, PASSWORD)
        client = await connect(server.url, auth=auth)
        assert await client.send('echo', 'in') == 'in'

        # a right password before does not let a wrong one in after
        assert_unauthorized(await refused(
            server.url, auth=aiohttp.BasicAuth(USER, WRONG_PASSWORD)))

        # and the connection made with the right one goes on
        assert await client.send('echo', 'still in') == 'still in'
        await client.async_close()

    run(main())
    assert server.proc.poll() is None, server.describe()


def test_reference_client_wss_and_basic_auth(start_server, creds):
    server = start_server('--pem-file', creds.pem_file,
                          '--htpasswd', creds.htpasswd)

    async def main():
        ctx = trusting(creds)
        assert_unauthorized(await refused(
            server.url, ssl_ctx=ctx,
            auth=aiohttp.BasicAuth(USER, WRONG_PASSWORD)))
        assert_unauthorized(await refused(server.url, ssl_ctx=ctx))

        client = await connect(server.url, ssl_ctx=ctx,
                               auth=aiohttp.BasicAuth(USER, PASSWORD))
        await echo_and_burst(client)
        await client.async_close()

    run(main())
    assert server.proc.poll() is None, server.describe()


# --- our client against the reference server -------------------------------

def reference_flags(*flags):
    # hat-juggler 0.6's server takes aiohttp's default 4 MiB frame limit;
    # big_notify's 8 MiB request needs it lifted (see test_our_client.py).
    extra = ['--max-msg-size', '0'] if GENERATION == '0.6' else []
    return [*flags, *extra]


def check_all(server, *args):
    """Our client runs every scenario against `server`, all pass."""
    code, results, report = run_client(server, *args)
    names = [r.get('scenario') for r in results]
    assert names == ALL_SCENARIOS, f'ran {names}\n{report}'
    failed = [r for r in results if r.get('ok') is not True]
    assert not failed, f'failed: {json.dumps(failed)}\n{report}'
    assert code == 0, f'exit code {code} with all ok\n{report}'
    assert server.proc.poll() is None, \
        f'reference server died\n{server.describe()}'


def check_refused(server, *args, because):
    """Our client fails every scenario, each naming `because`, and exits 1."""
    code, results, report = run_client(server, *args)
    assert code == 1, f'exit code {code}\n{report}'
    assert [r.get('scenario') for r in results] == ALL_SCENARIOS, report
    for r in results:
        assert r.get('ok') is False, report
        assert because in r.get('detail', ''), report
    assert server.proc.poll() is None, \
        f'reference server died\n{server.describe()}'
    return results


def test_our_client_wss_ca_file(start_server, creds):
    server = start_server(*reference_flags('--pem-file', creds.pem_file),
                          reference=True)
    check_all(server, '--ca-file', creds.ca_file)


def test_our_client_wss_insecure(start_server, creds):
    server = start_server(*reference_flags('--pem-file', creds.pem_file),
                          reference=True)
    code, results, report = run_client(server, '--insecure', '--only',
                                       'echo')
    assert code == 0 and [r.get('ok') for r in results] == [True], report


def test_our_client_wss_verifies(start_server, creds):
    """Without --ca-file (system roots only) our client refuses the
    reference server's self-signed certificate."""
    server = start_server(*reference_flags('--pem-file', creds.pem_file),
                          reference=True)
    check_refused(server, because='certificate')


def test_our_client_basic_auth(start_server, creds):
    server = start_server(*reference_flags('--htpasswd', creds.htpasswd),
                          reference=True)
    check_all(server, '--user', USER, '--password', PASSWORD)


def test_our_client_wss_and_basic_auth(start_server, creds):
    server = start_server(*reference_flags('--pem-file', creds.pem_file,
                                           '--htpasswd', creds.htpasswd),
                          reference=True)
    check_all(server, '--ca-file', creds.ca_file,
              '--user', USER, '--password', PASSWORD)


@pytest.mark.parametrize('reference', [True, False],
                         ids=['reference_server', 'our_server'])
@pytest.mark.parametrize('credentials', [
    ['--user', USER, '--password', WRONG_PASSWORD],
    ['--user', 'mallory', '--password', PASSWORD],
    [],
], ids=['wrong_password', 'unknown_user', 'none'])
def test_our_client_refused(start_server, creds, reference, credentials):
    """A refused login is a clear failure: exit 1, every scenario naming the
    HTTP 401 and pointing at the credentials."""
    server = start_server('--htpasswd', creds.htpasswd, reference=reference)
    check_refused(server, *credentials, because='HTTP 401')
    code, results, report = run_client(server, '--user', USER,
                                       '--password', PASSWORD,
                                       '--only', 'ping')
    assert code == 0 and [r.get('ok') for r in results] == [True], report


def test_our_client_refused_over_wss(start_server, creds):
    server = start_server(*reference_flags('--pem-file', creds.pem_file,
                                           '--htpasswd', creds.htpasswd),
                          reference=True)
    results = check_refused(server, '--ca-file', creds.ca_file,
                            '--user', USER, '--password', WRONG_PASSWORD,
                            because='HTTP 401')
    assert 'check the Basic auth user and password' in results[0]['detail']
