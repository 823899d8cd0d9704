// The builder's side of the page. The studio's Builder pane shows this
// very page in an iframe with `?builder` in its address, lays its own
// editing layer (selection, moving, resizing, dropping) over it, and
// talks to it with window messages:
//
//   studio → page  {source: 'juggler-studio-builder', type: 'dashboard', dashboard}
//                  the layout being edited (not saved yet)
//                  {source: 'juggler-studio-builder', type: 'select', ids}
//                  the selected widgets, outlined
//   page → studio  {source: 'juggler-dashboard', type: 'ready'}
//                  {source: 'juggler-dashboard', type: 'layout', grid, height, unbound}
//                  where the grid is (CSS pixels, in the page), how tall
//                  the page is, which widgets' paths the state lacks
//
// While it is the builder's canvas the page sends no request. Outside an
// iframe `?builder` only shows the canvas's extra rows.

const FROM_STUDIO = 'juggler-studio-builder';
const TO_STUDIO = 'juggler-dashboard';

/** Whether the page was opened as the builder's canvas. */
export function builderRequested() {
    return new URLSearchParams(window.location.search).has('builder');
}

/** Listens to the builder in the parent window; `onDashboard` gets each
 * layout it sends. */
export function connectBuilder(r, onDashboard) {
    const parent = window.parent;
    if (parent === window) return;
    window.addEventListener('message', evt => {
        const msg = evt.data;
        if (evt.source !== parent || msg?.source !== FROM_STUDIO) return;
        if (msg.type === 'dashboard') onDashboard(msg.dashboard);
        else if (msg.type === 'select') r.set(['editing', 'selected'], msg.ids ?? []);
    });
    let last = '';
    const report = () => {
        const grid = document.querySelector('main.grid');
        if (!grid) return;
        const rect = grid.getBoundingClientRect();
        const msg = {
            source: TO_STUDIO,
            type: 'layout',
            grid: {
                left: rect.left + window.scrollX,
                top: rect.top + window.scrollY,
                width: rect.width,
                height: rect.height,
            },
            height: document.documentElement.scrollHeight,
            unbound: [...document.querySelectorAll('.widget.unbound')].map(el => el.dataset.widget),
        };
        // Renders come 30 times a second; the builder hears of changes only.
        const text = JSON.stringify(msg);
        if (text === last) return;
        last = text;
        parent.postMessage(msg, '*');
    };
    r.addEventListener('render', report);
    window.addEventListener('resize', report);
    parent.postMessage({source: TO_STUDIO, type: 'ready'}, '*');
}
