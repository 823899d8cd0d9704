// The memory of the trend widgets: every series is sampled on every state
// change (the page's juggler Application hands each new state to
// `Trends.sample` before the view sees it), into a fixed number of time
// buckets per window. A bucket keeps its first, lowest, highest and last
// sample, so a spike shorter than a pixel still shows, while memory and
// drawing cost stay the same at 1 change a minute or 1,000 a second.

import {lookup} from './paths.js';

/** Buckets across a trend's window: about one per pixel of a wide chart. */
export const BUCKETS = 300;

/** How many windows after its origin a series moves the origin up. */
const REBASE_WINDOWS = 8;

/** One series: buckets of samples over a sliding window of `windowMs`.
 *
 * For drawing, `polyline()` gives the samples as the text of an SVG
 * polyline in the series' own units — milliseconds since `origin`, and
 * the value — which the chart maps onto its box with a transform. So the
 * text of a bucket never changes once the bucket is closed, whatever the
 * time or the scale, and is made once. */
export class SeriesBuffer {
    constructor(windowMs, buckets = BUCKETS, origin = Date.now()) {
        this.windowMs = windowMs;
        this.bucketMs = windowMs / buckets;
        this.origin = origin;
        this.buckets = [];
        this.latest = undefined;
        this.text = null;
    }

    /** Adds the sample `value` (a finite number) taken at `t` (ms). */
    add(t, value) {
        this.text = null;
        // SVG keeps coordinates in 32-bit floats: times stay within a few
        // windows of the origin.
        if (t - this.origin > REBASE_WINDOWS * this.windowMs) {
            this.origin = t - this.windowMs;
            for (const b of this.buckets) b.text = null;
        }
        const index = Math.floor(t / this.bucketMs);
        const last = this.buckets[this.buckets.length - 1];
        // One array per sample: a bucket's four may be the same sample.
        const sample = [t, value];
        this.latest = sample;
        if (last && last.index === index) {
            last.last = sample;
            if (value < last.min[1]) last.min = sample;
            if (value > last.max[1]) last.max = sample;
            last.text = null;
        } else {
            this.buckets.push({index, first: sample, min: sample, max: sample, last: sample, text: null});
        }
        this.forget(t);
    }

    /** Drops the buckets that left the window ending at `now`. */
    forget(now) {
        const oldest = Math.floor((now - this.windowMs) / this.bucketMs);
        let drop = 0;
        while (drop < this.buckets.length && this.buckets[drop].index < oldest) drop++;
        if (drop > 0) {
            this.buckets.splice(0, drop);
            this.text = null;
        }
    }

    /** The samples to draw, in time order: up to four per bucket. */
    points() {
        return this.buckets.flatMap(bucketPoints);
    }

    /** `points()` as the text of an SVG polyline's `points`, in the
     * series' units (`t - origin`, value); the same string until a sample
     * is added or forgotten. */
    polyline() {
        if (this.text === null) {
            this.text = this.buckets.map(b => {
                b.text ??= bucketPoints(b).map(([t, v]) => `${t - this.origin},${v}`).join(' ');
                return b.text;
            }).join(' ');
        }
        return this.text;
    }
}

/** A bucket's first, lowest, highest and last samples in time order, each
 * once. */
function bucketPoints(b) {
    const four = [b.first, b.min, b.max, b.last].sort((p, q) => p[0] - q[0]);
    return four.filter((p, i) => i === 0 || four[i - 1] !== p);
}

/** The buffers of every trend widget's series, kept across re-renders and
 * across changes of the dashboard that leave a series as it was. */
export class Trends {
    constructor() {
        /** key → {path, buffer}; the key names the widget, the series and
         * the window. */
        this.series = new Map();
    }

    static key(widget, index) {
        const s = widget.series[index];
        return JSON.stringify([widget.id, index, s.path, widget.windowMinutes]);
    }

    /** Follows the dashboard's trend widgets: new series get a buffer,
     * series that are gone lose theirs. */
    follow(widgets) {
        const wanted = new Map();
        for (const w of widgets) {
            if (w.type !== 'trend' || !Array.isArray(w.series)) continue;
            const windowMs = Math.max(1, Number(w.windowMinutes) || 1) * 60000;
            w.series.forEach((s, i) => {
                const key = Trends.key(w, i);
                wanted.set(key, this.series.get(key) ?? {path: s.path, buffer: new SeriesBuffer(windowMs)});
            });
        }
        this.series = wanted;
    }

    /** Samples every series in `state` at time `t`. */
    sample(state, t = Date.now()) {
        if (state == null) return;
        for (const {path, buffer} of this.series.values()) {
            const value = lookup(state, path);
            if (typeof value === 'number' && Number.isFinite(value)) buffer.add(t, value);
        }
    }

    /** The buffer of a widget's series, if it is followed. */
    buffer(widget, index) {
        return this.series.get(Trends.key(widget, index))?.buffer;
    }
}
