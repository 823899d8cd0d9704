// The dashboard's view, written the way Hat Open writes its own web UIs:
// `@hat-open/renderer` holds the page's state and re-renders a virtual tree
// (snabbdom) from `view()`, and `@hat-open/juggler`'s Application mirrors
// the server's state into the renderer at the path `remote`.
//
// Edit freely: while `juggler-studio serve workspace.json` runs, every
// saved change shows in the open pages at once (a style change without a
// reload). The studio's rules answer the requests below; a real back end
// (see README.md) answers them the same way.
import r from '@hat-open/renderer';
import * as juggler from '@hat-open/juggler';

const MAX_NOTIFICATIONS = 50;

// Connects to the page's own `/ws`, reconnects on its own, and keeps the
// server's state at r.get('remote') (null while disconnected).
const app = new juggler.Application('remote');

app.addEventListener('connected', () => r.set('connected', true));
app.addEventListener('disconnected', () => r.set('connected', false));
app.addEventListener('notify', evt => r.change('notifications', list =>
    [{...evt.detail, at: new Date().toLocaleTimeString()}, ...(list ?? [])]
        .slice(0, MAX_NOTIFICATIONS)));

r.init(document.body, {
    remote: null,
    connected: false,
    notifications: [],
    answer: null,
}, view);

// --- requests ----------------------------------------------------------------

/** Sends a request and keeps its answer (or its error) for the view. */
async function send(name, data) {
    try {
        const result = await app.send(name, data);
        await r.set('answer', {name, ok: true, text: JSON.stringify(result)});
    } catch (e) {
        await r.set('answer', {name, ok: false, text: String(e?.message ?? e)});
    }
}

// --- view --------------------------------------------------------------------

function view() {
    const state = r.get('remote');
    return ['body',
        header(state),
        state == null
            ? ['main', ['p.empty', 'Waiting for the server\'s state…']]
            : ['main',
                levelCard(state.level),
                devicesCard(state.devices, state.acknowledged),
                answerCard(),
                notificationsCard()]];
}

function header(state) {
    const connected = r.get('connected');
    return ['header',
        ['h1#title', state?.title ?? document.title],
        ['span.status', {
            class: {connected},
            props: {title: juggler.getDefaultAddress()},
        }, connected ? 'connected' : 'connecting…']];
}

function levelCard(level) {
    const value = typeof level?.value === 'number' ? level.value : null;
    return ['section.card#level',
        ['h2', 'Level'],
        ['p.value',
            ['span#level-value', value == null ? '–' : value.toFixed(1)],
            ['span.unit', level?.unit ?? '']],
        ['div.bar', ['div.fill', {
            style: {width: `${Math.max(0, Math.min(100, value ?? 0))}%`},
        }]]];
}

function devicesCard(devices, acknowledged) {
    const rows = Array.isArray(devices) ? devices : [];
    return ['section.card#devices',
        ['h2', 'Devices'],
        ['table',
            ['thead', ['tr',
                ['th', 'Name'], ['th', 'Status'], ['th', '']]],
            ['tbody', rows.length == 0
                ? [['tr.empty', ['td', {props: {colSpan: 3}}, 'No devices in the state']]]
                : rows.map(device => ['tr', {key: device.id},
                    ['td', String(device.name ?? device.id)],
                    ['td', ['span.pill', {class: {alarm: device.status == 'alarm'}},
                        String(device.status ?? '')],
                        acknowledged?.id === device.id
                            ? ['span.acknowledged', `acknowledged ${localTime(acknowledged.at)}`]
                            : []],
                    ['td', ['button', {
                        props: {disabled: !r.get('connected')},
                        on: {click: () => send('device.acknowledge', {id: device.id})},
                    }, 'Acknowledge']]])]]];
}

/** An ISO time as the browser's local time of day. */
function localTime(iso) {
    const date = new Date(iso);
    return isNaN(date) ? String(iso ?? '') : date.toLocaleTimeString();
}

function answerCard() {
    const answer = r.get('answer');
    return ['section.card#answer',
        ['h2', 'Last answer'],
        answer == null
            ? ['p.empty', 'Press a button: the answer to its request shows here.']
            : ['p', {class: {error: !answer.ok}},
                ['code', answer.name], ' → ', answer.text]];
}

function notificationsCard() {
    const list = r.get('notifications') ?? [];
    return ['section.card#notifications',
        ['h2', 'Notifications ', ['span.count', String(list.length)]],
        list.length == 0
            ? ['p.empty', 'None yet: send one from the studio\'s Notify pane.']
            : ['ol', list.map(n => ['li',
                ['span.time', n.at], ' ', ['strong', n.name], ' ',
                ['code', JSON.stringify(n.data)]])]];
}
