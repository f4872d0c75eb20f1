/**
 * Worker-thread entry for a sharded `traffic inspect` (fabric/threads.ts): started ahead by the command's thread pool,
 * it loads the fabric while the main thread prepares, then runs the one shard it is sent with runShardHere (the same
 * clock, seeded streams and crypto backend the main thread's shard uses) and posts the result back.
 */
import { runShardHere } from '../../fabric/threads.js';
import { serveTask } from '../../platform/thread-pool.js';

serveTask(runShardHere);
