// The replay window: kernel semantics (8128 usable counters of an 8192-bit bitmap), BigInt counters.
import fc from 'fast-check';
import { COUNTER_WINDOW_SIZE, REJECT_AFTER_MESSAGES } from '../../src/wireguard/constants.js';
import { ReplayFilter } from '../../src/wireguard/replay.js';

const W = BigInt(COUNTER_WINDOW_SIZE);

describe('ReplayFilter', () => {
  test('window is 8128 counters', () => {
    expect(COUNTER_WINDOW_SIZE).toBe(8128);
  });

  test('in order from 0: every counter accepted once', () => {
    const f = new ReplayFilter();
    for (let i = 0n; i < 20_000n; i++) expect(f.accept(i)).toBe(true);
    expect(f.greatest).toBe(19_999n);
  });

  test('duplicates are rejected, including counter 0', () => {
    const f = new ReplayFilter();
    expect(f.accept(0n)).toBe(true);
    expect(f.accept(0n)).toBe(false);
    expect(f.accept(5n)).toBe(true);
    expect(f.accept(5n)).toBe(false);
    expect(f.accept(0n)).toBe(false);
  });

  test('reordered within the window: each accepted exactly once', () => {
    const f = new ReplayFilter();
    const order = [10n, 3n, 7n, 0n, 1n, 9n, 2n, 8n, 4n, 6n, 5n];
    for (const c of order) expect(f.accept(c)).toBe(true);
    for (const c of order) expect(f.accept(c)).toBe(false);
  });

  test('window edge: greatest − 8128 accepted, greatest − 8129 too old', () => {
    const f = new ReplayFilter();
    const g = 100_000n;
    expect(f.accept(g)).toBe(true);
    expect(f.accept(g - W - 1n)).toBe(false);
    expect(f.accept(g - W)).toBe(true);
    expect(f.accept(g - W)).toBe(false);
    expect(f.accept(g - 1n)).toBe(true);
  });

  test('too old after a jump far ahead', () => {
    const f = new ReplayFilter();
    expect(f.accept(1n)).toBe(true);
    expect(f.accept(1_000_000n)).toBe(true);
    expect(f.accept(2n)).toBe(false);
    expect(f.accept(1_000_000n - 8000n)).toBe(true);
  });

  test('a jump clears stale bits: counters seen a full bitmap ago do not block new ones', () => {
    const f = new ReplayFilter();
    for (let i = 0n; i < 64n; i++) f.accept(i);
    // 8192 ahead maps to the same bitmap words
    for (let i = 8192n; i < 8256n; i++) expect(f.accept(i)).toBe(true);
  });

  test('REJECT_AFTER_MESSAGES: the last valid counter is accepted, the limit and beyond are not', () => {
    const f = new ReplayFilter();
    expect(f.accept(REJECT_AFTER_MESSAGES)).toBe(false);
    expect(f.accept((1n << 64n) - 1n)).toBe(false);
    expect(f.accept(REJECT_AFTER_MESSAGES - 1n)).toBe(true);
    expect(f.accept(REJECT_AFTER_MESSAGES - 1n)).toBe(false);
    expect(f.accept(REJECT_AFTER_MESSAGES - 2n)).toBe(true);
    expect(f.accept(REJECT_AFTER_MESSAGES)).toBe(false);
  });

  test('negative counters are rejected', () => {
    expect(new ReplayFilter().accept(-1n)).toBe(false);
  });

  test('property: matches the model "new, not too old, below the limit" (near 0, 2^53 and the limit)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0n, (1n << 53n) - 10_000n, REJECT_AFTER_MESSAGES - 20_000n),
        fc.array(fc.oneof(fc.bigInt({ min: 0n, max: 20_000n }), fc.bigInt({ min: 0n, max: 200n })), { maxLength: 400 }),
        fc.boolean(),
        (base, offsets, asNumbers) => {
          const counters = offsets.map((o) => base + o);
          const f = new ReplayFilter();
          const seen = new Set<bigint>();
          let greatest = -1n;
          for (const c of counters) {
            const expected = c < REJECT_AFTER_MESSAGES && !seen.has(c) && (greatest < 0n || c + W >= greatest);
            const arg = asNumbers && c < 1n << 53n ? Number(c) : c;
            expect(f.accept(arg)).toBe(expected);
            if (expected) {
              seen.add(c);
              if (c > greatest) greatest = c;
            }
          }
        },
      ),
      { numRuns: 600 },
    );
  });

  test('a state exported and imported accepts and refuses exactly what the original does', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 20_000n }), { maxLength: 60 }), fc.array(fc.bigInt({ min: 0n, max: 20_000n }), { maxLength: 60 }), (before, after) => {
        const original = new ReplayFilter();
        for (const c of before) original.accept(c);
        const copy = new ReplayFilter();
        copy.importState(original.exportState());
        expect(copy.greatest).toBe(original.greatest);
        for (const c of after) expect(copy.accept(c)).toBe(original.accept(c));
      }),
      { numRuns: 300 },
    );
  });

  test('an empty window imports from null or zeros, and reset() forgets what was seen', () => {
    const f = new ReplayFilter();
    expect(f.exportState().bitmap).toEqual(new Uint32Array(ReplayFilter.BITMAP_WORDS));
    f.importState({ last: 10n, bitmap: null });
    expect(f.greatest).toBe(9n);
    expect(f.accept(9n)).toBe(true);
    expect(f.accept(9n)).toBe(false);
    expect(() => f.importState({ last: 1n, bitmap: new Uint32Array(3) })).toThrow(RangeError);
    f.reset();
    expect(f.greatest).toBe(-1n);
    expect(f.accept(9n)).toBe(true);
  });
});
