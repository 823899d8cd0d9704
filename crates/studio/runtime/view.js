// The page: a header with the dashboard's title and the connection, and
// the grid of widgets' frames. The renderer calls `pageView` after every
// change of its state (at most 30 times a second) and patches the page
// with it; then bodies.js draws the bodies whose inputs changed.

import r from '@hat-open/renderer';
import {frameView, valuesOf} from './widgets/index.js';

/** Default grid: 12 columns, rows 48 px high, 8 px apart. */
export const DEFAULT_GRID = {columns: 12, rowHeight: 48, gap: 8};

/** Rows the builder's canvas has below the lowest widget, to drop into. */
const EDIT_ROOM = 6;

/** The page's tree. `tools` are the page's functions ({trends, send,
 * reject, setInput}); `bodies` draws the widgets' bodies after each render
 * (see bodies.js), from what this function gathered. */
export function pageView(tools, bodies) {
    const dashboard = r.get('dashboard');
    const editing = r.get('editing');
    if (dashboard == null) {
        return ['body', ['main.message',
            ['h1', 'This dashboard cannot be shown'],
            ['p', r.get('loadError') ?? 'Loading dashboard.json…']]];
    }
    const connected = r.get('connected');
    const remote = r.get('remote');
    const widgets = dashboard.widgets ?? [];
    const page = {
        tools,
        bodies,
        remote,
        connected,
        canSend: connected && editing == null,
        answers: r.get('answers') ?? {},
        inputs: r.get('inputs') ?? {},
        notifications: r.get('notifications') ?? [],
        selected: new Set(editing?.selected ?? []),
        now: Date.now(),
        widgets: new Map(widgets.map(w => [w.id, w])),
        values: new Map(widgets.map(w => [w.id, valuesOf(w, remote)])),
    };
    bodies.page = page;
    const grid = {...DEFAULT_GRID, ...dashboard.grid};
    const bottom = widgets.reduce((rows, w) => Math.max(rows, w.y + w.h), 0);
    return ['body', {class: {editing: editing != null}},
        ['header.page-header',
            ['h1.page-title', dashboard.title ?? ''],
            ['span.status', {class: {connected}}, connected ? 'connected' : 'connecting…']],
        ['main.grid', {style: {
            gridTemplateColumns: `repeat(${grid.columns}, minmax(0, 1fr))`,
            gridAutoRows: `${grid.rowHeight}px`,
            gridTemplateRows: editing != null
                ? `repeat(${Math.max(bottom + EDIT_ROOM, 12)}, ${grid.rowHeight}px)` : '',
            gap: `${grid.gap}px`,
        }}, widgets.map(w => frameView(w, page))]];
}
