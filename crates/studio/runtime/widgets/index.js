// One widget on the grid: its frame (place, title, selection outline,
// "unbound" mark), drawn by the page's renderer, and its body, the view of
// its kind, drawn by ../bodies.js. A widget whose path is not in the state
// is marked and shows what it can, never breaks the page; a widget that
// throws shows the error in its frame.

import {lookup, pathText} from '../paths.js';
import {buttonView, setpointView, toggleView} from './controls.js';
import {gaugeView, jsonView, lampView, textView, valueView} from './display.js';
import {notificationsView} from './notifications.js';
import {tableView} from './table.js';
import {trendView} from './trend.js';

/** The paths a widget reads, in order. */
export function widgetPaths(w) {
    if (w.type === 'trend') return (w.series ?? []).map(s => s.path);
    if (w.type === 'text' || w.type === 'notifications') return [];
    return w.path === undefined ? [] : [w.path];
}

/** The body of a widget: its kind's view, given the values at its paths. */
export function bodyView(w, values, ctx) {
    const value = values[0];
    switch (w.type) {
    case 'value': return valueView(w, value);
    case 'lamp': return lampView(w, value);
    case 'gauge': return gaugeView(w, value);
    case 'json': return jsonView(w, value);
    case 'text': return textView(w);
    case 'table': return tableView(w, value, ctx);
    case 'trend': return trendView(w, {...ctx, values});
    case 'button': return buttonView(w, value, ctx);
    case 'toggle': return toggleView(w, value, ctx);
    case 'setpoint': return setpointView(w, value, ctx);
    case 'notifications': return notificationsView(w, ctx);
    default: return ['p.note', `Unknown widget type ${JSON.stringify(w.type)}`];
    }
}

/** A widget's frame in the page's tree: its place on the grid, its title,
 * the outline when selected, the mark when a path has no value, and the
 * element its body is patched into (see ../bodies.js). */
export function frameView(w, page) {
    const paths = widgetPaths(w);
    const values = page.values.get(w.id);
    const missing = page.remote == null ? [] : paths.filter((p, i) => values[i] === undefined);
    return ['section.widget', {
        key: w.id,
        attrs: {'data-widget': w.id, 'data-type': w.type},
        class: {unbound: missing.length > 0, selected: page.selected.has(w.id)},
        style: {
            gridColumn: `${w.x + 1} / span ${w.w}`,
            gridRow: `${w.y + 1} / span ${w.h}`,
            // For the narrow screen's stack (style.css).
            '--rows': String(w.h),
            '--reading-order': String(w.y * 1000 + w.x),
        },
    },
    w.title ? ['h2.widget-title', w.title] : [],
    // Keyed by the widget's type: a widget that changes type gets a new body.
    ['div.widget-body', {key: `body:${w.type}`, hook: page.bodies.hooks(w.id)}],
    missing.length > 0
        ? ['p.unbound-note', {props: {title: 'The state has no value at this path (yet).'}},
            `no value at ${missing.map(pathText).join(', ')}`]
        : []];
}

/** The values at a widget's paths, in the state `remote`. */
export function valuesOf(w, remote) {
    return widgetPaths(w).map(p => remote == null ? undefined : lookup(remote, p));
}
