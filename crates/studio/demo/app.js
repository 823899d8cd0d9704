// The demo dashboard of `juggler-studio serve`: a juggler client built on
// the real @hat-open/juggler (0.6.18, wire generation 0.6). It shows the
// server's state live, lists notifications as they arrive and sends
// requests that the demo workspace's rules answer.
import * as juggler from '@hat-open/juggler';

const MAX_ITEMS = 100;
const address = juggler.getDefaultAddress();
const $ = id => document.getElementById(id);

let conn = null;
let retries = 0;
let notificationCount = 0;

// --- helpers ----------------------------------------------------------------

function el(tag, props = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
        if (k === 'dataset') Object.assign(e.dataset, v);
        else if (k === 'onclick') e.addEventListener('click', v);
        else if (k in e) e[k] = v;
        else e.setAttribute(k, v);
    }
    for (const c of children) if (c != null) e.append(c);
    return e;
}

const time = () => new Date().toLocaleTimeString([], { hour12: false });
const compact = value => value === undefined ? '' : JSON.stringify(value);

/** Prepends `item` to list `id`, dropping its placeholder and old items. */
function prepend(id, item) {
    const list = $(id);
    list.querySelector(':scope > .empty')?.remove();
    list.prepend(item);
    while (list.children.length > MAX_ITEMS) list.lastElementChild.remove();
}

function setStatus(status, text) {
    const pill = $('status');
    pill.dataset.status = status;
    pill.textContent = text;
    document.body.dataset.status = status;
    for (const b of document.querySelectorAll('button[data-request], #pumps button')) {
        b.disabled = status !== 'connected';
    }
}

// --- state ------------------------------------------------------------------

function render(state) {
    $('state').textContent = JSON.stringify(state, null, 2);
    if (state && typeof state.title === 'string') {
        $('title').textContent = state.title;
        document.title = state.title;
    }

    const pumps = Array.isArray(state?.plant?.pumps) ? state.plant.pumps : [];
    const rows = pumps.map((pump, index) => {
        const running = pump?.running === true;
        return el('tr', { dataset: { pump: String(pump?.name ?? index) } },
            el('td', { className: 'name' }, String(pump?.name ?? `#${index}`)),
            el('td', {}, el('span', { className: running ? 'dot running' : 'dot' },
                running ? 'running' : 'stopped')),
            el('td', { className: 'num' },
                typeof pump?.flow === 'number' ? pump.flow.toFixed(1) : '–'),
            el('td', {}, el('button', {
                className: 'secondary',
                disabled: conn?.readyState !== WebSocket.OPEN,
                title: `pump.toggle {"index": ${index}, "running": ${!running}}`,
                onclick: () => request('pump.toggle', { index, running: !running }),
            }, running ? 'stop' : 'start')));
    });
    $('pumps').tBodies[0].replaceChildren(...(rows.length ? rows
        : [el('tr', { className: 'empty' }, el('td', { colSpan: 4 }, 'no pumps in the state'))]));

    const alarms = Array.isArray(state?.alarms) ? state.alarms : [];
    $('alarms').replaceChildren(...(alarms.length ? alarms.map(alarm => {
        const text = typeof alarm === 'string' ? alarm : alarm?.text ?? compact(alarm);
        const severity = typeof alarm?.severity === 'string' ? alarm.severity : 'alarm';
        return el('li', {}, el('span', { className: 'head' },
            el('span', { className: 'badge warning' }, severity), el('span', {}, text)));
    }) : [el('li', { className: 'empty' }, 'no alarms')]));
}

// --- notifications ----------------------------------------------------------

function addNotification({ name, data }) {
    notificationCount += 1;
    $('notification-count').textContent = String(notificationCount);
    prepend('notifications', el('li', { dataset: { name } },
        el('span', { className: 'head' },
            el('span', { className: 'time' }, time()),
            el('span', { className: 'name mono' }, name)),
        el('code', { className: 'data' }, compact(data))));
}

// --- requests ---------------------------------------------------------------

async function request(name, data) {
    const outcome = el('span', { className: 'badge pending' }, '…');
    const answer = el('code', { className: 'data' }, `sent ${compact(data)}`);
    const took = el('span', { className: 'time' });
    const item = el('li', { dataset: { name, outcome: 'pending' } },
        el('span', { className: 'head' },
            el('span', { className: 'time' }, time()),
            el('span', { className: 'name mono' }, name),
            outcome, took),
        answer);
    prepend('answers', item);
    const start = performance.now();
    let ok, value;
    try {
        if (!conn) throw new Error('not connected');
        value = await conn.send(name, data);
        ok = true;
    } catch (e) {
        value = e instanceof Error ? e.message : e;
        ok = false;
    }
    item.dataset.outcome = ok ? 'ok' : 'error';
    outcome.className = `badge ${ok ? 'ok' : 'error'}`;
    outcome.textContent = ok ? 'answer' : 'error';
    took.textContent = `${Math.round(performance.now() - start)} ms`;
    answer.textContent = compact(value);
}

for (const button of document.querySelectorAll('button[data-request]')) {
    button.addEventListener('click', () => request(
        button.dataset.request,
        button.dataset.data === undefined ? null : JSON.parse(button.dataset.data)));
}

// --- connection -------------------------------------------------------------

function connect() {
    setStatus('connecting', 'connecting…');
    const c = new juggler.Connection(address);
    conn = c;
    c.addEventListener('open', () => {
        retries = 0;
        setStatus('connected', 'connected');
    });
    c.addEventListener('change', e => render(e.detail));
    c.addEventListener('notify', e => addNotification(e.detail));
    c.addEventListener('close', () => {
        if (conn !== c) return;
        conn = null;
        const delay = Math.min(1000 * 2 ** retries, 10000);
        retries += 1;
        setStatus('disconnected', `disconnected, retrying in ${delay / 1000} s`);
        setTimeout(connect, delay);
    });
}

$('address').textContent = address;
connect();
