/**
 * Issue 12 item 18: README.md is a walkthrough. Every ```sh block, in order, runs in one bash on a fresh state
 * directory from a copy of the checkout's fixtures, with `aks-wg` on PATH (bin/aks-wg against dist/), and succeeds;
 * so the README cannot drift from the CLI. A block preceded by `<!-- walkthrough: skip (why) -->` is not run (it
 * needs tools or privileges a laptop may not have); the reason is required. Also: `npm start`'s demo prints
 * commands that can be pasted into a shell, and they succeed when pasted, in order, on a fresh state directory.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, removeTempDirs } from './helpers/tmp.js';

afterAll(removeTempDirs);

export interface ShellBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly text: string;
  /** The reason of a `<!-- walkthrough: skip (reason) -->` marker before the block, if any. */
  readonly skip?: string;
}

const SKIP = /^<!--\s*walkthrough:\s*skip\s*\((.+)\)\s*-->$/;

/** The ```sh / ```bash / ```shell blocks of a Markdown text, with their skip markers. */
export function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+|~~~+)\s*(sh|bash|shell|console)?\s*$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(fence)) end++;
    if (open[3] !== undefined) {
      // the marker: the nearest non-blank line above the fence
      let k = i - 1;
      while (k >= 0 && lines[k]!.trim() === '') k--;
      const marker = k >= 0 ? SKIP.exec(lines[k]!.trim()) : null;
      if (k >= 0 && /walkthrough/.test(lines[k]!) && !marker) throw new Error(`README.md:${k + 1}: a walkthrough marker must read <!-- walkthrough: skip (reason) -->`);
      blocks.push({ line: i + 1, text: lines.slice(i + 1, end).join('\n'), ...(marker ? { skip: marker[1]!.trim() } : {}) });
    }
    i = end;
  }
  return blocks;
}

const ROOT = path.resolve('.');
const bashAvailable = spawnSync('bash', ['-c', 'true']).status === 0;

/** A fresh directory to run in: fixtures copied, `aks-wg` on PATH, an empty state directory. */
function sandbox(): { cwd: string; env: NodeJS.ProcessEnv } {
  const dir = makeTempDir();
  fs.cpSync(path.join(ROOT, 'fixtures'), path.join(dir, 'fixtures'), { recursive: true });
  const bin = path.join(dir, '.bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'aks-wg'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'bin', 'aks-wg')}" "$@"\n`, { mode: 0o755 });
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}`, AKS_WG_HOME: path.join(dir, 'state'), NO_COLOR: '1' };
  delete env['AKS_WG_SEED'];
  return { cwd: path.join(dir), env };
}

/** Run a script in bash (-e: the first failing command stops it); returns what it printed. */
function bash(script: string, where: { cwd: string; env: NodeJS.ProcessEnv }) {
  return spawnSync('bash', ['-c', `set -eo pipefail\n${script}`], { cwd: where.cwd, env: where.env, encoding: 'utf8', timeout: 240_000 });
}

describe('shellBlocks', () => {
  test('finds sh blocks, their lines and skip markers; ignores other languages', () => {
    const md = ['# t', '```sh', 'a', '```', '', '<!-- walkthrough: skip (needs root) -->', '', '```bash', 'b', '```', '```json', '{}', '```'].join('\n');
    expect(shellBlocks(md)).toEqual([
      { line: 2, text: 'a' },
      { line: 8, text: 'b', skip: 'needs root' },
    ]);
  });
  test('a marker without a reason is an error, not a silent run', () => {
    expect(() => shellBlocks(['<!-- walkthrough: skip -->', '```sh', 'x', '```'].join('\n'))).toThrow(/must read/);
  });
});

describe('README.md walkthrough', () => {
  const blocks = shellBlocks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));

  test('every skipped block says why', () => {
    for (const b of blocks.filter((x) => x.skip !== undefined)) expect(b.skip!.length).toBeGreaterThan(3);
    expect(blocks.filter((b) => b.skip === undefined).length).toBeGreaterThan(5);
  });

  test('every block runs in order on a fresh state directory and succeeds', () => {
    if (!bashAvailable) {
      console.warn('skipped: bash is not installed');
      return;
    }
    const where = sandbox();
    // one bash for all blocks (variables and files carry over, as in a terminal); a marker line before each block
    // names it when it fails
    const script = blocks
      .filter((b) => b.skip === undefined)
      .map((b) => `echo "### README.md:${b.line}" >&2\n${b.text}`)
      .join('\n');
    const r = bash(script, where);
    const where1 = r.stderr.split('\n').filter((l) => l.startsWith('### README.md:')).pop();
    expect({ status: r.status, failedIn: r.status === 0 ? undefined : where1, stderr: r.status === 0 ? '' : r.stderr.slice(-3000) }).toEqual({
      status: 0,
      failedIn: undefined,
      stderr: '',
    });
    // the walkthrough deletes what it made, last
    const left = bash('aks-wg cluster list --query "[].name" -o tsv', where);
    expect(left.stdout).toBe('');
  }, 300_000);
});

describe('npm start', () => {
  test('the demo prints commands that run when pasted into a shell, in order, on a fresh state directory', () => {
    if (!bashAvailable) {
      console.warn('skipped: bash is not installed');
      return;
    }
    const demoHome = makeTempDir();
    const demo = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'demo.js')], {
      cwd: ROOT,
      env: { ...process.env, AKS_WG_DEMO_HOME: demoHome, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(demo.status).toBe(0);
    const commands = demo.stdout.split('\n').filter((l) => l.startsWith('$ ')).map((l) => l.slice(2));
    expect(commands.length).toBeGreaterThan(3);
    expect(commands.every((c) => c.startsWith('aks-wg '))).toBe(true);
    const r = bash(commands.join('\n'), sandbox());
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr.slice(-2000) }).toEqual({ status: 0, stderr: '' });
  }, 200_000);
});
