// The reference browser client, @hat-open/juggler (0.6.18 and 0.7.0 from
// npm), against our bench_server. Node stands in for the browser: it has
// WebSocket, EventTarget and CustomEvent; the package's util module only
// needs `document.addEventListener` at import time.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

globalThis.document ??= { addEventListener() {}, removeEventListener() {} };
globalThis.window ??= globalThis;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const serverBin = process.env.JUGGLER_BENCH_SERVER ??
    path.join(root, 'target', 'debug', 'examples', 'bench_server');
const servers = [];

after(() => { for (const s of servers) s.kill('SIGTERM'); });

async function startServer(args) {
    const proc = spawn(serverBin, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    servers.push(proc);
    const lines = createInterface({ input: proc.stdout });
    const url = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('bench_server did not print READY')), 20000);
        proc.on('error', reject);
        proc.on('exit', code => reject(new Error(`bench_server exited with ${code}`)));
        lines.on('line', line => {
            if (line.startsWith('READY ')) { clearTimeout(timer); resolve(line.slice(6).trim()); }
        });
    });
    return url;
}

function waitFor(cond, what, ms = 10000) {
    return new Promise((resolve, reject) => {
        const start = Date.now();
        const tick = () => {
            if (cond()) return resolve();
            if (Date.now() - start > ms) return reject(new Error(`timed out waiting for ${what}`));
            setTimeout(tick, 5);
        };
        tick();
    });
}

async function open(lib, url) {
    const conn = new lib.Connection(url);
    await new Promise((resolve, reject) => {
        conn.addEventListener('open', resolve);
        conn.addEventListener('close', () => reject(new Error('closed before open')));
    });
    return conn;
}

for (const [label, pkg, generation] of [
    ['0.6.18', '@hat-open/juggler', '0.6'],
    ['0.7.0', 'juggler07', '0.7'],
]) {
    test(`@hat-open/juggler ${label} against our server (generation ${generation})`, async t => {
        const lib = await import(pkg);
        const url = await startServer(['--generation', generation]);
        const sharedUrl = await startServer(['--generation', generation, '--shared-state', '--autoflush', '0.05']);

        await t.test('echo, ping and errors', async () => {
            const conn = await open(lib, url);
            const data = { s: 'héllo 😀', n: [1, 2.5, -3], deep: { a: [null, true] } };
            assert.deepEqual(await conn.send('echo', data), data);
            assert.deepEqual(await conn.send('', 42), 42);
            await assert.rejects(conn.send('no.such', 1), e => String(e).includes('no.such'));
            conn.close();
        });

        await t.test('state follows sets and a 10,000-change burst', async () => {
            const conn = await open(lib, url);
            await conn.send('state.set', { path: ['a', 'b', 2], value: 'x' });
            await waitFor(() => JSON.stringify(conn.state) === '{"a":{"b":[null,null,"x"]}}', 'nested set');
            assert.equal(await conn.send('state.burst', { path: ['n'], count: 10000 }), 10000);
            await waitFor(() => conn.state?.n === 10000, 'burst');
            assert.deepEqual(conn.state, { a: { b: [null, null, 'x'] }, n: 10000 });
            conn.close();
        });

        await t.test('notifications arrive, all and in order', async () => {
            const conn = await open(lib, url);
            const got = [];
            conn.addEventListener('notify', e => got.push(e.detail));
            await conn.send('notify.burst', { name: 'tick', data: { i: 'é' }, count: 500 });
            await conn.send('', null);
            await waitFor(() => got.length === 500, '500 notifications');
            assert.ok(got.every(n => n.name === 'tick' && n.data.i === 'é'));
            const big = 'x'.repeat(3 * 1024 * 1024);
            await conn.send('notify.burst', { name: 'big', data: big, count: 1 });
            await waitFor(() => got.length === 501, 'big notification');
            assert.equal(got[500].data.length, big.length);
            conn.close();
        });

        await t.test('shared state reaches every client', async () => {
            const a = await open(lib, sharedUrl);
            const b = await open(lib, sharedUrl);
            await a.send('state.set', { path: ['k/~'], value: [1, { z: 2 }] });
            for (const c of [a, b]) {
                await waitFor(() => JSON.stringify(c.state) === '{"k/~":[1,{"z":2}]}', 'shared state');
            }
            a.close();
            b.close();
        });

        await t.test('random doubles and deep nesting come back exactly', async () => {
            // Doubles from random bit patterns (every exponent, subnormals,
            // -0), echoed and mirrored: JSON.parse of what our server
            // passes on must give the same bits the page sent.
            const bits = new DataView(new ArrayBuffer(8));
            // (No -0: JSON.stringify writes it as 0.)
            const doubles = [123456789.12345679, 0.9424502837770503, 5e-324];
            while (doubles.length < 2000) {
                bits.setUint32(0, (Math.random() * 2 ** 32) >>> 0);
                bits.setUint32(4, (Math.random() * 2 ** 32) >>> 0);
                const d = bits.getFloat64(0);
                if (Number.isFinite(d)) doubles.push(d);
            }
            const same = (a, b) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
            const conn = await open(lib, url);
            const echoed = await conn.send('echo', doubles);
            assert.ok(same(echoed, doubles), 'echoed doubles differ');
            await conn.send('state.set', { path: ['d'], value: doubles });
            await waitFor(() => Array.isArray(conn.state?.d) && same(conn.state.d, doubles), 'mirrored doubles');
            let deep = 'leaf';
            for (let i = 0; i < 1000; i++) deep = [deep];
            assert.deepEqual(await conn.send('echo', deep), deep);
            conn.close();
        });

        await t.test('pipelined requests are all answered', async () => {
            const conn = await open(lib, url);
            const answers = await Promise.all(
                Array.from({ length: 200 }, (_, i) => conn.send('echo', { i })));
            assert.deepEqual(answers, Array.from({ length: 200 }, (_, i) => ({ i })));
            conn.close();
        });
    });
}
