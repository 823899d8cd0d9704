// Canvas drawing inside a widget's body. A `canvas` element of the body's
// tree gets `canvasHooks(draw)`: after each patch `draw(ctx, width,
// height)` paints it at its size in CSS pixels. The sizes come from one
// ResizeObserver, so drawing never asks the browser for a layout (a body
// drawn between two others would otherwise force one each time); a canvas
// is drawn when it is first sized, and again when its size changes.
//
// A canvas is one image to the browser: redrawing a chart of thousands of
// points costs its own drawing and nothing else (an SVG line of as many
// points is laid out and painted anew on each change).

const resized = new ResizeObserver(entries => {
    for (const e of entries) {
        const canvas = e.target;
        const box = e.contentBoxSize?.[0];
        canvas.cssSize = box
            ? {width: box.inlineSize, height: box.blockSize}
            : {width: e.contentRect.width, height: e.contentRect.height};
        paint(canvas);
    }
});

/** Snabbdom hooks that keep a canvas painted by `draw`. */
export function canvasHooks(draw) {
    const attach = vnode => {
        vnode.elm.draw = draw;
        paint(vnode.elm);
    };
    return {
        insert: vnode => {
            attach(vnode);
            resized.observe(vnode.elm);
        },
        postpatch: (old, vnode) => attach(vnode),
        destroy: vnode => resized.unobserve(vnode.elm),
    };
}

/** Paints `canvas` with its `draw`, once its size is known. */
function paint(canvas) {
    const size = canvas.cssSize;
    if (!size || !canvas.draw || size.width < 1 || size.height < 1) return;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(size.width * ratio);
    const height = Math.round(size.height * ratio);
    // Setting the size clears the canvas even when it does not change it.
    if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size.width, size.height);
    canvas.draw(ctx, size.width, size.height);
}

/** The theme's colours (`var(--accent)`) resolved for a canvas, which
 * takes only plain CSS colours; read once per theme. */
const themeColors = new Map();
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => themeColors.clear());

export function cssColor(color) {
    const m = /^var\((--[\w-]+)\)$/.exec(color);
    if (!m) return color;
    let c = themeColors.get(m[1]);
    if (c === undefined) {
        c = getComputedStyle(document.documentElement).getPropertyValue(m[1]).trim() || '#888';
        themeColors.set(m[1], c);
    }
    return c;
}
