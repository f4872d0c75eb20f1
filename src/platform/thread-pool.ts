/**
 * Worker threads for work the caller splits: a pool started from an entry script before the work is known, so each
 * thread loads its code while the caller reads its state; one task per thread, its input and result passed by
 * structured clone (transferables moved, not copied). It knows nothing of what runs in the threads: the caller types
 * the messages, and the entry script (src/cli/workers/) answers its one task with serveTask.
 *
 * Only available from the compiled build: from the TypeScript sources there is no compiled entry script next to the
 * caller's, and threadCount says 1, so callers run their work on the calling thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker, type TransferListItem } from 'node:worker_threads';

/** Most threads a run uses, the calling thread included. */
export const MAX_THREADS = 8;

/**
 * How many threads a run may use, the calling thread included: $AKS_WG_THREADS (1 turns threads off), else the CPUs,
 * at most MAX_THREADS; 1 when `entry` is not a file that exists (running from the TypeScript sources).
 */
export function threadCount(entry: URL, vars: Readonly<Record<string, string | undefined>>): number {
  if (entry.protocol !== 'file:' || !existsSync(fileURLToPath(entry))) return 1;
  const asked = vars['AKS_WG_THREADS'];
  const n = asked !== undefined && /^\d+$/.test(asked) ? Number(asked) : availableParallelism();
  return Math.max(1, Math.min(MAX_THREADS, n));
}

/** The port a caller runs its tasks through: worker threads, one task each, numbered 0 to size − 1. */
export interface ThreadPool<In, Out> {
  /** How many worker threads the pool has (the calling thread not counted). */
  readonly size: number;
  /**
   * Run `input` on worker `k`; resolves with its result, after which the worker ends. From then on the worker keeps
   * the process alive until it answers.
   * @throws Error (rejects) when the worker's code fails to load, its task throws, or the thread exits first.
   */
  run(k: number, input: In, transfer?: readonly TransferListItem[]): Promise<Out>;
  /** Stop every worker (those that answered have stopped already). */
  close(): void;
}

/** A worker's answer to its task. */
type Reply<Out> = { ok: true; output: Out } | { ok: false; error: string };

/** Worker threads started from `entry`, each waiting for one task (see ThreadPool). */
export class WorkerPool<In, Out> implements ThreadPool<In, Out> {
  private readonly workers: Worker[] = [];
  /** A worker that failed or ended before it was given a task (its code did not load; close()). */
  private readonly failures = new Map<Worker, Error>();
  private readonly given = new Set<number>();
  private closed = false;

  private constructor(entry: URL, count: number) {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(entry);
      worker.on('error', (e) => this.failures.set(worker, e));
      worker.on('exit', (code) => this.failures.set(worker, this.failures.get(worker) ?? new Error(`the thread exited (${code})`)));
      // until it is given a task, a worker does not keep the process alive
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Start `count` workers from the script at `entry`; they load it now and wait for their task. */
  static start<In, Out>(entry: URL, count: number): WorkerPool<In, Out> {
    return new WorkerPool<In, Out>(entry, Math.max(0, count));
  }

  get size(): number {
    return this.workers.length;
  }

  run(k: number, input: In, transfer: readonly TransferListItem[] = []): Promise<Out> {
    const worker = this.workers[k];
    if (!worker) return Promise.reject(new RangeError(`WorkerPool.run: no worker ${k} (the pool has ${this.workers.length})`));
    if (this.closed) return Promise.reject(new Error('WorkerPool.run: the pool is closed'));
    if (this.given.has(k)) return Promise.reject(new Error(`WorkerPool.run: worker ${k} already has its task`));
    this.given.add(k);
    return new Promise<Out>((resolve, reject) => {
      const early = this.failures.get(worker);
      if (early) return reject(early);
      worker.ref();
      worker.once('message', (m: Reply<Out>) => {
        if (m.ok) resolve(m.output);
        else reject(new Error(m.error));
        void worker.terminate();
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the thread exited (${code})`)));
      worker.postMessage(input, transfer);
    });
  }

  close(): void {
    this.closed = true;
    for (const w of this.workers) void w.terminate();
  }
}

/**
 * In a worker entry script: wait for this thread's one task, run `work` on it and post the result back (moving
 * what `transfer` lists), or the message of what it threw.
 */
export function serveTask<In, Out>(work: (input: In) => Out | Promise<Out>, transfer?: (output: Out) => readonly TransferListItem[]): void {
  const port = parentPort;
  if (!port) throw new Error('serveTask: not in a worker thread');
  port.once('message', async (input: In) => {
    let reply: Reply<Out>;
    try {
      reply = { ok: true, output: await work(input) };
    } catch (e) {
      reply = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply, reply.ok && transfer ? transfer(reply.output) : []);
  });
}
