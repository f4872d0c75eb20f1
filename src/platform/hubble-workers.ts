/**
 * The side effects of `traffic inspect --hubble FILE` on more than one core (analysis/hubble-parallel.ts has the
 * rest): counting idle cores, reading the bytes around the cut points, and running each share in a worker thread
 * (hubble-worker.js next to this file). Only available from the compiled build; from TypeScript sources callers
 * get undefined and run the single pass.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { HubbleOptions, HubbleResult } from '../analysis/hubble.js';
import { analyzeShares, lineCuts, workerCount, type Machine, type ShareJob, type ShareResult } from '../analysis/hubble-parallel.js';
import type { IndexedModel } from '../analysis/model.js';

/** A worker's young generation: parsed lines die young, and a small nursery keeps each worker's RSS small. */
export const WORKER_YOUNG_GENERATION_MB = 16;

/** This machine's cores and 1-minute load average. */
export function thisMachine(): Machine {
  return { cores: availableParallelism(), load: loadavg()[0] ?? 0 };
}

/** workerCount (analysis/hubble-parallel.ts) for this machine. */
export function hubbleWorkerCount(bytes: number, vars: Readonly<Record<string, string | undefined>>): number {
  return workerCount(bytes, vars, thisMachine);
}

/**
 * Analyse a file with `workers` worker threads. Returns undefined when workers cannot be used here (the compiled
 * worker script is missing), so the caller falls back to one pass.
 * @throws Error when a worker fails or exits with a non-zero code.
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
  const run = (job: ShareJob, onLines: (lines: number) => void): Promise<ShareResult> =>
    new Promise<ShareResult>((resolve, reject) => {
      const w = new Worker(script, { execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB }, workerData: job });
      w.on('message', (m: { progress?: number; done?: ShareResult['partial']; lines?: number }) => {
        if (m.progress !== undefined) onLines(m.progress);
        else if (m.done) resolve({ partial: m.done, lines: m.lines! });
      });
      w.on('error', reject);
      w.on('exit', (code) => (code !== 0 ? reject(new Error(`hubble worker exited with code ${code}`)) : undefined));
    });
  return analyzeShares(file, cuts, run, index, opts);
}
