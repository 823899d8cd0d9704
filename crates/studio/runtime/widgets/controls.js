// The widgets that send requests: button, toggle and setpoint. Each shows
// the answer to its last request (or the error) under it.

import {formatValue} from '../format.js';
import {DEFAULT_DATA, answerView} from '../requests.js';

/** A button: sends its request, with `{{value}}` the value at its path. */
export function buttonView(w, value, ctx) {
    return ['div.control',
        ['button.action', {
            props: {disabled: !ctx.canSend},
            on: {click: () => ctx.send(w.id, w.send, {value: value ?? null}, DEFAULT_DATA.button)},
        }, w.label],
        answerView(ctx.answer)];
}

/** A switch: shows whether the value is true, and sends the opposite. */
export function toggleView(w, value, ctx) {
    const on = value === true;
    return ['div.control',
        ['button.switch', {
            class: {on},
            attrs: {role: 'switch', 'aria-checked': String(on)},
            // Unbound, it knows no value to send the opposite of.
            props: {disabled: !ctx.canSend || w.path === undefined},
            on: {click: () => ctx.send(w.id, w.send, {value: !on}, DEFAULT_DATA.toggle)},
        }, ['span.knob'], ['span.switch-label', on ? 'on' : 'off']],
        answerView(ctx.answer)];
}

/** A number and a field to send a new one; the field's text lives in the
 * renderer's state (`inputs.<id>`) so that re-renders keep what is typed. */
export function setpointView(w, value, ctx) {
    const text = ctx.input ?? '';
    const submit = evt => {
        evt.preventDefault();
        // What the field holds now: the renderer applies `setInput` after
        // a timeout, so this render's `text` can be a keystroke behind (a
        // value typed and sent at once was refused as empty).
        const typed = evt.target.querySelector('input')?.value ?? text;
        const problem = checkSetpoint(w, typed);
        if (problem) {
            ctx.reject(w.id, w.send.name, problem);
            return;
        }
        ctx.setInput(w.id, undefined);
        ctx.send(w.id, w.send, {value: Number(typed)}, DEFAULT_DATA.setpoint);
    };
    return ['div.control.setpoint',
        ['div.value',
            ['span.number', formatValue(value, w)],
            w.unit && value !== undefined ? ['span.unit', w.unit] : []],
        // Our own check, with its message in the answer line, instead of the
        // browser's bubble.
        ['form.set', {attrs: {novalidate: true}, on: {submit}},
            ['input', {
                props: {
                    type: 'number',
                    value: text,
                    placeholder: typeof value === 'number' ? String(value) : 'new value',
                    min: w.min ?? '',
                    max: w.max ?? '',
                    step: w.step ?? 'any',
                    disabled: !ctx.canSend || w.path === undefined,
                },
                attrs: {'aria-label': `new value for ${w.title ?? w.id}`},
                on: {input: evt => ctx.setInput(w.id, evt.target.value)},
            }],
            ['button', {props: {type: 'submit', disabled: !ctx.canSend || w.path === undefined}}, 'Set']],
        answerView(ctx.answer)];
}

/** Why `text` cannot be sent as the setpoint, or null. */
export function checkSetpoint(w, text) {
    const n = Number(text);
    if (String(text).trim() === '' || !Number.isFinite(n)) return 'enter a number';
    if (w.min != null && n < Number(w.min)) return `enter ${w.min} or more`;
    if (w.max != null && n > Number(w.max)) return `enter ${w.max} or less`;
    return null;
}
