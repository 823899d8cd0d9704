// The dashboard's runtime: loads dashboard.json (the layout the studio's
// builder writes), connects to the page's own juggler server with
// @hat-open/juggler, and renders the widgets with @hat-open/renderer
// against the live state — the way Hat Open's own web UIs are built:
// the renderer holds the page's state, `remote` is the server's state.
//
// The renderer's state:
//   dashboard      dashboard.json (or the builder's unsaved layout)
//   loadError      why dashboard.json could not be loaded
//   remote         the server's state, null while disconnected
//   connected      whether the juggler connection is open
//   notifications  received notifications, newest first
//   answers        the last answer of each widget's request, by widget id
//   inputs         what is typed in each setpoint, by widget id
//   editing        {selected: [ids]} when the page is the builder's canvas
//   clock          the time, ticked each second while trends are shown
//
// Nothing here is generated: edit it freely (the studio's builder writes
// only dashboard.json, index.html and this folder, and only while they
// are still the files it wrote).

import r from '@hat-open/renderer';
import * as juggler from '@hat-open/juggler';
import {builderRequested, connectBuilder} from './edit.js';
import {Bodies} from './bodies.js';
import {requestSender} from './requests.js';
import {Trends} from './trends.js';
import {pageView} from './view.js';
import {DEFAULT_MAX} from './widgets/notifications.js';

const editing = builderRequested();
const trends = new Trends();
const bodies = new Bodies();

const dashboard = await loadDashboard();
document.title = dashboard.value?.title || document.title;
trends.follow(dashboard.value?.widgets ?? []);

let app = null;
const tools = {
    trends,
    send: requestSender({send: (name, data) => app.send(name, data)}, r, () => editing),
    reject: (id, name, text) => r.set(['answers', id], {ok: false, name, text, at: new Date().toLocaleTimeString()}),
    setInput: (id, text) => r.set(['inputs', id], text),
};

await r.init(document.body, {
    dashboard: dashboard.value,
    loadError: dashboard.error,
    remote: null,
    connected: false,
    notifications: [],
    answers: {},
    inputs: {},
    editing: editing ? {selected: []} : null,
    clock: Date.now(),
}, () => pageView(tools, bodies));
r.addEventListener('render', () => bodies.update(bodies.page));

// Started after r.init, which would otherwise wipe a state that arrives
// first. The Application hands every new state to `mirror.set`: the trends
// sample each of them, and the page gets the latest once per animation
// frame (a server may send a hundred states a second; the renderer
// compares each state it is given with the one before, and the page
// cannot show more than a frame's worth anyway).
let pending = null;
const mirror = {
    set(path, value) {
        trends.sample(value);
        if (pending === null) requestAnimationFrame(() => {
            const [p, v] = pending;
            pending = null;
            r.set(p, v);
        });
        pending = [path, value];
        return Promise.resolve();
    },
};
app = new juggler.Application('remote', mirror);
app.addEventListener('connected', () => r.set('connected', true));
app.addEventListener('disconnected', () => r.set('connected', false));

let seq = 0;
app.addEventListener('notify', evt => r.change('notifications', list =>
    [{...evt.detail, seq: seq++, at: new Date().toLocaleTimeString()}, ...(list ?? [])]
        .slice(0, notificationsKept())));

// Trends move with time even while the state stands still.
setInterval(() => {
    if ((r.get('dashboard', 'widgets') ?? []).some(w => w.type === 'trend')) r.set('clock', Date.now());
}, 1000);

// The runtime's parts, for the browser's console (and the benchmark).
window.jugglerDashboard = {r, app, bodies, trends};

if (editing) {
    connectBuilder(r, layout => {
        trends.follow(layout?.widgets ?? []);
        r.set('dashboard', layout);
        document.title = layout?.title || document.title;
    });
}

/** dashboard.json, as {value} or {error}. */
async function loadDashboard() {
    try {
        const res = await fetch('./dashboard.json', {cache: 'no-cache'});
        if (!res.ok) return {error: `dashboard.json: ${res.status} ${res.statusText}`};
        return {value: await res.json()};
    } catch (e) {
        return {error: `dashboard.json: ${e?.message ?? e}`};
    }
}

/** The most notifications any notifications widget shows. */
function notificationsKept() {
    const widgets = (r.get('dashboard', 'widgets') ?? []).filter(w => w.type === 'notifications');
    return Math.max(DEFAULT_MAX, ...widgets.map(w => w.max ?? DEFAULT_MAX));
}
