import type { Clock } from './types.js';

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to: for tests and the simulated fabric. */
export class SimClock implements Clock {
  constructor(private ms: number = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  /** Move forward by `ms` milliseconds (never backward). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance: ms must be ≥ 0, got ${ms}`);
    this.ms += ms;
  }
  set(ms: number): void {
    if (ms < this.ms) throw new RangeError('SimClock.set: time cannot go backward');
    this.ms = ms;
  }
}
