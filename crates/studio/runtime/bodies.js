// The widgets' bodies, each patched on its own. The page's renderer draws
// the frames (place, title, outline, "unbound" mark) of every widget on
// every change; a body is drawn again only when what it shows changed —
// the values at its paths, its answer, its input, the connection — and
// only while it is in view (a body scrolled out of view is drawn when it
// comes back). An IntersectionObserver says what is in view: the frames'
// own `content-visibility: auto` (style.css) keeps twice a screen of them
// rendered around the view, and drawing those bodies would double the
// work.
//
// Bodies to draw wait in a queue, the one waiting longest first, and are
// drawn at the start of animation frames, as many per frame as keep the
// frames coming (the count adapts to how long the last frames took: the
// browser's layout and painting of what changed is most of the cost): so
// 100 changes a second to two hundred widgets in view update each of
// them a little less often instead of freezing the page, and a change to
// one value redraws one widget.
//
// A body is its own snabbdom tree, converted and patched with the same
// functions the renderer uses (@hat-open/renderer/vdom.js), into the
// `.widget-body` element of its frame, which the page's tree leaves
// without children.

import * as u from '@hat-open/util';
import {convertVNode, patch} from '@hat-open/renderer/vdom.js';
import {bodyView} from './widgets/index.js';

/** Drawing bodies takes at most this much script time in a frame. */
const FRAME_BUDGET_MS = 5;

/** Frames this far apart, or further, while bodies wait: draw fewer per
 * frame; closer than FAST_FRAME_MS: draw more. */
const SLOW_FRAME_MS = 25;
const FAST_FRAME_MS = 20;

/** A trend is drawn again at most this often (its samples and the moving
 * time axis), however often its values change: ten times a second moves a
 * chart smoothly enough, and a chart is the costliest body to draw. */
export const TREND_REDRAW_MS = 100;

export class Bodies {
    constructor() {
        /** id → {id, elm, vnode, inputs, visible} */
        this.mounted = new Map();
        /** The bodies to draw, in the order they became due. */
        this.due = new Set();
        this.frameRequested = false;
        /** Bodies drawn per frame while many are due (adapted). */
        this.perFrame = 50;
        this.lastDrain = null;
        /** Draws, and how long bodies waited to be drawn (ms), for whoever
         * measures the page (bench/runtime). */
        this.stats = {draws: 0, waits: []};
        this.page = null;
        this.observer = new IntersectionObserver(entries => {
            for (const e of entries) {
                const body = this.mounted.get(e.target.dataset.body);
                if (!body) continue;
                body.visible = e.isIntersecting;
                if (body.visible && body.inputs === null) this.enqueue(body);
            }
        }, {rootMargin: '200px'});
    }

    /** Snabbdom hooks for a frame's `.widget-body`: the body lives in it
     * from its insertion to its removal. */
    hooks(id) {
        return {
            insert: vnode => {
                const elm = vnode.elm;
                elm.dataset.body = id;
                const target = document.createElement('div');
                elm.appendChild(target);
                const body = {id, elm, vnode: target, inputs: null, visible: true};
                this.mounted.set(id, body);
                this.observer.observe(elm);
                this.enqueue(body);
            },
            destroy: vnode => {
                this.observer.unobserve(vnode.elm);
                const body = this.mounted.get(id);
                if (body?.elm === vnode.elm) {
                    this.mounted.delete(id);
                    this.due.delete(body);
                }
            },
        };
    }

    /** After each render of the page: the bodies whose inputs changed are
     * due; those out of view are marked to be drawn when they come in. */
    update(page) {
        this.page = page;
        for (const body of this.mounted.values()) {
            const w = page.widgets.get(body.id);
            if (!w || body.inputs === null || changed(body.inputs, inputsOf(w, page))) {
                if (body.visible) this.enqueue(body);
                else body.inputs = null;
            }
        }
    }

    enqueue(body) {
        if (!this.due.has(body)) body.dueSince = performance.now();
        this.due.add(body);
        if (!this.frameRequested) {
            this.frameRequested = true;
            requestAnimationFrame(() => this.drain());
        }
    }

    /** Draws due bodies, up to `perFrame` of them and FRAME_BUDGET_MS. */
    drain() {
        this.frameRequested = false;
        const start = performance.now();
        if (this.lastDrain !== null) {
            const gap = start - this.lastDrain;
            if (gap >= SLOW_FRAME_MS) this.perFrame = Math.max(4, Math.floor(this.perFrame * 0.8));
            else if (gap < FAST_FRAME_MS) this.perFrame = Math.min(1000, this.perFrame + 4);
        }
        let drawn = 0;
        for (const body of this.due) {
            if (drawn >= this.perFrame || performance.now() - start > FRAME_BUDGET_MS) break;
            this.due.delete(body);
            if (this.page) this.draw(body, this.page);
            drawn++;
            this.stats.draws++;
            if (this.stats.waits.length < 100000) this.stats.waits.push(start - body.dueSince);
        }
        // Only frames that follow one another while bodies wait say how
        // heavy drawing is.
        this.lastDrain = this.due.size > 0 ? start : null;
        if (this.due.size > 0) {
            this.frameRequested = true;
            requestAnimationFrame(() => this.drain());
        }
    }

    draw(body, page) {
        const w = page.widgets.get(body.id);
        if (!w) return;
        body.inputs = inputsOf(w, page);
        let vt;
        try {
            vt = ['div.widget-content', bodyView(w, page.values.get(w.id), widgetContext(w, page))];
        } catch (e) {
            vt = ['div.widget-content', ['p.note.error', `This widget cannot be shown: ${e?.message ?? e}`]];
        }
        body.vnode = patch(body.vnode, convertVNode(vt));
    }
}

/** What a widget's body is drawn from. */
function inputsOf(w, page) {
    return {
        w,
        values: page.values.get(w.id),
        answer: page.answers[w.id],
        input: page.inputs[w.id],
        canSend: page.canSend,
        notifications: w.type === 'notifications' ? page.notifications : null,
        // A trend moves with time and samples, whatever its values: due
        // every TREND_REDRAW_MS.
        clock: w.type === 'trend' ? Math.floor(page.now / TREND_REDRAW_MS) : null,
    };
}

function changed(a, b) {
    return a.w !== b.w || a.answer !== b.answer || a.input !== b.input || a.canSend !== b.canSend
        || a.notifications !== b.notifications || a.clock !== b.clock
        || (a.w.type !== 'trend' && !u.equals(a.values, b.values));
}

function widgetContext(w, page) {
    return {...page.tools, canSend: page.canSend, notifications: page.notifications, now: page.now,
        answer: page.answers[w.id], input: page.inputs[w.id]};
}
