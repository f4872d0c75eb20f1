#!/usr/bin/env node
// npm run bench: runs every bench/sections/*.js (or those named on the command line), prints each figure beside its
// goal and the machine limit it is compared against, and writes bench/results.json for comparison across commits.
import { mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const sections = readdirSync(join(here, 'sections'))
  .filter((f) => f.endsWith('.js'))
  .sort()
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));

const results = [];
const scratch = [];

/** Median, min and max of a list of numbers. */
export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], samples: s.length };
}

const ctx = {
  stats,
  /**
   * A fresh temporary directory, removed when the whole run ends rather than when its section does: on a filesystem
   * without a journal, ext4 rescans recently freed inodes on every create, so one section deleting a 5,000-node
   * cluster's files made the next section's cluster create several times slower (a cost of the bench, not of aks-wg).
   */
  scratch(prefix) {
    const dir = mkdtempSync(join(os.tmpdir(), prefix));
    scratch.push(dir);
    return dir;
  },
  /**
   * Record one figure. goal: { op: '<=' | '>=', value, unit? } (omit for figures without a goal, e.g. a limit).
   */
  record(entry) {
    const { name, unit, median, min = median, max = median, goal, note } = entry;
    const met = goal ? (goal.op === '<=' ? median <= goal.value : median >= goal.value) : undefined;
    results.push({ name, unit, median, min, max, goal: goal ?? null, met: met ?? null, note: note ?? null });
    const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(4));
    const goalText = goal ? `  goal ${goal.op} ${goal.value}${goal.unit ?? ''} ${met ? 'MET' : 'MISSED'}` : '';
    console.log(`  ${name}: ${fmt(median)} ${unit} (min ${fmt(min)}, max ${fmt(max)})${goalText}${note ? `  [${note}]` : ''}`);
  },
};

console.log(`aks-wg bench — node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}`);
try {
  for (const file of sections) {
    console.log(`\n# ${file.replace(/\.js$/, '')}`);
    const mod = await import(join(here, 'sections', file));
    await mod.run(ctx);
  }
} finally {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
}
const out = join(here, 'results.json');
writeFileSync(`${out}.tmp`, JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2) + '\n');
renameSync(`${out}.tmp`, out);
console.log(`\nwrote ${out}`);
