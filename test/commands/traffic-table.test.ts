/**
 * Issue 12 item 15: the default `traffic inspect` table fits the terminal, colours encrypted and plaintext on a
 * terminal, keeps the reasons for `-o wide`, and ends with a one-line summary; the same for `--hubble`.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as path from 'node:path';
import { renderFittedTable } from '../../src/cli/output.js';
import { Buf, run, session, testEnv, type TestEnv } from '../helpers/cli.js';
import { removeTempDirs } from '../helpers/tmp.js';

const ANSI = /\u001b\[[0-9;]*m/g;
const plain = (s: string) => s.replace(ANSI, '');
const HUBBLE = path.resolve('fixtures/hubble/flows.jsonl');

let s: ReturnType<typeof session>;
beforeAll(async () => {
  s = session();
  expect((await s.run('cluster create -g RG -n C --enable-wireguard -c 3 -o none')).code).toBe(0);
}, 60_000);
afterAll(removeTempDirs);

/** The session's state, seen through a terminal of `columns` columns. */
function terminal(columns: number): TestEnv {
  const env = testEnv({ home: s.env.home, tty: true });
  return { ...env, stdout: new Buf(true, columns), stderr: new Buf(false) } as TestEnv;
}

describe.each([
  ['simulated flows', ''],
  ['--hubble', ` --hubble ${HUBBLE}`],
])('%s', (_name, extra) => {
  test.each([80, 100])('fits a %i-column terminal, colours the Encrypted column, ends with the summary', async (columns) => {
    const env = terminal(columns);
    const r = await run(`traffic inspect -g RG -n C${extra}`, { env });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    for (const l of lines) expect(plain(l).length).toBeLessThanOrEqual(columns);
    expect(r.stdout).toContain('\u001b[32myes'); // green: encrypted
    expect(r.stdout).toMatch(/\u001b\[3[13]mno/); // red or yellow: plaintext
    // the summary, wrapped to the width when it is longer
    const blank = lines.lastIndexOf('');
    expect(plain(lines.slice(blank + 1).join(' '))).toMatch(/^\d+ flows: inter-node \d+, .*; encrypted \d+ of \d+ \(\d+%\)(; .*)?$/);
  });
  test('piped: no colour, no cutting, and the summary adds up to the JSON', async () => {
    const r = await s.run(`traffic inspect -g RG -n C${extra}`);
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stdout).not.toContain('…');
    const json = (await s.run(`traffic inspect -g RG -n C${extra} -o json`)).json();
    const { total, encrypted } = json.summary;
    const last = r.stdout.trimEnd().split('\n').pop()!;
    expect(last).toContain(`${total} flows: `);
    expect(last).toContain(`; encrypted ${encrypted} of ${total} (${Math.round((100 * encrypted) / total)}%)`);
    expect(r.stdout.split('\n')[0]).not.toMatch(/Reason/);
  });
});

test('-o wide keeps the reasons, interfaces and sessions', async () => {
  const r = await s.run('traffic inspect -g RG -n C -o wide');
  expect(r.code).toBe(0);
  expect(r.stdout.split('\n')[0]).toMatch(/^Source +Destination +Protocol +Port +Path +Encrypted +Interface +Verdict +Session +Reason$/);
  expect(r.stdout).toContain('pod to pod across nodes: sealed by ');
});

test('a --query result is not the table (az: a query replaces the table transformer)', async () => {
  const r = await s.run('traffic inspect -g RG -n C --query summary.total -o table');
  expect(r.stdout).toMatch(/^Result\n-+\n +\d+\n$/);
});

describe('renderFittedTable', () => {
  test('cuts the widest shrinkable column first, never below 8 characters', () => {
    const rows = [{ A: 'a'.repeat(30), B: 'b'.repeat(20), C: 'fixed' }];
    const text = renderFittedTable(rows, { columns: 40, shrink: ['A', 'B'] });
    const line = text.split('\n')[2]!;
    expect(line.length).toBeLessThanOrEqual(40);
    expect(line).toBe(`${'a'.repeat(14)}…  ${'b'.repeat(15)}…  fixed`);
    const tiny = renderFittedTable(rows, { columns: 10, shrink: ['A', 'B'] }).split('\n')[2]!;
    expect(tiny).toBe(`${'a'.repeat(7)}…  ${'b'.repeat(7)}…  fixed`);
  });
});
