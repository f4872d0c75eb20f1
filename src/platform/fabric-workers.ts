/**
 * Run fabric shards in worker threads, one per shard. Only available from the compiled build (a worker loads
 * fabric-worker.js next to this file); from TypeScript sources, and with one CPU, callers run serially instead.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runShard, type ShardInput, type ShardOutput } from '../fabric/shard.js';
import { SimClock } from './clock.js';
import { seededRng } from './rng.js';
import { fastCryptoBackend } from './wg-fast-crypto.js';

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

/** Run one shard on the calling thread: its own simulated clock, its seeded random stream, the fast crypto backend. */
export function runShardHere(input: ShardInput): ShardOutput {
  return runShard(input, { clock: new SimClock(input.startMs), rng: seededRng(input.seed), backend: fastCryptoBackend });
}

/**
 * Run the shards side by side: every shard but the first in its own worker thread, the first on this thread once the
 * workers have their inputs (so a run on n cores starts n − 1 threads and holds one copy of the inputs fewer).
 * Resolves with their outputs in input order.
 * @throws Error naming the shard when one fails.
 */
export async function runShardsInThreads(inputs: readonly ShardInput[]): Promise<ShardOutput[]> {
  const started: Worker[] = [];
  const workers = inputs.slice(1).map(
    (input) =>
      new Promise<ShardOutput>((resolve, reject) => {
        const worker = new Worker(workerUrl(), { workerData: input });
        started.push(worker);
        worker.once('message', (m: { ok: boolean; output?: ShardOutput; error?: string }) => {
          if (m.ok) resolve(m.output!);
          else reject(new Error(`fabric shard ${input.shard}: ${m.error}`));
          void worker.terminate();
        });
        worker.once('error', (e) => reject(new Error(`fabric shard ${input.shard}: ${e.message}`)));
      }),
  );
  // a failing worker must not leave an unhandled rejection while this thread runs its own shard
  const others = Promise.all(workers);
  others.catch(() => undefined);
  let first: ShardOutput;
  try {
    first = runShardHere(inputs[0]!);
  } catch (e) {
    // this shard failed: the others' work is wasted, so stop them rather than wait
    for (const w of started) void w.terminate();
    throw e;
  }
  return [first, ...(await others)];
}
