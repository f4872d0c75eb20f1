/** The generic worker pool: started ahead from an entry script, one task per thread, results and failures back. */
import { describe, expect, test } from '@jest/globals';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MAX_THREADS, threadCount, WorkerPool } from '../../src/platform/thread-pool.js';

const entry = (name: string) => pathToFileURL(path.resolve('test/platform', name));

interface Task {
  bytes: Uint8Array;
  fail?: string;
  exit?: number;
}
interface Done {
  bytes: Uint8Array;
  threadId: number;
}

describe('threadCount', () => {
  test('$AKS_WG_THREADS decides, within 1..MAX_THREADS; a missing entry script means one thread', () => {
    expect(threadCount(entry('pool-worker.js'), { AKS_WG_THREADS: '3' })).toBe(3);
    expect(threadCount(entry('pool-worker.js'), { AKS_WG_THREADS: '1' })).toBe(1);
    expect(threadCount(entry('pool-worker.js'), { AKS_WG_THREADS: '0' })).toBe(1);
    expect(threadCount(entry('pool-worker.js'), { AKS_WG_THREADS: '99' })).toBe(MAX_THREADS);
    expect(threadCount(entry('pool-worker.js'), {})).toBeGreaterThanOrEqual(1);
    expect(threadCount(entry('no-such-worker.js'), { AKS_WG_THREADS: '4' })).toBe(1);
  });
});

describe('WorkerPool', () => {
  test('each worker runs its task on its own thread; transferred bytes come back', async () => {
    const pool = WorkerPool.start<Task, Done>(entry('pool-worker.js'), 3);
    try {
      expect(pool.size).toBe(3);
      const sent = [0, 1, 2].map((k) => Uint8Array.of(k, 10 + k, 100));
      const done = await Promise.all(sent.map((bytes, k) => pool.run(k, { bytes }, [bytes.buffer])));
      expect(done.map((d) => [...d.bytes])).toEqual([
        [0, 20, 200],
        [2, 22, 200],
        [4, 24, 200],
      ]);
      // moved, not copied: the caller's buffers are detached
      expect(sent.every((b) => b.length === 0)).toBe(true);
      expect(new Set(done.map((d) => d.threadId)).size).toBe(3);
      // one task per worker
      await expect(pool.run(0, { bytes: Uint8Array.of(1) })).rejects.toThrow('worker 0 already has its task');
      await expect(pool.run(3, { bytes: Uint8Array.of(1) })).rejects.toThrow('no worker 3');
    } finally {
      pool.close();
    }
  });

  test("a task that throws, a thread that exits and an entry script that does not load are each reported", async () => {
    const pool = WorkerPool.start<Task, Done>(entry('pool-worker.js'), 2);
    try {
      await expect(pool.run(0, { bytes: Uint8Array.of(1), fail: 'shard 3' })).rejects.toThrow('asked to fail: shard 3');
      await expect(pool.run(1, { bytes: Uint8Array.of(1), exit: 7 })).rejects.toThrow('the thread exited (7)');
    } finally {
      pool.close();
    }
    const broken = WorkerPool.start<Task, Done>(entry('broken-worker.js'), 1);
    try {
      await expect(broken.run(0, { bytes: Uint8Array.of(1) })).rejects.toThrow('this entry script does not load');
    } finally {
      broken.close();
    }
  });

  test('close() stops the workers; a worker that ended before its task is reported at once', async () => {
    const pool = WorkerPool.start<Task, Done>(entry('pool-worker.js'), 2);
    pool.close();
    await expect(pool.run(0, { bytes: Uint8Array.of(1) })).rejects.toThrow('the pool is closed');
    const broken = WorkerPool.start<Task, Done>(entry('broken-worker.js'), 1);
    // let it fail and end before it is asked
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(broken.run(0, { bytes: Uint8Array.of(1) })).rejects.toThrow('this entry script does not load');
    broken.close();
  });
});
