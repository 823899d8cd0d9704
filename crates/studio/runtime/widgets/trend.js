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
    const series = w.series.map((s, i) => ({
        s,
        color: s.color ?? PALETTE[i % PALETTE.length],
        buffer: ctx.trends.buffer(w, i),
        latest: ctx.values[i],
    }));
    const [lo, hi] = scale(w, series);
    const number = {format: 'number', decimals: w.decimals};
    return ['div.trend',
        ['div.trend-chart',
            ['svg', {attrs: {viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none'}},
                ['line.grid-line', {attrs: {x1: 0, x2: W, y1: H / 2, y2: H / 2}}],
                ...series.filter(l => l.buffer?.latest).map(l => line(l, start, windowMs, lo, hi, end))],
            ['span.axis.top', formatValue(hi, number)],
            ['span.axis.bottom', formatValue(lo, number)]],
        ['ul.legend', series.map(l => ['li',
            ['span.swatch', {style: {backgroundColor: l.color}}],
            ['span.label', l.s.label ?? pathText(l.s.path)], ' ',
            ['span.number', formatValue(l.latest, number)],
            w.unit && typeof l.latest === 'number' ? ['span.unit', w.unit] : []])]];
}

/** A series' line: its samples in its own units (see SeriesBuffer), mapped
 * onto the box by a transform, and on from the last sample to now (the
 * value holds until it changes). */
function line({buffer, color}, start, windowMs, lo, hi, end) {
    const sx = W / windowMs;
    const sy = H / (hi - lo);
    const [lastT, lastV] = buffer.latest;
    const stroke = {stroke: color, fill: 'none', 'stroke-width': 2, 'vector-effect': 'non-scaling-stroke'};
    return ['g', {attrs: {transform: `matrix(${sx} 0 0 ${-sy} ${-(start - buffer.origin) * sx} ${hi * sy})`}},
        ['polyline', {attrs: {points: buffer.polyline(), ...stroke}}],
        ['line', {attrs: {x1: lastT - buffer.origin, y1: lastV, x2: end - buffer.origin, y2: lastV, ...stroke}}]];
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
