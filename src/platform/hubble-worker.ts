/**
 * Worker-thread entry for `traffic inspect --hubble FILE` (hubble-workers.ts): streams its share of the file — the
 * lines in bytes [start, end) — through analysis's analyzeShare and posts progress and the partial result back.
 * Lives in platform/ because it reads a file and talks to its parent thread.
 */
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeShare, READ_CHUNK_BYTES, type ShareJob } from '../analysis/hubble-parallel.js';

const job = workerData as ShareJob;
const stream = createReadStream(job.file, { start: job.start, end: job.end - 1, encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES });
const { partial, lines } = await analyzeShare(stream, job.model, job.options, (n) => parentPort!.postMessage({ progress: n }));
parentPort!.postMessage({ done: partial, lines });
