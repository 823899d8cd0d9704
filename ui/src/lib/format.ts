// Formatting of sizes, durations, ages and times for the panes. Pure; the
// Vitest tests are in tests/format.test.ts.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `0 B`, `812 B`, `1.5 KiB`, `12 MiB` (one decimal below 10, none above). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const text = value < 10 ? (Math.round(value * 10) / 10).toFixed(1).replace(/\.0$/, '') : String(Math.round(value));
  // 1023.9 KiB rounds to 1024: say 1 MiB instead.
  if (text === '1024' && unit < UNITS.length - 1) return `1 ${UNITS[unit + 1]}`;
  return `${text} ${UNITS[unit]}`;
}

/** A count with thousands separators that do not depend on the locale: `12 345`. */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

/** `formatCount(n)` and the words that go with it: `1 entry`, `2 entries`; `many` defaults to `one` + `s`. */
export function countOf(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${Math.round(n) === 1 ? one : many}`;
}

/**
 * A duration in milliseconds, in at most two units: `850 ms` (below a
 * second), `5 s`, `2 min 5 s`, `1 h 3 min`, `2 d 4 h`. Negative counts as 0.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return s % 60 ? `${min} min ${s % 60} s` : `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** How long ago `since` was at `now` (both ms since the epoch), whole seconds: `0 s`, `2 min 5 s`. */
export function formatAge(since: number, now: number): string {
  const ms = Math.max(0, now - since);
  return ms < 1000 ? '0 s' : formatDuration(ms);
}

/** A round-trip time: `<0.1 ms`, `0.4 ms`, `12 ms`, `1.25 s`. */
export function formatRtt(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '';
  if (ms < 0.05) return '<0.1 ms';
  if (ms < 1) return `${(Math.round(ms * 10) / 10).toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2).replace(/0$/, '')} s`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local wall-clock time with milliseconds: `14:03:27.042`. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Local date and time: `2025-01-31 14:03:27`. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A file-name-safe stamp: `20250131-140327`. */
export function fileStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

/** `text` cut to `max` characters with an ellipsis. */
export function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * A User-Agent shortened to what tells browsers apart: `Chrome 131 (Linux)`,
 * `Firefox 133 (Windows)`, `node`; else the text cut to 40 characters.
 */
export function shortUserAgent(ua: string | null | undefined): string {
  if (!ua) return '—';
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /Android/.test(ua)
      ? 'Android'
      : /iPhone|iPad/.test(ua)
        ? 'iOS'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /Linux|X11/.test(ua)
            ? 'Linux'
            : null;
  const browsers: [RegExp, string][] = [
    [/Edg\/(\d+)/, 'Edge'],
    [/OPR\/(\d+)/, 'Opera'],
    [/HeadlessChrome\/(\d+)/, 'Headless Chrome'],
    [/Chrome\/(\d+)/, 'Chrome'],
    [/Firefox\/(\d+)/, 'Firefox'],
    [/Version\/(\d+)[.\d]* .*Safari\//, 'Safari'],
  ];
  for (const [re, name] of browsers) {
    const m = re.exec(ua);
    if (m) return os ? `${name} ${m[1]} (${os})` : `${name} ${m[1]}`;
  }
  return shorten(ua, 40);
}

/** The files a live reload was about: those named, and how many more changed (a build changes thousands). */
export function changedPaths(r: { paths: string[]; changed: number }): string {
  const more = r.changed - r.paths.length;
  return more > 0 ? `${r.paths.join(', ')} and ${more} more` : r.paths.join(', ');
}
