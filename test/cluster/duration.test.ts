/** Durations: Go-style parsing for the clock and the fabric, kubectl's AGE, RFC 3339. */
import { describe, expect, test } from '@jest/globals';
import { formatDuration, humanDuration, parseDuration, rfc3339 } from '../../src/cluster/duration.js';

describe('parseDuration', () => {
  test.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['2m30s', 150_000],
    ['0s', 0],
    ['1h0m0s', 3_600_000],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  test.each(['10x', '', '10', 'h', '-5s', '1 h', '5d', '1.h', 'ms', '1h30', '10ns'])('%j is rejected with a RangeError naming it', (text) => {
    expect(() => parseDuration(text)).toThrow(RangeError);
    expect(() => parseDuration(text)).toThrow(`invalid duration '${text}'`);
  });

  test('longer than 100 years is rejected', () => expect(() => parseDuration('1000000h')).toThrow('longer than 100 years'));
});

test('formatDuration is Go time.Duration.String() at ms resolution', () => {
  expect([0, 500, 1000, 90_000, 5_400_000, 1500].map(formatDuration)).toEqual(['0s', '500ms', '1s', '1m30s', '1h30m0s', '1.5s']);
});

test('humanDuration is kubectl AGE', () => {
  const s = 1000;
  const cases: [number, string][] = [
    [-5 * s, '<invalid>'],
    [-500, '0s'],
    [0, '0s'],
    [119 * s, '119s'],
    [120 * s, '2m'],
    [200 * s, '3m20s'],
    [600 * s, '10m'],
    [179 * 60 * s, '179m'],
    [3 * 3600 * s, '3h'],
    [(5 * 60 + 4) * 60 * s, '5h4m'],
    [20 * 3600 * s, '20h'],
    [(3 * 24 + 4) * 3600 * s, '3d4h'],
    [2 * 24 * 3600 * s, '2d'],
    [40 * 24 * 3600 * s, '40d'],
    [(2 * 365 + 30) * 24 * 3600 * s, '2y30d'],
    [9 * 365 * 24 * 3600 * s, '9y'],
  ];
  for (const [ms, text] of cases) expect([ms, humanDuration(ms)]).toEqual([ms, text]);
});

test('rfc3339 is UTC with whole seconds', () => {
  expect(rfc3339(Date.UTC(2026, 0, 1, 0, 1, 30, 999))).toBe('2026-01-01T00:01:30Z');
});
