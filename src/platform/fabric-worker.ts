/**
 * Worker-thread entry for a sharded `traffic inspect` (fabric/shard.ts): runs its shard with runShardHere (the same
 * clock, seeded stream and crypto backend the main thread's shard uses) and posts the result back. Lives in
 * platform/ because a thread is a process-level side effect.
 */
import { parentPort } from 'node:worker_threads';
import type { ShardInput } from '../fabric/shard.js';
import { runShardHere } from './fabric-shard.js';

// started ahead (ShardThreads): the code above is loaded while the main thread prepares; the shard comes as one message
parentPort!.once('message', (input: ShardInput) => {
  try {
    parentPort!.postMessage({ ok: true, output: runShardHere(input) });
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
