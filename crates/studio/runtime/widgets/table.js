// A table of an array of objects: one row per element, one column per
// configured member, and an optional button on each row whose request
// carries the row (`{{row}}`, `{{row.id}}`).

import {formatValue} from '../format.js';
import {DEFAULT_DATA, answerView} from '../requests.js';
import {isObject} from '../paths.js';

/** Rows drawn at most: a longer array shows how many are left out. */
const MAX_ROWS = 500;

export function tableView(w, value, ctx) {
    if (value !== undefined && !Array.isArray(value)) {
        return ['p.note', 'Not a list: a table shows an array of objects.'];
    }
    const rows = value ?? [];
    const action = w.rowAction;
    const head = ['tr', ...w.columns.map(c => ['th', c.label ?? c.key]), action ? ['th', ''] : []];
    const body = rows.slice(0, MAX_ROWS).map((row, i) => ['tr', {key: rowKey(row, i)},
        ...w.columns.map(c => ['td', formatValue(isObject(row) ? row[c.key] : undefined, c),
            c.unit && isObject(row) && row[c.key] != null ? ['span.unit', c.unit] : []]),
        action ? ['td.row-action', ['button', {
            props: {disabled: !ctx.canSend},
            on: {click: () => ctx.send(w.id, action.send, {row}, DEFAULT_DATA.row)},
        }, action.label]] : []]);
    return ['div.table',
        ['div.table-scroll', ['table', ['thead', head], ['tbody', body]]],
        rows.length > MAX_ROWS ? ['p.note', `${rows.length - MAX_ROWS} more rows not shown`] : [],
        rows.length === 0 ? ['p.note', 'No rows'] : [],
        answerView(ctx.answer)];
}

/** A row's key: its `id` when it has one, so that rows keep their
 * elements when the array is reordered. */
function rowKey(row, i) {
    return isObject(row) && (typeof row.id === 'string' || typeof row.id === 'number')
        ? `id:${row.id}` : `at:${i}`;
}
