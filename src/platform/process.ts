/**
 * Process-level side effects the state store needs and a test has no reason to fake: whether another process is
 * alive (stale lock detection), unique tokens for lock and temp file names, and a real sleep for lock polling.
 */
import { randomBytes } from 'node:crypto';

/**
 * Whether a process with this pid exists. Signal 0 checks without sending anything; EPERM means it exists but
 * belongs to another user, so only ESRCH counts as dead.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * A token unique across processes (16 hex digits from the OS CSPRNG). Deliberately not env.rng: two processes run
 * with the same seed would otherwise pick the same lock token and temp file names.
 */
export function uniqueToken(): string {
  return randomBytes(8).toString('hex');
}

/** Wait `ms` milliseconds of real time (lock polling only; simulated time never waits on this). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The Node.js version running aks-wg (`20.19.0`), for `aks-wg version`. */
export function nodeVersion(): string {
  return process.versions.node;
}
