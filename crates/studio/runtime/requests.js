// Requests the widgets send (buttons, toggles, setpoints, table rows):
// the data template is filled, the question asked when there is one, and
// the answer — or the error — kept at `answers.<widget id>` of the
// renderer's state for the widget to show.

import {fill, fillText} from './template.js';

/** The data a widget sends when its `send` has none. */
export const DEFAULT_DATA = {
    button: null,
    toggle: '{{value}}',
    setpoint: '{{value}}',
    row: '{{row}}',
};

/** Makes `send(widget, request, vars, defaultData)`, which sends `request`
 * ({name, data?, confirm?}) through `app` and keeps its answer in `r`.
 * `isEditing()` says the page is the builder's canvas: nothing is sent. */
export function requestSender(app, r, isEditing) {
    return async function send(widgetId, request, vars, defaultData = null) {
        if (isEditing()) return;
        if (request.confirm != null && !window.confirm(fillText(request.confirm, vars))) return;
        const data = fill(request.data === undefined ? defaultData : request.data, vars);
        const at = new Date().toLocaleTimeString();
        await r.set(['answers', widgetId], {pending: true, name: request.name, at});
        let answer;
        try {
            const result = await app.send(request.name, data);
            answer = {ok: true, name: request.name, text: JSON.stringify(result) ?? 'null', at};
        } catch (e) {
            answer = {ok: false, name: request.name, text: describeError(e), at};
        }
        await r.set(['answers', widgetId], answer);
    };
}

/** A juggler error answer carries any JSON; a failed send is an Error. */
function describeError(e) {
    if (e instanceof Error) return e.message;
    return typeof e === 'string' ? e : JSON.stringify(e);
}

/** The answer line under a widget that sends requests. */
export function answerView(answer) {
    if (answer == null) return [];
    if (answer.pending) return ['p.answer.pending', `${answer.name}: sending…`];
    return ['p.answer', {class: {ok: answer.ok, error: !answer.ok}, props: {title: answer.at}},
        answer.ok ? '✓ ' : '✗ ', answer.text];
}
