/**
 * A sharded run's threads (shard.ts): shard 0 on the calling thread, shard k on worker k − 1 of a generic pool
 * (platform/thread-pool.ts, entry script cli/workers/fabric-worker.ts); and runShardHere, the one way every thread
 * runs its shard, so the calling thread and the workers draw from the same streams with the same clock and backend.
 */
import { SimClock } from '../platform/clock.js';
import { seededRng } from '../platform/rng.js';
import type { ThreadPool } from '../platform/thread-pool.js';
import { sodiumBackend } from '../wg-host/sodium-backend.js';
import { runShard, type ShardInput, type ShardOutput } from './shard.js';
import { runStreams } from './streams.js';

/** The workers of a sharded run (each runs one shard). */
export type ShardPool = ThreadPool<ShardInput, ShardOutput>;

/** One shard on this thread: its own simulated clock, the run's seeded streams, the production crypto backend. */
export function runShardHere(input: ShardInput): ShardOutput {
  return runShard(input, { clock: new SimClock(input.startMs), streams: runStreams(input.seed, seededRng), backend: sodiumBackend });
}

/** How many shards a run on `pool` takes: one per worker and one for this thread. */
export function shardCount(pool: ShardPool): number {
  return pool.size + 1;
}

/**
 * Run the shards side by side, inputs[k] on worker k − 1 and inputs[0] on this thread with `runHere` (after the
 * workers have theirs). Resolves with their outputs in input order. When a shard fails the pool is closed (the
 * others' work is wasted).
 * @throws Error naming the shard that failed.
 */
export async function runShards(pool: ShardPool, inputs: readonly ShardInput[], runHere: (input: ShardInput) => ShardOutput = runShardHere): Promise<ShardOutput[]> {
  if (inputs.length !== shardCount(pool)) throw new Error(`runShards: ${inputs.length} inputs for ${shardCount(pool)} shards`);
  const named = (input: ShardInput, e: unknown) => new Error(`fabric shard ${input.shard}: ${e instanceof Error ? e.message : String(e)}`);
  const others = Promise.all(
    inputs.slice(1).map((input, k) =>
      pool.run(k, input).catch((e: unknown) => {
        throw named(input, e);
      }),
    ),
  );
  // a failing worker must not leave an unhandled rejection while this thread runs its own shard
  others.catch(() => undefined);
  let first: ShardOutput;
  try {
    first = runHere(inputs[0]!);
  } catch (e) {
    pool.close();
    throw e;
  }
  try {
    return [first, ...(await others)];
  } catch (e) {
    pool.close();
    throw e;
  }
}
