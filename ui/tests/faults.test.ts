import { describe, expect, it } from 'vitest';
import {
  NO_FAULTS,
  faultFormErrors,
  faultSummary,
  faultsOf,
  formFromSettings,
  formatCountdown,
  isActive,
  refuseError,
  refuseLeftMs,
  settingsFromForm,
} from '../src/lib/faults';

describe('fault form', () => {
  it('round-trips settings', () => {
    const s = { ...NO_FAULTS, delayStateMs: 500, holdState: true, segmentSize: 16, ignoreEmptyRequests: true };
    expect(settingsFromForm(formFromSettings(s))).toEqual(s);
    expect(formFromSettings(null)).toEqual({
      delayStateMs: '',
      delayNotifyMs: '',
      delayResponseMs: '',
      holdState: false,
      ignorePings: false,
      ignoreEmptyRequests: false,
      segmentSize: '',
    });
    expect(settingsFromForm(formFromSettings(null))).toEqual(NO_FAULTS);
  });
  it('validates numbers', () => {
    const form = formFromSettings(null);
    expect(faultFormErrors(form)).toEqual({});
    expect(faultFormErrors({ ...form, delayStateMs: '-1' }).delayStateMs).toMatch(/whole number/);
    expect(faultFormErrors({ ...form, delayNotifyMs: '1.5' }).delayNotifyMs).toMatch(/whole number/);
    expect(faultFormErrors({ ...form, delayResponseMs: '600001' }).delayResponseMs).toMatch(/At most/);
    expect(faultFormErrors({ ...form, delayResponseMs: ' 250 ' })).toEqual({});
    expect(faultFormErrors({ ...form, segmentSize: '0' }).segmentSize).toMatch(/At least 1/);
    expect(faultFormErrors({ ...form, segmentSize: 'x' }).segmentSize).toMatch(/whole number/);
    expect(settingsFromForm({ ...form, delayResponseMs: ' 250 ' }).delayResponseMs).toBe(250);
  });
});

describe('active faults', () => {
  it('tells active settings and summarises them', () => {
    expect(isActive(null)).toBe(false);
    expect(isActive(NO_FAULTS)).toBe(false);
    expect(isActive({ ...NO_FAULTS, segmentSize: 8 })).toBe(true);
    expect(faultSummary({ ...NO_FAULTS, holdState: true, delayStateMs: 500, ignorePings: true })).toBe('hold state · state +500 ms · no pongs');
    expect(faultSummary(NO_FAULTS)).toBe('');
  });
  it('finds a connection’s faults: its own, else all', () => {
    const info = { all: { ...NO_FAULTS, delayNotifyMs: 10 }, connections: { '3': { ...NO_FAULTS, holdState: true } }, refuseUntil: null };
    expect(faultsOf(info, 3)).toEqual({ settings: info.connections['3'], source: 'own' });
    expect(faultsOf(info, 4)).toEqual({ settings: info.all, source: 'all' });
    expect(faultsOf({ ...info, all: null }, 4)).toEqual({ settings: null, source: null });
    expect(faultsOf(undefined, 4).source).toBeNull();
  });
});

describe('refusal', () => {
  it('counts down', () => {
    expect(refuseLeftMs(null, 1000)).toBe(0);
    expect(refuseLeftMs(31000, 1000)).toBe(30000);
    expect(refuseLeftMs(500, 1000)).toBe(0);
    expect(formatCountdown(30000)).toBe('30 s');
    expect(formatCountdown(29001)).toBe('30 s');
    expect(formatCountdown(65000)).toBe('1 min 5 s');
    expect(formatCountdown(120000)).toBe('2 min');
  });
  it('validates seconds', () => {
    expect(refuseError('30')).toBeNull();
    expect(refuseError('0')).toMatch(/More than/);
    expect(refuseError('abc')).toMatch(/Seconds/);
    expect(refuseError('3601')).toMatch(/At most/);
  });
});
