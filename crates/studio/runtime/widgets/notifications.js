// The notifications the page received, newest first, optionally only
// those of some names.

/** How many a widget shows when it does not say. */
export const DEFAULT_MAX = 50;

export function notificationsView(w, ctx) {
    const names = w.names?.length ? w.names : null;
    const list = ctx.notifications
        .filter(n => names == null || names.includes(n.name))
        .slice(0, w.max ?? DEFAULT_MAX);
    if (list.length === 0) return ['p.note', names ? `No ${names.join(', ')} notifications yet` : 'No notifications yet'];
    return ['ol.notifications', list.map(n => ['li', {key: n.seq},
        ['span.time', n.at], ' ', ['strong', n.name], ' ', ['code', JSON.stringify(n.data)]])];
}
