/**
 * Issue 12 item 11: `traffic inspect`, `node` and `clock` act on -g/-n, else --context, else the current context,
 * by one rule (commands/common.ts targetCluster).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { session } from '../helpers/cli.js';
import { removeTempDirs } from '../helpers/tmp.js';

let s: ReturnType<typeof session>;
beforeAll(async () => {
  s = session();
  expect((await s.run('cluster create -g RG -n one --enable-wireguard -c 2 -o none')).code).toBe(0);
  expect((await s.run('cluster create -g RG -n two --enable-wireguard -c 3 -o none')).code).toBe(0);
}, 60_000);
afterAll(removeTempDirs);

describe('without a current context', () => {
  test.each(['traffic inspect', 'node list', 'clock show', 'node wg-showconf x'])('%s names every way to pick a cluster (exit 1, one prefix)', async (cmd) => {
    const r = await s.run(cmd);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "ERROR: no current context is set: run 'aks-wg cluster get-credentials -g RG -n NAME' or pass --context RG/NAME (or pass -g RG -n NAME)\n",
    );
  });
  test('only one of -g/-n is a usage error', async () => {
    const r = await s.run('traffic inspect -g RG');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ERROR: the following arguments are required: --name/-n\n');
  });
});

describe('--context and the current context', () => {
  test('--context RG/NAME picks the cluster for traffic inspect, node list and clock', async () => {
    const flows = await s.run('traffic inspect --context RG/two -o json --query summary.total');
    expect(flows.code).toBe(0);
    const nodes = await s.run('node list --context RG/two -o json');
    expect(nodes.code).toBe(0);
    expect(nodes.json()).toHaveLength(3);
    const clock = await s.run('clock show --context RG/one -o json');
    expect(clock.json().cluster).toBe('one');
  });
  test('the current context is used when nothing is given, and -g/-n still win', async () => {
    expect((await s.run('cluster get-credentials -g RG -n one')).code).toBe(0);
    const nodes = await s.run('node list -o json');
    expect(nodes.json()).toHaveLength(2);
    const r = await s.run('traffic inspect -o json');
    expect(r.code).toBe(0);
    const ips = new Set(r.json().flows.flatMap((f: { source: { ip: string } }) => [f.source.ip]));
    expect(ips.size).toBeGreaterThan(0);
    expect((await s.run('clock show -o json')).json().cluster).toBe('one');
    expect((await s.run('node list -g RG -n two -o json')).json()).toHaveLength(3);
    expect((await s.run('clock show --context two -o json')).code).toBe(1); // not merged: only RG/two names it
  });
  test('an unknown --context is one error line with one prefix', async () => {
    const r = await s.run('node list --context nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "ERROR: context was not found for specified context: nope (use a context from 'aks-wg cluster get-credentials' or RG/NAME) (or pass -g RG -n NAME)\n",
    );
  });
});
