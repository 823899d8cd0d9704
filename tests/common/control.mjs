// A juggler 0.6 client in plain JavaScript (Node's WebSocket), shared by
// the browser test suites (tests/ui, tests/e2e): it keeps the server's
// state (the studio's model, on the control endpoint), sends requests, and
// waits for conditions. No dependencies, so every suite can import it.

export const WAIT_MS = 15000;

/** Applies a juggler diff (add/remove/replace, in order) to a plain copy. */
export function applyDiff(doc, diff) {
    const clone = structuredClone(doc);
    let root = { '': clone };
    for (const op of diff) {
        const tokens = op.path === '' ? [] : op.path.slice(1).split('/').map(t => t.replace(/~1/g, '/').replace(/~0/g, '~'));
        let parent = root, key = '';
        for (const t of tokens) { parent = parent[key]; key = Array.isArray(parent) && t !== '-' ? Number(t) : t; }
        if (op.op === 'remove') {
            if (Array.isArray(parent)) parent.splice(key, 1); else delete parent[key];
        } else if (op.op === 'add' && Array.isArray(parent)) {
            parent.splice(key === '-' ? parent.length : key, 0, op.value);
        } else {
            parent[key] = op.value;
        }
    }
    return root[''];
}

/**
 * Opens `url`; `cleanups` gets the close. Returns `send(name, data)`,
 * `state()` (also `model()`), `waitFor(fn, what)` (until fn(state) is
 * true), and `events` (notifications received, oldest first). With
 * `mirror: false` it keeps no state (a load generator: copying a 10 MB
 * state at every diff would make it the bottleneck); `state()` stays null.
 */
export async function openControl(url, cleanups, { mirror = true } = {}) {
    const ws = new WebSocket(url);
    const pending = new Map();
    const waiters = new Set();
    let nextId = 1;
    let model = null;
    const events = [];
    ws.addEventListener('message', evt => {
        if (!mirror && String(evt.data).startsWith('{"type":"state"')) return;
        const msg = JSON.parse(evt.data);
        if (msg.type === 'state') {
            model = applyDiff(model, msg.diff);
            for (const w of [...waiters]) if (w.fn(model)) { waiters.delete(w); w.resolve(model); }
        } else if (msg.type === 'notify') {
            events.push({ name: msg.name, data: msg.data });
        } else if (msg.type === 'response') {
            const p = pending.get(msg.id);
            if (!p) return;
            pending.delete(msg.id);
            if (msg.success) p.resolve(msg.data);
            else p.reject(new Error(`control request ${p.name} failed: ${JSON.stringify(msg.data)}`));
        }
    });
    ws.addEventListener('close', () => {
        for (const p of pending.values()) p.reject(new Error('control connection closed'));
        pending.clear();
    });
    await new Promise((resolve, reject) => {
        ws.addEventListener('open', resolve, { once: true });
        ws.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), { once: true });
    });
    cleanups.push(() => ws.close());
    return {
        events,
        state: () => model,
        model: () => model,
        send(name, data = null) {
            const id = nextId++;
            ws.send(JSON.stringify({ type: 'request', id, name, data }));
            return new Promise((resolve, reject) => pending.set(id, { name, resolve, reject }));
        },
        waitFor(fn, what = 'the model to change', timeout = WAIT_MS) {
            if (model !== null && fn(model)) return Promise.resolve(model);
            return new Promise((resolve, reject) => {
                const w = { fn: m => m !== null && fn(m), resolve };
                waiters.add(w);
                setTimeout(() => {
                    if (waiters.delete(w)) reject(new Error(`timed out waiting for ${what}; model: ${JSON.stringify(model)?.slice(0, 2000)}`));
                }, timeout);
            });
        },
    };
}
