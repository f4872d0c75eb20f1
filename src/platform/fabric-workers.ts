/**
 * Run fabric shards in worker threads, one per shard but the first (the calling thread runs that one). Only available
 * from the compiled build (a worker loads fabric-worker.js next to this file); from TypeScript sources, and with one
 * CPU, callers run serially instead. This module loads no fabric code itself, so a command can start its threads
 * before it loads its own.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ShardInput, ShardOutput } from '../fabric/shard.js';

/** Most threads a run uses. */
export const MAX_FABRIC_THREADS = 8;

/** How many threads to use: $AKS_WG_THREADS (1 turns sharding off), else the CPUs (at most 8); 1 without the build. */
export function fabricThreads(vars: Readonly<Record<string, string | undefined>>): number {
  if (!existsSync(fileURLToPath(workerUrl()))) return 1;
  const asked = vars['AKS_WG_THREADS'];
  const n = asked !== undefined && /^\d+$/.test(asked) ? Number(asked) : availableParallelism();
  return Math.max(1, Math.min(MAX_FABRIC_THREADS, n));
}

function workerUrl(): URL {
  return new URL('./fabric-worker.js', import.meta.url);
}

/**
 * Worker threads started before their shards are known: each loads the fabric's code (about 0.2 s) while the caller
 * reads the cluster and the saved sessions, then waits for its input. One fewer than the shards: the calling thread
 * runs the first shard itself. Until run() the workers do not keep the process alive; close() stops those not run.
 */
export class ShardThreads {
  private readonly workers: Worker[] = [];
  /** A worker that failed before it was given a shard (its code did not load). */
  private readonly failures = new Map<Worker, Error>();

  private constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(workerUrl());
      worker.on('error', (e) => this.failures.set(worker, e));
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Start the workers for a run on `threads` threads. */
  static start(threads: number): ShardThreads {
    return new ShardThreads(Math.max(0, threads - 1));
  }

  /** How many shards a run takes: the workers and this thread. */
  get shards(): number {
    return this.workers.length + 1;
  }

  /**
   * Run the shards side by side, inputs[k] on worker k − 1 and inputs[0] on this thread with `runHere` (after the
   * workers have theirs). Resolves with their outputs in input order; every worker has ended by then.
   * @throws Error naming the shard when one fails.
   */
  async run(inputs: readonly ShardInput[], runHere: (input: ShardInput) => ShardOutput): Promise<ShardOutput[]> {
    if (inputs.length !== this.shards) throw new Error(`ShardThreads.run: ${inputs.length} inputs for ${this.shards} shards`);
    const workers = inputs.slice(1).map((input, i) => {
      const worker = this.workers[i]!;
      return new Promise<ShardOutput>((resolve, reject) => {
        const early = this.failures.get(worker);
        if (early) return reject(new Error(`fabric shard ${input.shard}: ${early.message}`));
        worker.ref();
        worker.once('message', (m: { ok: boolean; output?: ShardOutput; error?: string }) => {
          if (m.ok) resolve(m.output!);
          else reject(new Error(`fabric shard ${input.shard}: ${m.error}`));
          void worker.terminate();
        });
        worker.once('error', (e) => reject(new Error(`fabric shard ${input.shard}: ${e.message}`)));
        worker.once('exit', (code) => reject(new Error(`fabric shard ${input.shard}: the thread exited (${code})`)));
        worker.postMessage(input);
      });
    });
    // a failing worker must not leave an unhandled rejection while this thread runs its own shard
    const others = Promise.all(workers);
    others.catch(() => undefined);
    let first: ShardOutput;
    try {
      first = runHere(inputs[0]!);
    } catch (e) {
      // this shard failed: the others' work is wasted, so stop them rather than wait
      this.close();
      throw e;
    }
    try {
      return [first, ...(await others)];
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Stop every worker (those that finished have stopped already). */
  close(): void {
    for (const w of this.workers) void w.terminate();
  }
}
