// The page: a header with the dashboard's title and the connection, and
// the grid of widgets. The renderer calls `pageView` after every change of
// its state (at most 30 times a second) and patches the page with it.

import r from '@hat-open/renderer';
import {widgetView} from './widgets/index.js';

/** Default grid: 12 columns, rows 48 px high, 8 px apart. */
export const DEFAULT_GRID = {columns: 12, rowHeight: 48, gap: 8};

/** Rows the builder's canvas has below the lowest widget, to drop into. */
const EDIT_ROOM = 6;

/** `tools` are the page's functions: {trends, send, reject, setInput}. */
export function pageView(tools) {
    const dashboard = r.get('dashboard');
    const editing = r.get('editing');
    if (dashboard == null) {
        return ['body', ['main.message',
            ['h1', 'This dashboard cannot be shown'],
            ['p', r.get('loadError') ?? 'Loading dashboard.json…']]];
    }
    const connected = r.get('connected');
    const page = {
        ...tools,
        remote: r.get('remote'),
        connected,
        canSend: connected && editing == null,
        answers: r.get('answers') ?? {},
        inputs: r.get('inputs') ?? {},
        notifications: r.get('notifications') ?? [],
        selected: new Set(editing?.selected ?? []),
        now: Date.now(),
    };
    const grid = {...DEFAULT_GRID, ...dashboard.grid};
    const widgets = dashboard.widgets ?? [];
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
        }}, widgets.map(w => widgetView(w, page))]];
}
