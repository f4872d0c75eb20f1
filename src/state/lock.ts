/**
 * The store's exclusive lock: `<home>/.lock`, created with O_EXCL and holding one JSON line
 * `{"pid":…,"startedAt":"…","token":"…"}`. Readers take no lock (rename atomicity protects them); every mutation
 * holds this one.
 *
 * Acquire flow:
 *  1. try O_EXCL create; success → held.
 *  2. EEXIST → read the holder. A holder whose pid is dead (or is our own pid with a token this process does not
 *     hold, i.e. a previous process that had our pid) is stale; so is a lock with no readable owner older than
 *     OWNERLESS_GRACE_MS (its creator died between create and write).
 *  3. stale → rename it to a unique `.lock.stale-<token>` name (only one waiter's rename can succeed), check that
 *     what was moved is the lock judged stale, delete it, go to 1. If a live lock replaced the stale one between
 *     our look and our rename, link it back (link never clobbers a newer lock).
 *  4. live (or broken by another waiter first) → sleep with backoff and jitter, go to 1; after the timeout, a
 *     StateError naming the holder.
 * Before committing, the holder re-reads the lock (verifyHeld) so a holder that lost its lock writes nothing.
 */
import * as path from 'node:path';
import { StateError } from '../errors.js';
import type { Env } from '../platform/env.js';
import { processAlive, sleep, uniqueToken } from '../platform/process.js';
import { describeError, errnoCode } from './errno.js';

export const LOCK_FILE = '.lock';
/** Prefix of a lock moved aside while being broken: `.lock.stale-<token>`. */
export const STALE_LOCK_PREFIX = `${LOCK_FILE}.stale-`;
export const LOCK_TIMEOUT_MS = 30_000;
const POLL_FIRST_MS = 4;
const POLL_MAX_MS = 100;
/** A creator writes its owner line microseconds after creating the file; an ownerless lock this old is dead. */
const OWNERLESS_GRACE_MS = 5_000;

export type LockEnv = Pick<Env, 'fs' | 'pid' | 'clock'>;

interface LockOwner {
  pid: number;
  startedAt: string;
  token: string;
}

/** A lock this process holds. */
export interface HeldLock {
  readonly path: string;
  readonly token: string;
  /** The exact bytes written, to recognise our own lock file. */
  readonly body: string;
  /** A stale lock was broken to get this one: the previous holder crashed. */
  readonly recovered: boolean;
}

/** What a waiter saw in the lock file. */
interface Seen {
  raw: string;
  ino: number;
  mtimeMs: number;
  owner: LockOwner | undefined;
}

/** Tokens of the locks this process holds right now. */
const heldHere = new Set<string>();

/**
 * Take the exclusive lock of the state directory `home` (which must exist).
 * @throws StateError when the lock cannot be created, or is still held by a live process after `timeoutMs`.
 */
export async function acquireLock(env: LockEnv, home: string, timeoutMs: number = LOCK_TIMEOUT_MS): Promise<HeldLock> {
  const lockPath = path.join(home, LOCK_FILE);
  const token = uniqueToken();
  const owner: LockOwner = { pid: env.pid, startedAt: new Date(env.clock.now()).toISOString(), token };
  const body = `${JSON.stringify(owner)}\n`;
  let recovered = false;
  // The timeout measures how long ONE holder has kept the lock: while the queue moves (the holder changes), a
  // waiter behind 50 others keeps waiting rather than giving up on a lock that is making progress.
  let waitedMs = 0;
  let holder = '';
  let delayMs = POLL_FIRST_MS;
  for (;;) {
    if (tryCreate(env, lockPath, body)) {
      heldHere.add(token);
      return { path: lockPath, token, body, recovered };
    }
    const seen = look(env, lockPath);
    if (seen === undefined) continue; // released between our create and our look
    if (isStale(env, seen) && breakStale(env, lockPath, seen)) {
      recovered = true;
      continue;
    }
    // Live, or stale but broken by another waiter first: wait a little either way.
    if (seen.raw !== holder) {
      holder = seen.raw;
      waitedMs = 0;
    }
    if (waitedMs >= timeoutMs) throw timeoutError(lockPath, seen, waitedMs);
    const jittered = Math.max(1, Math.round(delayMs * (0.5 + jitter())));
    const step = Math.min(jittered, timeoutMs - waitedMs);
    await sleep(step);
    waitedMs += step;
    delayMs = Math.min(delayMs * 2, POLL_MAX_MS);
  }
}

/**
 * @throws StateError when the lock file no longer holds our owner line (a waiter wrongly judged us stale).
 */
export function verifyHeld(env: LockEnv, lock: HeldLock): void {
  if (readRaw(env, lock.path) === lock.body) return;
  throw new StateError(`lost the state lock ${lock.path} to another process; nothing was written, try again`);
}

/** Release a held lock; never removes a lock that is no longer ours. Does not throw. */
export function releaseLock(env: LockEnv, lock: HeldLock): void {
  heldHere.delete(lock.token);
  if (readRaw(env, lock.path) !== lock.body) return;
  try {
    env.fs.unlinkSync(lock.path);
  } catch {
    // Nothing useful to do: a lock we cannot remove is stale once we exit, and the next waiter recovers it.
  }
}

/** A lock moved aside by a waiter that was killed mid-break: safe to delete unless it is a live holder's. */
export function isDeadAside(env: LockEnv, file: string): boolean {
  const raw = readRaw(env, file);
  if (raw === undefined) return false;
  const owner = parseOwner(raw);
  return owner === undefined || !ownerAlive(env, owner);
}

function tryCreate(env: LockEnv, lockPath: string, body: string): boolean {
  let fd: number;
  try {
    fd = env.fs.openSync(lockPath, 'wx', 0o600);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw new StateError(`cannot create lock file ${lockPath}: ${describeError(err)}`);
  }
  try {
    const bytes = Buffer.from(body, 'utf8');
    for (let off = 0; off < bytes.length; ) off += env.fs.writeSync(fd, bytes, off, bytes.length - off);
  } catch (err) {
    closeQuietly(env, fd);
    unlinkQuietly(env, lockPath);
    throw new StateError(`cannot create lock file ${lockPath}: ${describeError(err)}`);
  }
  closeQuietly(env, fd);
  return true;
}

function look(env: LockEnv, lockPath: string): Seen | undefined {
  try {
    const st = env.fs.lstatSync(lockPath);
    const raw = env.fs.readFileSync(lockPath, 'utf8');
    return { raw, ino: st.ino, mtimeMs: st.mtimeMs, owner: parseOwner(raw) };
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw new StateError(`cannot read lock file ${lockPath}: ${describeError(err)}`);
  }
}

function parseOwner(raw: string): LockOwner | undefined {
  try {
    const v = JSON.parse(raw) as Partial<LockOwner> | null;
    if (v && Number.isSafeInteger(v.pid) && typeof v.token === 'string' && typeof v.startedAt === 'string') {
      return v as LockOwner;
    }
  } catch {
    // a lock still being written, or garbage
  }
  return undefined;
}

function ownerAlive(env: LockEnv, owner: LockOwner): boolean {
  // Our own pid with a token we do not hold: a previous process that had this pid (containers reuse pid 1).
  if (owner.pid === env.pid) return heldHere.has(owner.token);
  return processAlive(owner.pid);
}

function isStale(env: LockEnv, seen: Seen): boolean {
  if (seen.owner) return !ownerAlive(env, seen.owner);
  return env.clock.now() - seen.mtimeMs > OWNERLESS_GRACE_MS;
}

/** Move a stale lock out of the way; true if this call removed exactly the lock judged stale. */
function breakStale(env: LockEnv, lockPath: string, seen: Seen): boolean {
  const aside = path.join(path.dirname(lockPath), `${STALE_LOCK_PREFIX}${uniqueToken()}`);
  try {
    env.fs.renameSync(lockPath, aside);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false; // another waiter broke it first
    throw new StateError(`cannot remove stale lock file ${lockPath}: ${describeError(err)}`);
  }
  let moved: Seen | undefined;
  try {
    moved = look(env, aside);
  } catch {
    moved = undefined;
  }
  if (moved && moved.raw === seen.raw && moved.ino === seen.ino) {
    unlinkQuietly(env, aside);
    return true;
  }
  // We moved a lock taken after our look: put it back, unless an even newer one exists (link never clobbers).
  try {
    env.fs.linkSync(aside, lockPath);
  } catch {
    // Its holder will find out in verifyHeld and write nothing.
  }
  unlinkQuietly(env, aside);
  return false;
}

function timeoutError(lockPath: string, seen: Seen, waitedMs: number): StateError {
  const secs = waitedMs < 10_000 ? (waitedMs / 1000).toFixed(1) : String(Math.round(waitedMs / 1000));
  const holder = seen.owner ? `process ${seen.owner.pid} (since ${seen.owner.startedAt})` : 'another process';
  return new StateError(
    `state is locked by ${holder}; gave up after ${secs} s. If no aks-wg command is running, remove ${lockPath}`,
  );
}

function readRaw(env: LockEnv, file: string): string | undefined {
  try {
    return env.fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function closeQuietly(env: LockEnv, fd: number): void {
  try {
    env.fs.closeSync(fd);
  } catch {
    // already closed or never usable
  }
}

function unlinkQuietly(env: LockEnv, file: string): void {
  try {
    env.fs.unlinkSync(file);
  } catch {
    // gone already
  }
}

/** Spread waiters apart: a uniform number in [0, 1) from the token source (not env.rng; see uniqueToken). */
function jitter(): number {
  return parseInt(uniqueToken().slice(0, 8), 16) / 0x1_0000_0000;
}
