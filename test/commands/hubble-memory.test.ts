/**
 * `--hubble` streams: the peak RSS of the command (its own process, the compiled CLI) does not grow with the size of
 * the log — 8× the lines, the same distinct flows — and stays under the 200 MB goal.
 */
import { afterEach, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

const CHILD = `
const [m, e] = await Promise.all([import(process.env.MAIN), import(process.env.ENV)]);
const code = await m.main(e.nodeEnv(), JSON.parse(process.env.ARGV));
process.stderr.write('\\nRSS ' + JSON.stringify({ code, maxRssKb: process.resourceUsage().maxRSS }) + '\\n');
`;

function cli(home: string, argv: string[]): { code: number; maxRssKb: number; stderr: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: {
      ...process.env,
      AKS_WG_HOME: home,
      ARGV: JSON.stringify(argv),
      MAIN: pathToFileURL(path.resolve('dist/cli/main.js')).href,
      ENV: pathToFileURL(path.resolve('dist/platform/env.js')).href,
    },
    encoding: 'utf8',
  });
  const m = /RSS (.*)/.exec(r.stderr);
  if (!m) throw new Error(`no result (${r.status}): ${r.stderr}`);
  return { ...JSON.parse(m[1]!), stderr: r.stderr };
}

test('peak RSS does not grow with the log', () => {
  const dir = makeTempDir();
  const home = path.join(dir, 'state');
  const fix = path.resolve('fixtures');
  expect(cli(home, ['cluster', 'import', '-g', 'RG', '-n', 'p', '--from-kubectl', `${fix}/kubectl/three-nodes.json`, '-o', 'none']).code).toBe(0);
  // the fixture's flow lines with 500 different client ports: 500 × (distinct flows of the fixture) at most
  const flows = fs.readFileSync(`${fix}/hubble/flows.jsonl`, 'utf8').split('\n').filter((l) => l.startsWith('{"flow"'));
  const write = (file: string, copies: number) => {
    const fd = fs.openSync(file, 'w');
    for (let c = 0; c < copies; c++) fs.writeSync(fd, flows.map((l) => l.replace('43120', String(40000 + (c % 500)))).join('\n') + '\n');
    fs.closeSync(fd);
  };
  write(path.join(dir, 'small.jsonl'), 5_000);
  write(path.join(dir, 'large.jsonl'), 40_000);
  const args = (f: string) => ['traffic', 'inspect', '-g', 'RG', '-n', 'p', '--hubble', path.join(dir, f), '--compare', '-o', 'none', '--only-show-errors'];
  const small = cli(home, args('small.jsonl'));
  const large = cli(home, args('large.jsonl'));
  expect([small.code, large.code]).toEqual([0, 0]);
  expect(fs.statSync(path.join(dir, 'large.jsonl')).size).toBeGreaterThan(40 << 20);
  expect(large.maxRssKb / 1024).toBeLessThan(200);
  expect((large.maxRssKb - small.maxRssKb) / 1024).toBeLessThan(40);
});
