// Request templates: the `data` of a widget's request, and its `confirm`
// question, are JSON whose strings may hold placeholders, the same rules
// as the studio's request rules:
//
//   {{value}}, {{value.a.b}}  the widget's value (a toggle's or a
//                             setpoint's new value, a button's bound value)
//   {{row}}, {{row.id}}       a table's row (row actions)
//   {{now}}                   the time, ISO 8601 in UTC with milliseconds
//   {{nowMs}}                 milliseconds since 1970
//
// A string that is exactly one placeholder becomes that value (a number
// stays a number, an object an object; nothing there gives null). Inside
// longer text a placeholder becomes text: a string as it is, anything else
// as compact JSON, nothing there as nothing. Object keys are text
// templates. Anything else, `{{` included, is left as it is.

import {isObject} from './paths.js';

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const WHOLE = /^\{\{([^{}]*)\}\}$/;

/** `template` with its placeholders filled from `vars`
 * ({value, row, now, nowMs}; `now` and `nowMs` default to this moment). */
export function fill(template, vars) {
    const at = Date.now();
    const all = {now: new Date(at).toISOString(), nowMs: at, ...vars};
    return fillValue(template, all);
}

/** The text of a template string (for confirm questions). */
export function fillText(text, vars) {
    const filled = fill(String(text), vars);
    return typeof filled === 'string' ? filled : JSON.stringify(filled);
}

function fillValue(template, vars) {
    if (typeof template === 'string') return fillString(template, vars);
    if (Array.isArray(template)) return template.map(item => fillValue(item, vars));
    if (isObject(template)) {
        const out = {};
        for (const [key, value] of Object.entries(template)) {
            out[interpolate(key, vars)] = fillValue(value, vars);
        }
        return out;
    }
    return template;
}

function fillString(s, vars) {
    const whole = WHOLE.exec(s);
    if (whole) {
        const found = resolve(whole[1], vars);
        if (found.known) return found.value === undefined ? null : found.value;
    }
    return s.includes('{{') ? interpolate(s, vars) : s;
}

function interpolate(s, vars) {
    return s.replace(PLACEHOLDER, (raw, expr) => {
        const found = resolve(expr, vars);
        if (!found.known) return raw;
        if (found.value === undefined) return '';
        return typeof found.value === 'string' ? found.value : JSON.stringify(found.value);
    });
}

/** {known, value}: `known` is false for a placeholder whose name is not
 * one of `vars` (it is then left as text). */
function resolve(expr, vars) {
    const [root, ...steps] = expr.trim().split('.');
    if (!Object.hasOwn(vars, root) || steps.some(s => s === '')) return {known: false};
    let cur = vars[root];
    for (const step of steps) {
        if (Array.isArray(cur) && /^-?[0-9]+$/.test(step)) {
            const i = Number(step);
            cur = cur[i < 0 ? cur.length + i : i];
        } else if (isObject(cur) && Object.hasOwn(cur, step)) {
            cur = cur[step];
        } else {
            cur = undefined;
        }
        if (cur === undefined) break;
    }
    return {known: true, value: cur};
}
