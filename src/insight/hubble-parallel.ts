/**
 * `--hubble FILE` on more than one core: the file is cut into byte ranges, one per worker thread; each worker
 * analyses the lines that start in its range (hubble-worker.ts) and the partial results are merged in file order,
 * so counts, flows and malformed line numbers are the same as a single pass. stdin, small files, one core, or a
 * missing worker script (running from the TypeScript sources) use the single pass.
 */
import { statSync, existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { HubbleAnalyzer, type HubbleOptions, type HubblePartial, type HubbleResult } from './hubble.js';
import type { IndexedModel } from './model.js';

/** Files smaller than this are read in one pass (starting workers costs more than it saves). */
export const PARALLEL_MIN_BYTES = 32 << 20;

/**
 * The lines that start in bytes [start, end) of a file, in batches; `open(at)` opens a byte stream from `at`.
 * A line that starts in the range is read to its end even past `end`; the line that starts before `start` is not.
 */
export async function* readRangeLines(
  open: (at: number) => AsyncIterable<Buffer>,
  start: number,
  end: number,
): AsyncGenerator<string[]> {
  // Start one byte early: if that byte is a newline, a line starts exactly at `start` and is ours.
  let pos = start === 0 ? 0 : start - 1;
  let skipping = start !== 0;
  let carry: Buffer | null = null;
  for await (const chunk of open(pos)) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    const bufStart = carry ? pos - carry.length : pos;
    pos += chunk.length;
    carry = null;
    let from = 0;
    if (skipping) {
      const nl = buf.indexOf(10);
      if (nl < 0) continue;
      from = nl + 1;
      skipping = false;
    }
    if (bufStart + from >= end) return;
    // Our lines are those starting before `end`: cut after the first newline at or beyond end - 1.
    let stop = buf.length;
    let done = false;
    if (bufStart + buf.length > end) {
      const nl = buf.indexOf(10, Math.max(from, end - 1 - bufStart));
      if (nl >= 0) {
        stop = nl + 1;
        done = true;
      }
    }
    const last = buf.lastIndexOf(10, stop - 1);
    if (last < from) {
      carry = buf.subarray(from, stop);
      if (done) break;
      continue;
    }
    const text = buf.toString('utf8', from, last);
    const batch = text.split('\n');
    for (let i = 0; i < batch.length; i++) if (batch[i]!.charCodeAt(batch[i]!.length - 1) === 13) batch[i] = batch[i]!.slice(0, -1);
    yield batch;
    if (done) return;
    carry = last + 1 < stop ? Buffer.from(buf.subarray(last + 1, stop)) : null;
  }
  if (carry && carry.length > 0) {
    const text = carry.toString('utf8');
    yield [text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text];
  }
}

/** How many workers to use for a file of `bytes` (AKS_WG_HUBBLE_WORKERS overrides; 0 or 1 = one pass). */
export function workerCount(bytes: number, vars: Readonly<Record<string, string | undefined>>): number {
  const forced = vars['AKS_WG_HUBBLE_WORKERS'];
  if (forced !== undefined && forced !== '') return Math.max(1, Math.min(16, Number.parseInt(forced, 10) || 1));
  if (bytes < PARALLEL_MIN_BYTES) return 1;
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Analyse a file with `workers` worker threads. Returns undefined when workers cannot be used here (the compiled
 * worker script is missing), so the caller falls back to one pass.
 */
export async function analyzeHubbleFile(
  file: string,
  index: IndexedModel,
  workers: number,
  opts: HubbleOptions & { onProgress?: (lines: number) => void } = {},
): Promise<HubbleResult | undefined> {
  const script = new URL('./hubble-worker.js', import.meta.url);
  if (script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return undefined;
  const { Worker } = await import('node:worker_threads');
  const size = statSync(file).size;
  const step = Math.ceil(size / workers);
  let seen = 0;
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, k) => {
      const start = Math.min(size, k * step);
      const end = Math.min(size, (k + 1) * step);
      return new Promise<{ partial: HubblePartial; lines: number }>((resolve, reject) => {
        const w = new Worker(script, { execArgv: [], workerData: { file, start, end, model: index.model, options: { maxReported: opts.maxReported, maxFlows: opts.maxFlows } } });
        w.on('message', (m: { progress?: number; done?: HubblePartial; lines?: number }) => {
          if (m.progress !== undefined) {
            const before = seen;
            seen += m.progress;
            if (opts.onProgress && Math.floor(before / 100_000) !== Math.floor(seen / 100_000)) opts.onProgress(seen);
          } else if (m.done) resolve({ partial: m.done, lines: m.lines! });
        });
        w.on('error', reject);
        w.on('exit', (code) => (code !== 0 ? reject(new Error(`hubble worker exited with code ${code}`)) : undefined));
      });
    }),
  );
  const merged = new HubbleAnalyzer(index, opts);
  let offset = 0;
  for (const p of parts) {
    merged.absorb(p.partial, offset);
    offset += p.lines;
  }
  return merged.result();
}
