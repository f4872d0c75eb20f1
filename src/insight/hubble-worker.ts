/**
 * A worker thread's share of `traffic inspect --hubble FILE`: the lines in bytes [start, end) of the file (both line
 * starts), analysed against the model; the partial result goes back to hubble-parallel.ts, which merges the shares.
 */
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { HubbleAnalyzer, readLines, type HubbleOptions } from './hubble.js';
import { indexModel, type InsightModel } from './model.js';
import { READ_CHUNK_BYTES } from './hubble-parallel.js';

interface Job {
  file: string;
  start: number;
  end: number;
  model: InsightModel;
  options: HubbleOptions;
}

const job = workerData as Job;
const analyzer = new HubbleAnalyzer(indexModel(job.model), job.options);
let n = 0;
let reported = 0;
const stream = createReadStream(job.file, { start: job.start, end: job.end - 1, encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES });
for await (const batch of readLines(stream)) {
  for (let i = 0; i < batch.length; i++) analyzer.addLine(batch[i]!, ++n);
  // progress every 50,000 lines: a message per batch would cost more than the batch
  if (n - reported >= 50_000) {
    parentPort!.postMessage({ progress: n - reported });
    reported = n;
  }
}
if (n > reported) parentPort!.postMessage({ progress: n - reported });
parentPort!.postMessage({ done: analyzer.partial(), lines: n });
