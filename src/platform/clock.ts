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

/** One re-armable real-time timeout that does not keep the process alive (a device's next timer deadline). */
export class Alarm {
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** Call `fire` once after `delayMs` milliseconds, replacing whatever was set before. */
  set(delayMs: number, fire: () => void): void {
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      fire();
    }, delayMs);
    this.timer.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Resolve after `ms` milliseconds of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolve when `done()` turns true (checked every `pollMs`), when `timeoutMs` passes, or on SIGINT; says which.
 */
export async function waitUntil(done: () => boolean, timeoutMs: number | undefined, pollMs = 20): Promise<'done' | 'timeout' | 'interrupted'> {
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  const start = Date.now();
  try {
    for (;;) {
      if (done()) return 'done';
      if (interrupted) return 'interrupted';
      if (timeoutMs !== undefined && Date.now() - start >= timeoutMs) return 'timeout';
      await sleep(pollMs);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** A monotonic millisecond clock with sub-millisecond resolution (for round-trip times). */
export function monotonicMs(): number {
  return performance.now();
}
