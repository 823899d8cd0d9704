// A trend chart: each series' samples over the last `windowMinutes`, from
// the buffers of ../trends.js, drawn on a canvas (../chart.js), with the
// scale's ends and a legend of the latest values beside it.

import {canvasHooks, cssColor} from '../chart.js';
import {formatValue} from '../format.js';
import {pathText} from '../paths.js';

/** Colours of series without their own. */
const PALETTE = ['var(--accent)', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#dc2626', '#65a30d', '#db2777'];

export function trendView(w, ctx) {
    const windowMs = Math.max(1, Number(w.windowMinutes) || 1) * 60000;
    const end = ctx.now;
    const series = w.series.map((s, i) => ({
        s,
        color: s.color ?? PALETTE[i % PALETTE.length],
        buffer: ctx.trends.buffer(w, i),
        latest: ctx.values[i],
    }));
    const [lo, hi] = scale(w, series);
    const number = {format: 'number', decimals: w.decimals};
    const chart = {series, start: end - windowMs, end, lo, hi};
    return ['div.trend',
        ['div.trend-chart',
            ['canvas', {hook: canvasHooks((g, width, height) => drawChart(g, width, height, chart))}],
            ['span.axis.top', formatValue(hi, number)],
            ['span.axis.bottom', formatValue(lo, number)]],
        ['ul.legend', series.map(l => ['li',
            ['span.swatch', {style: {backgroundColor: l.color}}],
            ['span.label', l.s.label ?? pathText(l.s.path)], ' ',
            ['span.number', formatValue(l.latest, number)],
            w.unit && typeof l.latest === 'number' ? ['span.unit', w.unit] : []])]];
}

/** The chart: a dashed middle line, and each series' line from its first
 * sample in the window on to now (a value holds until it changes). The
 * canvas says how many points its first line has (`data-points`), for
 * whoever checks that the chart moves. */
function drawChart(g, width, height, {series, start, end, lo, hi}) {
    const x = t => (t - start) * width / (end - start);
    const y = v => height - (v - lo) * height / (hi - lo);
    g.lineWidth = 1;
    g.strokeStyle = cssColor('var(--border)');
    g.setLineDash([4, 4]);
    g.beginPath();
    g.moveTo(0, height / 2);
    g.lineTo(width, height / 2);
    g.stroke();
    g.setLineDash([]);
    g.lineWidth = 2;
    g.lineJoin = 'round';
    let first = null;
    for (const l of series) {
        const points = l.buffer?.points() ?? [];
        first ??= points.length;
        if (points.length === 0) continue;
        g.strokeStyle = cssColor(l.color);
        g.beginPath();
        g.moveTo(x(points[0][0]), y(points[0][1]));
        for (let i = 1; i < points.length; i++) g.lineTo(x(points[i][0]), y(points[i][1]));
        g.lineTo(x(end), y(points[points.length - 1][1]));
        g.stroke();
    }
    g.canvas.dataset.points = String(first ?? 0);
}

/** The bottom and top of the scale: the widget's, else the samples' own
 * with a little room, never empty. */
function scale(w, series) {
    let lo = Infinity;
    let hi = -Infinity;
    if (w.min == null || w.max == null) {
        for (const l of series) {
            for (const b of l.buffer?.buckets ?? []) {
                if (b.min[1] < lo) lo = b.min[1];
                if (b.max[1] > hi) hi = b.max[1];
            }
        }
    }
    if (w.min != null) lo = Number(w.min);
    if (w.max != null) hi = Number(w.max);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
    if (hi - lo < 1e-9) return [lo - 1, hi + 1];
    const room = (w.min == null || w.max == null) ? (hi - lo) * 0.05 : 0;
    return [w.min == null ? lo - room : lo, w.max == null ? hi + room : hi];
}
