// A trend chart: each series' samples over the last `windowMinutes`, from
// the buffers of ../trends.js, drawn as SVG polylines scaled to the box.

import {formatValue} from '../format.js';
import {pathText} from '../paths.js';

/** Colours of series without their own. */
const PALETTE = ['var(--accent)', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#dc2626', '#65a30d', '#db2777'];

/** The chart's coordinate box; the SVG stretches it to the widget. */
const W = 1000;
const H = 300;

export function trendView(w, ctx) {
    const windowMs = Math.max(1, Number(w.windowMinutes) || 1) * 60000;
    const end = ctx.now;
    const start = end - windowMs;
    const series = w.series.map((s, i) => {
        const points = ctx.trends.buffer(w, i)?.points() ?? [];
        // The value holds until it changes: the line runs on to now.
        if (points.length > 0) points.push([end, points[points.length - 1][1]]);
        return {s, color: s.color ?? PALETTE[i % PALETTE.length], points, latest: ctx.values[i]};
    });
    const [lo, hi] = scale(w, series);
    const number = {format: 'number', decimals: w.decimals};
    const x = t => ((t - start) / windowMs * W).toFixed(1);
    const y = v => (H - (v - lo) / (hi - lo) * H).toFixed(1);
    const lines = series.filter(l => l.points.length > 0).map(l => ['polyline', {
        attrs: {
            points: l.points.map(([t, v]) => `${x(t)},${y(v)}`).join(' '),
            stroke: l.color,
            fill: 'none',
            'stroke-width': 2,
            'vector-effect': 'non-scaling-stroke',
        },
    }]);
    return ['div.trend',
        ['div.trend-chart',
            ['svg', {attrs: {viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none'}},
                ['line.grid-line', {attrs: {x1: 0, x2: W, y1: H / 2, y2: H / 2}}],
                ...lines],
            ['span.axis.top', formatValue(hi, number)],
            ['span.axis.bottom', formatValue(lo, number)]],
        ['ul.legend', series.map(l => ['li',
            ['span.swatch', {style: {backgroundColor: l.color}}],
            ['span.label', l.s.label ?? pathText(l.s.path)], ' ',
            ['span.number', formatValue(l.latest, number)],
            w.unit && typeof l.latest === 'number' ? ['span.unit', w.unit] : []])]];
}

/** The bottom and top of the scale: the widget's, else the points' own
 * with a little room, never empty. */
function scale(w, series) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const l of series) {
        for (const [, v] of l.points) {
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
    }
    if (w.min != null) lo = Number(w.min);
    if (w.max != null) hi = Number(w.max);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
    if (hi - lo < 1e-9) return [lo - 1, hi + 1];
    const room = (w.min == null || w.max == null) ? (hi - lo) * 0.05 : 0;
    return [w.min == null ? lo - room : lo, w.max == null ? hi + room : hi];
}
