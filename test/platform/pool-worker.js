// Worker entry for test/platform/thread-pool.test.ts, on the compiled pool (dist/, built by the global setup): doubles
// the bytes it is sent and moves them back, fails when asked to, and tells which thread it ran on.
import { threadId } from 'node:worker_threads';
import { serveTask } from '../../dist/platform/thread-pool.js';

serveTask(
  async (input) => {
    if (input.fail) throw new Error(`asked to fail: ${input.fail}`);
    if (input.exit) process.exit(input.exit);
    return { bytes: input.bytes.map((b) => b * 2), threadId };
  },
  (output) => [output.bytes.buffer],
);
