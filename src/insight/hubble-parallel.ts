/**
 * `--hubble FILE` on more than one core: the file is cut into line-aligned byte ranges, one per worker thread; each
 * worker analyses its range (hubble-worker.ts) and the partial results are merged in file order, so counts, flows
 * and malformed line numbers are those of a single pass. stdin, small files, one core, or a missing worker script
 * (running from the TypeScript sources) use the single pass.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { HubbleAnalyzer, type HubbleOptions, type HubblePartial, type HubbleResult } from './hubble.js';
import type { IndexedModel } from './model.js';

/** Files smaller than this are read in one pass (starting workers costs more than it saves). */
export const PARALLEL_MIN_BYTES = 32 << 20;
/** Read chunk of the streams (small chunks keep the young generation, and so the RSS, small). */
export const READ_CHUNK_BYTES = 64 << 10;
/** A worker's young generation: parsed lines die young, and a small nursery keeps each worker's RSS small. */
export const WORKER_YOUNG_GENERATION_MB = 16;

/**
 * Line-aligned cut points for `parts` ranges of a file of `size` bytes: [0, c1, ..., size], each ci the start of a
 * line (just after a newline), found by reading forward from size·i/parts with `read(position, buffer)`; equal cut
 * points (a line longer than a range) give empty ranges.
 */
export function lineCuts(size: number, parts: number, read: (position: number, into: Buffer) => number): number[] {
  const cuts = [0];
  const buf = Buffer.allocUnsafe(64 << 10);
  for (let k = 1; k < parts; k++) {
    let pos = Math.max(cuts[cuts.length - 1]!, Math.floor((size * k) / parts));
    // a line starts at pos when the byte before it is a newline
    let at = pos - 1;
    let cut = size;
    while (at < size) {
      const n = read(at, buf);
      if (n <= 0) break;
      const nl = buf.subarray(0, n).indexOf(10);
      if (nl >= 0) {
        cut = at + nl + 1;
        break;
      }
      at += n;
    }
    pos = Math.min(size, cut);
    cuts.push(pos);
  }
  cuts.push(size);
  return cuts;
}

/**
 * How many workers to use for a file of `bytes`: one per idle core (cores minus the 1-minute load average, at most
 * 4) when at least 3 are idle, else a single pass: measured on 2 cores (bench/sections/50-hubble.js), two workers were
 * no faster than one pass (each worker classifies the flows it sees and the partial results are copied and merged)
 * and took 1.5× the memory; small files always use one pass.
 * AKS_WG_HUBBLE_WORKERS=N overrides (0 or 1 = one pass). The result is the same either way; only the speed differs.
 */
export function workerCount(
  bytes: number,
  vars: Readonly<Record<string, string | undefined>>,
  machine: { cores: number; load: number } = { cores: availableParallelism(), load: loadavg()[0] ?? 0 },
): number {
  const forced = vars['AKS_WG_HUBBLE_WORKERS'];
  if (forced !== undefined && forced !== '') return Math.max(1, Math.min(16, Number.parseInt(forced, 10) || 1));
  if (bytes < PARALLEL_MIN_BYTES) return 1;
  const idle = Math.floor(machine.cores - machine.load + 0.5);
  return idle >= 3 ? Math.min(4, idle) : 1;
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
  const fd = openSync(file, 'r');
  let cuts: number[];
  try {
    cuts = lineCuts(size, workers, (position, into) => readSync(fd, into, 0, into.length, position));
  } finally {
    closeSync(fd);
  }
  let seen = 0;
  const parts = await Promise.all(
    cuts.slice(0, -1).map((start, k) => {
      const end = cuts[k + 1]!;
      if (end <= start) return Promise.resolve(undefined);
      return new Promise<{ partial: HubblePartial; lines: number }>((resolve, reject) => {
        const w = new Worker(script, { execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB }, workerData: { file, start, end, model: index.model, options: { maxReported: opts.maxReported, maxFlows: opts.maxFlows } } });
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
    if (!p) continue;
    merged.absorb(p.partial, offset);
    offset += p.lines;
  }
  return merged.result();
}
