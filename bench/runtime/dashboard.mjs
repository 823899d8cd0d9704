// The benchmark's dashboard: `count` widgets of every kind bound to a state
// of `count` sensors, laid out on a 12-column grid, and the changes that
// drive it.

/** Each run of 20 widgets: the kinds a plant's dashboard is made of. */
const MIX = [
    'value', 'value', 'value', 'value', 'value', 'value',
    'lamp', 'lamp', 'lamp', 'lamp',
    'gauge', 'gauge', 'bar', 'bar',
    'trend', 'trend',
    'table', 'setpoint', 'toggle', 'button',
];

/** Grid cells of each kind: [w, h]. */
const SIZE = {
    value: [2, 2], lamp: [2, 2], gauge: [2, 3], bar: [2, 2], trend: [4, 4],
    table: [4, 4], setpoint: [2, 3], toggle: [2, 2], button: [2, 2],
};

const ROWS = 10;

/** The trends' window: 15 s. */
export const TREND_MINUTES = 0.25;

/** The first state: `count` sensors ({v, on}) and a table of ROWS rows. */
export function initialState(count) {
    return {
        sensors: Array.from({ length: count }, (_, i) => ({ v: 50 + (i % 7), on: i % 2 === 0 })),
        rows: Array.from({ length: ROWS }, (_, i) => ({ id: i, name: `Unit ${i}`, v: i })),
        tick: 0,
    };
}

/** The widget `i` of kind `kind`, bound to sensor `i`. */
function widget(kind, i, count) {
    const s = `/sensors/${i}`;
    const title = `${kind} ${i}`;
    switch (kind) {
    case 'value': return { type: 'value', title, path: `${s}/v`, format: 'number', decimals: 2, unit: 'bar' };
    case 'lamp': return { type: 'lamp', title, path: `${s}/on` };
    case 'gauge':
    case 'bar': return {
        type: 'gauge', title, path: `${s}/v`, min: 0, max: 100, style: kind === 'bar' ? 'bar' : 'arc', decimals: 1,
        thresholds: [{ from: 70, color: '#d97706' }, { from: 90, color: '#dc2626' }],
    };
    case 'trend': return {
        // A short window: full within the warm-up, so that every run
        // draws as many points as a trend ever does.
        type: 'trend', title, windowMinutes: TREND_MINUTES, decimals: 1,
        series: [{ path: `${s}/v` }, { path: `/sensors/${(i + 1) % count}/v` }],
    };
    case 'table': return {
        type: 'table', title, path: '/rows',
        columns: [{ key: 'id' }, { key: 'name' }, { key: 'v', format: 'number', decimals: 1 }],
        rowAction: { label: 'Ack', send: { name: 'ack', data: { id: '{{row.id}}' } } },
    };
    case 'setpoint': return { type: 'setpoint', title, path: `${s}/v`, min: 0, max: 100, send: { name: 'set', data: { i, value: '{{value}}' } } };
    case 'toggle': return { type: 'toggle', title, path: `${s}/on`, send: { name: 'toggle', data: { i, on: '{{value}}' } } };
    default: return { type: 'button', title, label: 'Go', path: `${s}/v`, send: { name: 'go', data: { i } } };
    }
}

/** A dashboard of `count` widgets, placed left to right, top to bottom. */
export function dashboard(count) {
    const widgets = [];
    let x = 0;
    let y = 0;
    let rowHeight = 0;
    for (let i = 0; i < count; i++) {
        const kind = MIX[i % MIX.length];
        const [w, h] = SIZE[kind];
        if (x + w > 12) {
            x = 0;
            y += rowHeight;
            rowHeight = 0;
        }
        widgets.push({ id: `w${i}`, x, y, w, h, ...widget(kind, i, count) });
        x += w;
        rowHeight = Math.max(rowHeight, h);
    }
    return { version: 1, title: `Benchmark: ${count} widgets`, grid: { columns: 12, rowHeight: 40, gap: 6 }, widgets };
}

/** The change number `n`: every sensor and row moves (`all`), or ten
 * sensors do (`some`); as a JSON Patch for `state.patch`. */
export function change(scenario, n, count) {
    const wave = i => Math.round((50 + 45 * Math.sin((n + i * 7) / 15)) * 100) / 100;
    const diff = [{ op: 'replace', path: '/tick', value: n }];
    const sensors = scenario === 'all'
        ? Array.from({ length: count }, (_, i) => i)
        : Array.from({ length: 10 }, (_, k) => (n * 10 + k * 37) % count);
    for (const i of sensors) {
        diff.push({ op: 'replace', path: `/sensors/${i}/v`, value: wave(i) });
        if ((n + i) % 25 === 0) diff.push({ op: 'replace', path: `/sensors/${i}/on`, value: (n + i) % 50 === 0 });
    }
    if (scenario === 'all') {
        for (let r = 0; r < ROWS; r++) diff.push({ op: 'replace', path: `/rows/${r}/v`, value: wave(r) });
    }
    return diff;
}
