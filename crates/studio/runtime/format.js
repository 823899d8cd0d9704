// How values are shown: the `format`, `decimals` and `unit` of a widget or
// a table's column.
//
//   auto      numbers as they are (or with `decimals`), strings as they
//             are, anything else as JSON
//   number    a number with `decimals` and the browser's digit grouping
//   text      as text
//   json      compact JSON
//   datetime  an ISO 8601 string or milliseconds since 1970, in the
//             browser's time zone
//   boolean   yes / no

/** Shown for a value that is not in the state. */
export const MISSING = '–';

/** Number formats by decimals: making one costs more than using it. */
const numberFormats = new Map();

function numberFormat(decimals) {
    const key = decimals ?? 'any';
    let f = numberFormats.get(key);
    if (!f) {
        f = new Intl.NumberFormat(undefined, decimals == null
            ? {maximumFractionDigits: 3}
            : {minimumFractionDigits: decimals, maximumFractionDigits: decimals});
        numberFormats.set(key, f);
    }
    return f;
}

/** `value` as text, without its unit. */
export function formatValue(value, {format = 'auto', decimals = null} = {}) {
    if (value === undefined) return MISSING;
    switch (format) {
    case 'number':
        return typeof value === 'number' ? numberFormat(decimals).format(value) : asText(value);
    case 'text':
        return asText(value);
    case 'json':
        return JSON.stringify(value);
    case 'datetime':
        return asDate(value);
    case 'boolean':
        return typeof value === 'boolean' ? (value ? 'yes' : 'no') : asText(value);
    default:
        if (typeof value === 'number') {
            return decimals == null ? String(value) : value.toFixed(decimals);
        }
        return asText(value);
    }
}

/** `value` with its unit, when it has one and the value is there. */
export function formatWithUnit(value, options = {}) {
    const text = formatValue(value, options);
    return options.unit && value !== undefined && value !== null ? `${text} ${options.unit}` : text;
}

function asText(value) {
    if (typeof value === 'string') return value;
    if (value === null) return 'null';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function asDate(value) {
    const date = typeof value === 'number' || typeof value === 'string' ? new Date(value) : null;
    return date && !isNaN(date) ? date.toLocaleString() : asText(value);
}
