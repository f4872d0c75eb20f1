/**
 * `--hubble FILE` on more than one core: the file is cut into line-aligned byte ranges ("shares"), one per worker
 * thread; each worker analyses its share (analyzeShare) and the partial results are merged in file order
 * (analyzeShares), so counts, flows and malformed line numbers are those of a single pass. stdin, small files, one
 * core, or a missing worker script (running from the TypeScript sources) use the single pass.
 *
 * Pure: reading the file, starting the threads and counting the cores are platform/hubble-workers.ts's job; this
 * module gets them as a `read` function, a share runner and a machine description.
 */
import { HubbleAnalyzer, readLines, type HubbleOptions, type HubblePartial, type HubbleResult } from './hubble.js';
import { indexModel, type IndexedModel, type InsightModel } from './model.js';

/** Files smaller than this are read in one pass (starting workers costs more than it saves). */
export const PARALLEL_MIN_BYTES = 32 << 20;
/** Read chunk of the streams (small chunks keep the young generation, and so the RSS, small). */
export const READ_CHUNK_BYTES = 64 << 10;
/** Lines between a worker's progress messages: a message per batch would cost more than the batch. */
export const SHARE_PROGRESS_LINES = 50_000;

/** What a worker is asked to analyse: the lines in bytes [start, end) of `file` (both line starts). */
export interface ShareJob {
  file: string;
  start: number;
  end: number;
  model: InsightModel;
  options: HubbleOptions;
}

/** A worker's answer: its partial result and how many lines its share had. */
export interface ShareResult {
  partial: HubblePartial;
  lines: number;
}

/**
 * Runs one share somewhere else (a worker thread); calls `onLines(n)` as n more lines are read.
 * @throws whatever the worker failed with.
 */
export type ShareRunner = (job: ShareJob, onLines: (lines: number) => void) => Promise<ShareResult>;

/** The cores and the 1-minute load average, as workerCount weighs them. */
export interface Machine {
  cores: number;
  load: number;
}

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
 * `machine` is asked only when the file is big enough and there is no override.
 */
export function workerCount(bytes: number, vars: Readonly<Record<string, string | undefined>>, machine: Machine | (() => Machine)): number {
  const forced = vars['AKS_WG_HUBBLE_WORKERS'];
  if (forced !== undefined && forced !== '') return Math.max(1, Math.min(16, Number.parseInt(forced, 10) || 1));
  if (bytes < PARALLEL_MIN_BYTES) return 1;
  const m = typeof machine === 'function' ? machine() : machine;
  const idle = Math.floor(m.cores - m.load + 0.5);
  return idle >= 3 ? Math.min(4, idle) : 1;
}

/**
 * A worker's share: every line of `stream` analysed against `model`; `onProgress(n)` reports n more lines every
 * SHARE_PROGRESS_LINES lines and once at the end.
 */
export async function analyzeShare(stream: AsyncIterable<string | Uint8Array>, model: InsightModel, options: HubbleOptions, onProgress: (lines: number) => void): Promise<ShareResult> {
  const analyzer = new HubbleAnalyzer(indexModel(model), options);
  let n = 0;
  let reported = 0;
  for await (const batch of readLines(stream)) {
    for (let i = 0; i < batch.length; i++) analyzer.addLine(batch[i]!, ++n);
    if (n - reported >= SHARE_PROGRESS_LINES) {
      onProgress(n - reported);
      reported = n;
    }
  }
  if (n > reported) onProgress(n - reported);
  return { partial: analyzer.partial(), lines: n };
}

/**
 * Analyse `file`, already cut at `cuts` (lineCuts), one share per range on `run`, and merge the shares in file order
 * into what one pass gives. Progress (`opts.onProgress`) is the lines read by all shares, every 100,000.
 */
export async function analyzeShares(
  file: string,
  cuts: readonly number[],
  run: ShareRunner,
  index: IndexedModel,
  opts: HubbleOptions & { onProgress?: (lines: number) => void } = {},
): Promise<HubbleResult> {
  let seen = 0;
  const onLines = (n: number): void => {
    const before = seen;
    seen += n;
    if (opts.onProgress && Math.floor(before / 100_000) !== Math.floor(seen / 100_000)) opts.onProgress(seen);
  };
  const options: HubbleOptions = { maxReported: opts.maxReported, maxFlows: opts.maxFlows };
  const parts = await Promise.all(
    cuts.slice(0, -1).map((start, k) => {
      const end = cuts[k + 1]!;
      return end <= start ? Promise.resolve(undefined) : run({ file, start, end, model: index.model, options }, onLines);
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
