import { describe, expect, it } from 'vitest';
import {
  changedPaths,
  fileStamp,
  formatAge,
  formatBytes,
  countOf,
  formatCount,
  formatDuration,
  formatRtt,
  formatTime,
  shorten,
  shortUserAgent,
} from '../src/lib/format';

describe('formatBytes', () => {
  it('uses binary units with one decimal below 10', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12 * 1024 + 100)).toBe('12 KiB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5 MiB');
    expect(formatBytes(1024 * 1024 - 1)).toBe('1 MiB');
  });
  it('shows a dash for nonsense', () => {
    expect(formatBytes(-1)).toBe('–');
    expect(formatBytes(NaN)).toBe('–');
  });
});

describe('formatCount', () => {
  it('groups thousands', () => {
    expect(formatCount(7)).toBe('7');
    expect(formatCount(12345)).toBe('12\u202f345');
    expect(formatCount(1234567)).toBe('1\u202f234\u202f567');
  });
});

describe('countOf', () => {
  it('says one or many', () => {
    expect(countOf(1, 'message')).toBe('1 message');
    expect(countOf(0, 'message')).toBe('0 messages');
    expect(countOf(2, 'entry matches', 'entries match')).toBe('2 entries match');
    expect(countOf(1, 'entry matches', 'entries match')).toBe('1 entry matches');
    expect(countOf(12345, 'entry', 'entries')).toBe('12\u202f345 entries');
  });
});

describe('formatDuration and formatAge', () => {
  it('shows at most two units', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(5_400)).toBe('5 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(3_780_000)).toBe('1 h 3 min');
    expect(formatDuration(3_600_000)).toBe('1 h');
    expect(formatDuration((2 * 24 + 4) * 3_600_000 + 59_000)).toBe('2 d 4 h');
    expect(formatDuration(-5)).toBe('0 ms');
  });
  it('counts an age in whole seconds and never negative', () => {
    expect(formatAge(1000, 1500)).toBe('0 s');
    expect(formatAge(1000, 126_999)).toBe('2 min 5 s');
    expect(formatAge(5000, 1000)).toBe('0 s');
  });
});

describe('formatRtt', () => {
  it('picks ms or s', () => {
    expect(formatRtt(null)).toBe('');
    expect(formatRtt(0.01)).toBe('<0.1 ms');
    expect(formatRtt(0.42)).toBe('0.4 ms');
    expect(formatRtt(12.4)).toBe('12 ms');
    expect(formatRtt(1250)).toBe('1.25 s');
    expect(formatRtt(2000)).toBe('2.0 s');
  });
});

describe('times', () => {
  it('formats local time with milliseconds', () => {
    const t = new Date(2025, 0, 31, 9, 3, 7, 42).getTime();
    expect(formatTime(t)).toBe('09:03:07.042');
    expect(fileStamp(t)).toBe('20250131-090307');
  });
});

describe('shorten and shortUserAgent', () => {
  it('cuts with an ellipsis', () => {
    expect(shorten('abc', 5)).toBe('abc');
    expect(shorten('abcdefgh', 5)).toBe('abcd…');
  });
  it('names browser, version and system', () => {
    expect(
      shortUserAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'),
    ).toBe('Chrome 131 (Linux)');
    expect(
      shortUserAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36'),
    ).toBe('Headless Chrome 131 (Linux)');
    expect(shortUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0')).toBe(
      'Firefox 133 (Windows)',
    );
    expect(
      shortUserAgent(
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
      ),
    ).toBe('Safari 17 (macOS)');
    expect(shortUserAgent('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0')).toBe(
      'Edge 131 (Windows)',
    );
    expect(shortUserAgent('node')).toBe('node');
    expect(shortUserAgent(null)).toBe('—');
  });
});

describe('changedPaths', () => {
  it('names the paths, and how many more changed beyond them', () => {
    expect(changedPaths({ paths: ['/a.css'], changed: 1 })).toBe('/a.css');
    expect(changedPaths({ paths: ['/a.js', '/b.js'], changed: 2002 })).toBe('/a.js, /b.js and 2000 more');
  });
});
