/**
 * Worker-thread entry for a sharded `traffic inspect` (fabric/shard.ts): runs its shard with runShardHere (the same
 * clock, seeded stream and crypto backend the main thread's shard uses) and posts the result back. Lives in
 * platform/ because a thread is a process-level side effect.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ShardInput } from '../fabric/shard.js';
import { runShardHere } from './fabric-workers.js';

const input = workerData as ShardInput;
try {
  const output = runShardHere(input);
  parentPort!.postMessage({ ok: true, output });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
}
