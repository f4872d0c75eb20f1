/**
 * Worker-thread entry for a sharded `traffic inspect` (fabric/shard.ts): builds the shard's clock, seeded random
 * stream and crypto backend, runs it, and posts the result back. Lives in platform/ because it is a process-level
 * side effect (a thread) and uses node:crypto.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runShard, type ShardInput } from '../fabric/shard.js';
import { SimClock } from './clock.js';
import { seededRng } from './rng.js';
import { nodeCryptoBackend } from './wg-node-crypto.js';

const input = workerData as ShardInput;
try {
  const output = runShard(input, { clock: new SimClock(input.startMs), rng: seededRng(input.seed), backend: nodeCryptoBackend });
  parentPort!.postMessage({ ok: true, output });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
}
