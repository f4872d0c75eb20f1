/**
 * The durable local state: one directory (env.home, mode 0700) of JSON documents and raw files (mode 0600).
 *
 * On disk:
 *   <home>/.lock                         the mutation lock while a command holds it (see lock.ts)
 *   <home>/<key>                         a document: {"schemaVersion":1,"data":<doc>} — JSON, pretty-printed when
 *                                        under PRETTY_LIMIT_BYTES, compact above (a 5,000-node cluster)
 *   <home>/<key>                         a raw file (writeBytes, writeFresh), e.g. a node's 32-byte private key
 *   <dir>/.<name>.tmp-<token>            a file being written; exists only while its writer holds the lock
 * Keys are relative paths of `/`-separated segments, none empty, `.`/`..` or starting with `.` (names starting
 * with `.` are the store's own); encode user-supplied names with keySegment().
 *
 * Commit (when the mutate() callback resolves):
 *  1. re-check that we still hold the lock;
 *  2. write each fresh file (writeFresh) straight into place; write every other staged file to a temp file in its
 *     target directory, then fsync the temp files (several in flight at once) — a failure here (ENOSPC) removes the
 *     temp and fresh files and changes nothing any document refers to;
 *  3. rename the temp files into place, raw files first and JSON documents last, so a document never names a key
 *     file that is not there yet; then fsync each touched directory (fresh files' too);
 *  4. delete: documents first, then other files, then directories left empty.
 * A rename or delete failing part-way leaves the files before it committed and the rest untouched; every single
 * file a document refers to is either its old or its new version, never half-written (a fresh file a killed
 * command left half-written is referred to by nothing). Fresh files are not fsynced one by one (thousands of
 * fsyncs were most of a 5,000-node create): after a power loss, never after a killed process, a document may name
 * a fresh file that is missing or empty, and the caller must handle that (see writeFresh).
 */
import * as path from 'node:path';
import { InternalError, StateError } from '../errors.js';
import type { Env } from '../platform/env.js';
import { jsonErrorPosition, lineColumn } from '../json-position.js';
import { uniqueToken } from '../platform/process.js';
import { describeError, errnoCode } from './errno.js';
import { acquireLock, isDeadAside, LOCK_TIMEOUT_MS, releaseLock, STALE_LOCK_PREFIX, verifyHeld } from './lock.js';
import type { HeldLock } from './lock.js';

/** The version of the document wrapper and of every document in it. */
export const SCHEMA_VERSION = 1;
/** Documents whose compact JSON is smaller than this are written indented, for people who read them. */
export const PRETTY_LIMIT_BYTES = 256 * 1024;
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const TEMP_MARK = '.tmp-';

/** What the store needs from Env. */
export type StoreEnv = Pick<Env, 'fs' | 'home' | 'pid' | 'clock'>;

/**
 * A check of a document's shape beyond the wrapper: returns what is wrong (`"nodes" is not an array`), or
 * undefined when the document is fine.
 */
export type ShapeCheck = (data: unknown) => string | undefined;

export interface StoreOptions {
  /** How long mutate() waits for a live lock holder before giving up (default 30 s). */
  lockTimeoutMs?: number;
}

/** A mutation in progress: reads see the writes staged before them; nothing reaches disk until commit. */
export interface Tx {
  /** @throws StateError if the stored document is corrupt (the mutation then writes nothing). */
  read<T>(key: string, check?: ShapeCheck): T | undefined;
  /** Stage a JSON document (snapshotted now). @throws TypeError if `doc` is not JSON-serialisable. */
  write(key: string, doc: unknown): void;
  /** Stage a raw file, mode 0600. */
  writeBytes(key: string, bytes: Uint8Array): void;
  /**
   * Stage a raw file, mode 0600, that no committed document refers to yet (a new node's key file). At commit it is
   * written straight into place — no temp file, no rename, no fsync of its own — replacing what is there (a file
   * left by a killed command, which nothing refers to). Its directory entry is synced with the commit; its bytes
   * reach the disk with the kernel's writeback, so after a power loss it may be missing or empty although the
   * committed documents name it: callers must treat that as a file that is not there. A commit that fails before
   * its first document is in place removes it. Use writeBytes to replace a file a document refers to.
   */
  writeFresh(key: string, bytes: Uint8Array): void;
  readBytes(key: string): Uint8Array | undefined;
  /** The size of the raw file `key` (staged or on disk), undefined if absent. */
  sizeOf(key: string): number | undefined;
  /** Stage removal of the file `key`, or of everything under the directory `key`. */
  delete(key: string): void;
}

type Staged = { kind: 'json'; text: string } | { kind: 'bytes'; bytes: Uint8Array; fresh: boolean };

export class Store {
  private readonly lockTimeoutMs: number;

  constructor(
    private readonly env: StoreEnv,
    options: StoreOptions = {},
  ) {
    this.lockTimeoutMs = options.lockTimeoutMs ?? LOCK_TIMEOUT_MS;
  }

  /** The state directory. */
  get home(): string {
    return this.env.home;
  }

  /** The absolute path of a key. */
  pathOf(key: string): string {
    return path.join(this.env.home, ...segments(key));
  }

  /** @internal the path of a key already normalised (and so checked): no second check per file of a big commit. */
  fileOf(normalisedKey: string): string {
    return path.join(this.env.home, normalisedKey);
  }

  /**
   * Read one document; undefined if absent. Takes no lock: a document being replaced is read whole, old or new.
   * @throws StateError naming the file's path and what is wrong (not JSON, wrong schemaVersion, wrong shape).
   */
  read<T>(key: string, check?: ShapeCheck): T | undefined {
    const file = this.pathOf(key);
    const text = this.readFile(file, 'utf8');
    return text === undefined ? undefined : (parseDocument(file, text, check) as T);
  }

  /**
   * Read one raw file; undefined if absent. The bytes (a key file's among them) come back in an array of their own,
   * and are wiped from the buffer they were read into: a small file is read into Node's shared Buffer pool, whose
   * other slices outlive this call.
   * @throws StateError if it cannot be read.
   */
  readBytes(key: string): Uint8Array | undefined {
    const buf = this.readFile(this.pathOf(key));
    if (buf === undefined) return undefined;
    const bytes = new Uint8Array(buf);
    buf.fill(0);
    return bytes;
  }

  /**
   * Every key under a directory prefix (`clusters/` or `clusters`; `''` for all), recursive, sorted.
   * The store's own files (names starting with `.`) are not listed.
   */
  list(prefix: string): string[] {
    const base = prefix.replace(/\/+$/, '');
    const dirSegs = base === '' ? [] : segments(base);
    const out: string[] = [];
    this.walk(path.join(this.env.home, ...dirSegs), dirSegs.join('/'), out, false);
    return out.sort();
  }

  /**
   * Run `fn` holding the exclusive lock; commit what it staged when it resolves, discard it if it throws.
   * Do not call mutate() from inside `fn` (it would wait for itself until the lock timeout).
   * @throws StateError when the directory or lock cannot be set up, the lock stays held by a live process past the
   * timeout, a file read in `fn` is corrupt, or a write fails (the previous files are then intact); whatever `fn` throws.
   */
  async mutate<T>(fn: (tx: Tx) => T | Promise<T>): Promise<T> {
    this.ensureHome();
    const lock = await acquireLock(this.env, this.env.home, this.lockTimeoutMs);
    try {
      if (lock.recovered) this.sweepCrashLeftovers();
      const tx = new Transaction(this);
      let result: T;
      try {
        result = await fn(tx);
      } finally {
        tx.closed = true;
      }
      await this.commit(lock, tx);
      return result;
    } finally {
      releaseLock(this.env, lock);
    }
  }

  /** The size of the regular file `key`, undefined if absent (or not a file). @throws StateError if it cannot be checked. */
  sizeOf(key: string): number | undefined {
    return this.sizeOfFile(this.pathOf(key));
  }

  /** @internal sizeOf for a path. */
  sizeOfFile(file: string): number | undefined {
    try {
      const st = this.env.fs.lstatSync(file);
      return st.isFile() ? st.size : undefined;
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new StateError(`cannot read state file ${file}: ${describeError(err)}`);
    }
  }

  /** @internal the file at `file`, undefined if absent. */
  readFile(file: string): Buffer | undefined;
  readFile(file: string, encoding: 'utf8'): string | undefined;
  readFile(file: string, encoding?: 'utf8'): Buffer | string | undefined {
    try {
      return encoding ? this.env.fs.readFileSync(file, encoding) : this.env.fs.readFileSync(file);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new StateError(`cannot read state file ${file}: ${describeError(err)}`);
    }
  }

  /** Whether `file` is a directory (false if absent). */
  isDirectory(file: string): boolean {
    try {
      return this.env.fs.lstatSync(file).isDirectory();
    } catch {
      return false;
    }
  }

  private walk(dir: string, rel: string, out: string[], withHidden: boolean): void {
    let entries: import('node:fs').Dirent[];
    try {
      entries = this.env.fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw new StateError(`cannot read state directory ${dir}: ${describeError(err)}`);
    }
    for (const e of entries) {
      if (!withHidden && e.name.startsWith('.')) continue;
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) this.walk(path.join(dir, e.name), childRel, out, withHidden);
      else out.push(childRel);
    }
  }

  /** Create the state directory 0700, or tighten it if it is looser. */
  private ensureHome(): void {
    const home = this.env.home;
    try {
      this.env.fs.mkdirSync(home, { recursive: true, mode: DIR_MODE });
      const st = this.env.fs.statSync(home);
      if (!st.isDirectory()) throw new StateError(`state directory ${home} is not a directory`);
      if ((st.mode & 0o777) !== DIR_MODE) this.env.fs.chmodSync(home, DIR_MODE);
    } catch (err) {
      if (err instanceof StateError) throw err;
      throw new StateError(`cannot create state directory ${home}: ${describeError(err)}`);
    }
  }

  /** After recovering a crashed holder's lock: remove its temp files and any lock a crashed waiter moved aside. */
  private sweepCrashLeftovers(): void {
    const files: string[] = [];
    this.walk(this.env.home, '', files, true);
    for (const rel of files) {
      const name = path.posix.basename(rel);
      const file = path.join(this.env.home, rel);
      const isTemp = name.startsWith('.') && name.includes(TEMP_MARK);
      const isAside = rel === name && name.startsWith(STALE_LOCK_PREFIX) && isDeadAside(this.env, file);
      if (isTemp || isAside) unlinkQuietly(this.env, file);
    }
  }

  private async commit(lock: HeldLock, tx: Transaction): Promise<void> {
    if (tx.writes.size === 0 && tx.deletes.size === 0) return;
    verifyHeld(this.env, lock);
    // Raw files before documents, each group in key order.
    const order = [...tx.writes.entries()].sort(([ka, a], [kb, b]) =>
      a.kind !== b.kind ? (a.kind === 'bytes' ? -1 : 1) : ka < kb ? -1 : ka > kb ? 1 : 0,
    );
    const temps: { tmp: string; file: string; doc: boolean }[] = [];
    // Missing directories first, parents before children, several at once.
    const needed = new Map<string, string>(); // directory → a file that needs it (for the message)
    const known = new Set<string>();
    for (const [key] of order) {
      const file = this.fileOf(key);
      for (let dir = path.dirname(file); !known.has(dir); dir = path.dirname(dir)) {
        known.add(dir);
        if (this.env.fs.existsSync(dir)) break;
        needed.set(dir, file);
      }
    }
    await this.ensureDirs(needed);
    const fresh: string[] = [];
    let published = false;
    try {
      for (const [key, staged] of order) {
        const file = this.fileOf(key);
        if (staged.kind === 'bytes' && staged.fresh) {
          fresh.push(file);
          writeFresh(this.env, file, staged.bytes);
          continue;
        }
        const tmp = path.join(path.dirname(file), `.${path.basename(file)}${TEMP_MARK}${uniqueToken()}`);
        temps.push({ tmp, file, doc: staged.kind === 'json' });
        writeTemp(this.env, tmp, file, staged.kind === 'json' ? Buffer.from(staged.text, 'utf8') : staged.bytes);
      }
      // Every temp file reaches the disk before any rename; the fsyncs run in parallel.
      await syncAll(this.env, temps, (t) => t.tmp, (t, err) => `cannot write state file ${t.file}: ${describeError(err)}`);
      const dirs = new Set<string>();
      while (temps.length > 0) {
        const { tmp, file, doc } = temps[0]!;
        try {
          this.env.fs.renameSync(tmp, file);
        } catch (err) {
          throw new StateError(`cannot write state file ${file}: ${describeError(err)}`);
        }
        published ||= doc;
        temps.shift();
        dirs.add(path.dirname(file));
      }
      for (const file of fresh) dirs.add(path.dirname(file));
      published = true;
      await syncAll(this.env, [...dirs], (d) => d, (d, err) => `cannot sync state directory ${d}: ${describeError(err)}`);
    } finally {
      for (const { tmp } of temps) unlinkQuietly(this.env, tmp);
      if (!published) for (const file of fresh) unlinkQuietly(this.env, file);
    }
    this.commitDeletes(tx);
  }

  private commitDeletes(tx: Transaction): void {
    if (tx.deletes.size === 0) return;
    const files = new Set<string>();
    const dirs = new Set<string>();
    for (const key of tx.deletes) {
      const file = this.pathOf(key);
      if (this.isDirectory(file)) {
        dirs.add(file);
        const found: string[] = [];
        this.walk(file, key, found, true);
        for (const k of found) if (!tx.writes.has(k)) files.add(k);
      } else if (!tx.writes.has(key)) {
        files.add(key);
      }
    }
    const docsFirst = [...files].sort((a, b) => Number(!a.endsWith('.json')) - Number(!b.endsWith('.json')));
    const touched = new Set<string>();
    for (const key of docsFirst) {
      const file = this.pathOf(key);
      try {
        this.env.fs.unlinkSync(file);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw new StateError(`cannot remove state file ${file}: ${describeError(err)}`);
      }
      touched.add(path.dirname(file));
    }
    // Prune directories left empty, deepest first, never the state directory itself.
    const candidates = new Set<string>();
    for (const d of [...touched, ...dirs]) {
      for (let p = d; p.startsWith(this.env.home + path.sep); p = path.dirname(p)) candidates.add(p);
    }
    for (const d of [...candidates].sort((a, b) => b.length - a.length)) {
      try {
        this.env.fs.rmdirSync(d);
      } catch {
        // not empty, or already gone
      }
    }
    const parents = new Set([this.env.home, ...touched, ...[...candidates].map((c) => path.dirname(c))]);
    for (const d of parents) {
      if (!this.isDirectory(d)) continue;
      try {
        fsyncDir(this.env, d);
      } catch {
        // the deletions happened; a failed directory fsync only weakens their durability
      }
    }
  }

  /**
   * Create missing directories (dir → a file that needs it, for the message): one depth at a time, parents first,
   * up to SYNC_CONCURRENCY at once within a depth, each a single mkdir (no recursive probing).
   */
  private async ensureDirs(dirs: Map<string, string>): Promise<void> {
    const byDepth = new Map<number, [string, string][]>();
    for (const entry of dirs) {
      const depth = entry[0].split(path.sep).length;
      const list = byDepth.get(depth);
      if (list) list.push(entry);
      else byDepth.set(depth, [entry]);
    }
    let failure: StateError | undefined;
    for (const depth of [...byDepth.keys()].sort((a, b) => a - b)) {
      const items = byDepth.get(depth)!;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < items.length && !failure) {
          const [dir, file] = items[next++]!;
          try {
            await new Promise<void>((resolve, reject) =>
              this.env.fs.mkdir(dir, { mode: DIR_MODE }, (err) => (err && err.code !== 'EEXIST' ? reject(err) : resolve())),
            );
          } catch (err) {
            failure ??= new StateError(`cannot write state file ${file}: ${describeError(err)}`);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(SYNC_CONCURRENCY, items.length) }, worker));
      if (failure) break;
    }
    if (failure) throw failure;
  }
}

class Transaction implements Tx {
  closed = false;
  /** Staged files; a later delete() covering a key removes it from here, so what remains is newer than any delete. */
  readonly writes = new Map<string, Staged>();
  readonly deletes = new Set<string>();

  constructor(private readonly store: Store) {}

  read<T>(key: string, check?: ShapeCheck): T | undefined {
    this.assertOpen();
    const k = normalise(key);
    const staged = this.writes.get(k);
    if (staged) {
      if (staged.kind !== 'json') throw new InternalError(`Tx.read: ${k} was staged as raw bytes`);
      return parseDocument(this.store.pathOf(k), staged.text, check) as T;
    }
    return this.isDeleted(k) ? undefined : this.store.read<T>(k, check);
  }

  write(key: string, doc: unknown): void {
    this.assertOpen();
    this.writes.set(normalise(key), { kind: 'json', text: serialise(doc) });
  }

  writeBytes(key: string, bytes: Uint8Array): void {
    this.assertOpen();
    if (!(bytes instanceof Uint8Array)) throw new TypeError('Tx.writeBytes: bytes must be a Uint8Array');
    this.writes.set(normalise(key), { kind: 'bytes', bytes: Uint8Array.from(bytes), fresh: false });
  }

  writeFresh(key: string, bytes: Uint8Array): void {
    this.assertOpen();
    if (!(bytes instanceof Uint8Array)) throw new TypeError('Tx.writeFresh: bytes must be a Uint8Array');
    this.writes.set(normalise(key), { kind: 'bytes', bytes: Uint8Array.from(bytes), fresh: true });
  }

  sizeOf(key: string): number | undefined {
    this.assertOpen();
    const k = normalise(key);
    const staged = this.writes.get(k);
    if (staged) return staged.kind === 'bytes' ? staged.bytes.length : Buffer.byteLength(staged.text, 'utf8');
    return this.isDeleted(k) ? undefined : this.store.sizeOfFile(this.store.fileOf(k));
  }

  readBytes(key: string): Uint8Array | undefined {
    this.assertOpen();
    const k = normalise(key);
    const staged = this.writes.get(k);
    if (staged) return staged.kind === 'bytes' ? Uint8Array.from(staged.bytes) : Buffer.from(staged.text, 'utf8');
    return this.isDeleted(k) ? undefined : this.store.readBytes(k);
  }

  delete(key: string): void {
    this.assertOpen();
    const k = normalise(key);
    for (const w of [...this.writes.keys()]) if (w === k || w.startsWith(`${k}/`)) this.writes.delete(w);
    this.deletes.add(k);
  }

  /** Is `k` or a directory above it staged for deletion? (One lookup per depth: a scale-down stages thousands.) */
  private isDeleted(k: string): boolean {
    if (this.deletes.size === 0) return false;
    for (let i = k.indexOf('/'); ; i = k.indexOf('/', i + 1)) {
      if (this.deletes.has(i < 0 ? k : k.slice(0, i))) return true;
      if (i < 0) return false;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new InternalError('state transaction used after its mutate() callback returned');
  }
}

/**
 * Encode a user-supplied name (resource group, cluster, node) as one key segment: percent-encoding of anything
 * outside [A-Za-z0-9-_.!~*'()], and of a leading `.`. Case is kept; lower-case first where names are case-insensitive.
 */
export function keySegment(name: string): string {
  if (typeof name !== 'string' || name === '') throw new InternalError('keySegment: name must be a non-empty string');
  return encodeURIComponent(name).replace(/^\./, '%2E');
}

function normalise(key: string): string {
  return segments(key).join('/');
}

function segments(key: string): string[] {
  if (typeof key !== 'string') throw new InternalError('state key must be a string');
  const segs = key.replace(/\/+$/, '').split('/');
  for (const s of segs) {
    if (s === '' || s.startsWith('.') || s.includes('\\') || s.includes('\0')) {
      throw new InternalError(`invalid state key ${JSON.stringify(key)}`);
    }
  }
  return segs;
}

function serialise(doc: unknown): string {
  const wrapped = { schemaVersion: SCHEMA_VERSION, data: doc };
  const compact = JSON.stringify(wrapped) as string | undefined;
  if (compact === undefined || doc === undefined || typeof doc === 'function' || typeof doc === 'symbol') throw new TypeError('Tx.write: doc is not JSON-serialisable');
  return compact.length < PRETTY_LIMIT_BYTES ? `${JSON.stringify(wrapped, null, 2)}\n` : `${compact}\n`;
}

/** Unwrap and check one stored document. @throws StateError naming `file` and what is wrong with it. */
function parseDocument(file: string, text: string, check?: ShapeCheck): unknown {
  const fail = (what: string): StateError => new StateError(`state file ${file} ${what}; fix or remove it`);
  if (text.trim() === '') throw fail('is empty');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw fail(`is not valid JSON (${jsonProblem(text, err)})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw fail('is not an aks-wg state document (expected a JSON object with "schemaVersion" and "data")');
  }
  const { schemaVersion } = doc as { schemaVersion?: unknown };
  if (schemaVersion === undefined) throw fail('has no "schemaVersion"');
  if (schemaVersion !== SCHEMA_VERSION) {
    throw new StateError(
      `state file ${file} has schemaVersion ${JSON.stringify(schemaVersion)}; this aks-wg reads version ${SCHEMA_VERSION}`,
    );
  }
  if (!('data' in doc)) throw fail('has no "data"');
  const data = (doc as { data: unknown }).data;
  const problem = check?.(data);
  if (problem !== undefined) throw fail(`has the wrong shape: ${problem}`);
  return data;
}

/** V8's description of a parse error, without its echo of the source, placed at a line and column. */
function jsonProblem(text: string, err: unknown): string {
  const what = (err instanceof Error ? err.message : String(err))
    .replace(/, (?:\.\.\.)?".* is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '');
  const pos = jsonErrorPosition(text);
  if (pos === undefined) return what;
  const { line, column } = lineColumn(text, pos);
  return `${what} at line ${line} column ${column}`;
}

/** Write a new temp file (syncAll makes it durable); removes it and throws StateError (naming the target) on failure. */
function writeTemp(env: StoreEnv, tmp: string, file: string, bytes: Uint8Array): void {
  writeExclusive(env, tmp, file, bytes, false);
}

/**
 * Write a fresh file straight into place (syncAll is not called on it); a file in the way (left by a killed command)
 * is unlinked first. Removes it and throws StateError on failure.
 */
function writeFresh(env: StoreEnv, file: string, bytes: Uint8Array): void {
  writeExclusive(env, file, file, bytes, true);
}

/**
 * Create the file `at` with O_EXCL (mode 0600, so a link planted there is never followed) and write all of `bytes`;
 * with `replace`, a file already there is unlinked and the create tried once more. On failure removes it and throws
 * StateError naming `target`.
 */
function writeExclusive(env: StoreEnv, at: string, target: string, bytes: Uint8Array, replace: boolean): void {
  let fd: number | undefined;
  try {
    try {
      fd = env.fs.openSync(at, 'wx', FILE_MODE);
    } catch (err) {
      if (!replace || errnoCode(err) !== 'EEXIST') throw err;
      env.fs.unlinkSync(at);
      fd = env.fs.openSync(at, 'wx', FILE_MODE);
    }
    for (let off = 0; off < bytes.length; ) off += env.fs.writeSync(fd, bytes, off, bytes.length - off);
    env.fs.closeSync(fd);
    fd = undefined;
  } catch (err) {
    if (fd !== undefined) {
      try {
        env.fs.closeSync(fd);
      } catch {
        // the write error is the one to report
      }
    }
    unlinkQuietly(env, at);
    throw new StateError(`cannot write state file ${target}: ${describeError(err)}`);
  }
}

/** fsyncs in flight at once; the thread pool (UV_THREADPOOL_SIZE, raised in bin/aks-wg) bounds real parallelism. */
const SYNC_CONCURRENCY = 32;

/**
 * fsync every path (files or directories) with several in flight at once. fsync flushes the inode, so a fresh
 * read-only descriptor is enough. The first failure is thrown as StateError(message(item, err)) after the others end.
 */
async function syncAll<T>(env: StoreEnv, items: readonly T[], pathOf: (item: T) => string, message: (item: T, err: unknown) => string): Promise<void> {
  let next = 0;
  let failure: StateError | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const item = items[next++]!;
      try {
        const fd = env.fs.openSync(pathOf(item), 'r');
        try {
          await new Promise<void>((resolve, reject) => env.fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
        } finally {
          env.fs.closeSync(fd);
        }
      } catch (err) {
        failure ??= new StateError(message(item, err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SYNC_CONCURRENCY, items.length) }, worker));
  if (failure) throw failure;
}

function fsyncDir(env: StoreEnv, dir: string): void {
  const fd = env.fs.openSync(dir, 'r');
  try {
    env.fs.fsyncSync(fd);
  } finally {
    env.fs.closeSync(fd);
  }
}

function unlinkQuietly(env: StoreEnv, file: string): void {
  try {
    env.fs.unlinkSync(file);
  } catch {
    // gone already
  }
}
