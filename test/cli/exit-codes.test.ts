/**
 * Issue 12 item 9: one rule for values everywhere, as az's. A value that does not parse as its type exits 2 (argparse);
 * a value that parses but is out of range exits 1 (a validator), and the message echoes the value as typed.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { run, session } from '../helpers/cli.js';
import { removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

const DURATION_HINT = '(expected a number with a unit ms, s, m or h, e.g. 90s, 10m, 1h30m, 500ms)';

describe('values that do not parse as their type exit 2, before anything runs', () => {
  test.each([
    ['traffic inspect -g RG -n C --duration 10x', `ERROR: argument --duration: invalid duration value: '10x' ${DURATION_HINT}\n`],
    ['traffic inspect -g RG -n C --duration 1m --interval 5x', `ERROR: argument --interval: invalid duration value: '5x' ${DURATION_HINT}\n`],
    ['traffic inspect -g RG -n C --from a/b --to c/d --port abc', "ERROR: argument --port: invalid int value: 'abc'\n"],
    ['traffic inspect -g RG -n C --all-pairs --sample abc', "ERROR: argument --sample: invalid int value: 'abc'\n"],
    ['clock advance 10x -g RG -n C', `ERROR: argument DURATION: invalid duration value: '10x' ${DURATION_HINT}\n`],
    ['cluster create -g RG -n C -c three', "ERROR: argument --node-count/-c: invalid int value: 'three'\n"],
    ['nodepool scale -g RG --cluster-name C -n p -c 1.5', "ERROR: argument --node-count/-c: invalid int value: '1.5'\n"],
    ['wg ping 10.0.0.1 --private-key k --peer p --endpoint 127.0.0.1:1 --address 10.0.0.2 -c abc', "ERROR: argument --count/-c: invalid int value: 'abc'\n"],
    ['wg listen --private-key k --peer p --allowed-ips 10.0.0.2/32 --address 10.0.0.1 --listen-port x', "ERROR: argument --listen-port: invalid int value: 'x'\n"],
    ['traffic inspect -g RG -n C --protocol SCTP --from a/b --to c/d', "ERROR: aks-wg traffic inspect: 'SCTP' is not a valid value for '--protocol'. Allowed values: ICMP, TCP, UDP.\n"],
  ])('%s', async (argv, stderr) => {
    const r = await run(argv);
    expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: 2, stderr, stdout: '' });
  });

  test('a parse error wins over an out-of-range value given earlier on the line', async () => {
    const r = await run('traffic inspect -g RG -n C --from a/b --to c/d --port 70000 --duration 10x');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ERROR: argument --duration: invalid duration value: '10x'/);
  });
});

describe('values that parse but are out of range exit 1, echoed as typed', () => {
  test.each([
    ['traffic inspect -g RG -n C --from a/b --to c/d --port 70000', 'ERROR: --port must be from 1 to 65535, got 70000\n'],
    ['traffic inspect -g RG -n C --from a/b --to c/d --port 0', 'ERROR: --port must be from 1 to 65535, got 0\n'],
    ['traffic inspect -g RG -n C --all-pairs --sample 0', 'ERROR: --sample must be from 1 to 100000000, got 0\n'],
    ['traffic inspect -g RG -n C --all-pairs --sample 99999999999999999999999', 'ERROR: --sample must be from 1 to 100000000, got 99999999999999999999999\n'],
    ['traffic inspect -g RG -n C --duration 1000000h', "ERROR: --duration: invalid duration '1000000h' (longer than 100 years)\n"],
    ['clock advance 1000000h -g RG -n C', "ERROR: DURATION: invalid duration '1000000h' (longer than 100 years)\n"],
    ['wg ping 10.0.0.1 --private-key k --peer p --endpoint 127.0.0.1:1 --address 10.0.0.2 -c 0', 'ERROR: --count must be from 1 to 2147483647, got 0\n'],
    ['wg ping 10.0.0.1 --private-key k --peer p --endpoint 127.0.0.1:1 --address 10.0.0.2 --timeout 9999999', 'ERROR: --timeout must be from 1 to 2147483, got 9999999\n'],
    ['wg listen --private-key k --peer p --allowed-ips 10.0.0.2/32 --address 10.0.0.1 --listen-port 70000', 'ERROR: --listen-port must be from 1 to 65535, got 70000\n'],
  ])('%s', async (argv, stderr) => {
    const r = await run(argv);
    expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: 1, stderr, stdout: '' });
  });

  test('a good duration still reaches the command (the flag gives milliseconds)', async () => {
    const s = session();
    expect((await s.run('cluster create -g RG -n C --enable-wireguard -c 2 -o none')).code).toBe(0);
    const r = await s.run('traffic inspect -g RG -n C --duration 3s --interval 1s --query summary.total -o json');
    expect(r.code).toBe(0);
    expect(Number(r.stdout)).toBeGreaterThan(0);
  });
});

describe('plurals (issue 12 item 17)', () => {
  test('plural() picks the noun by the count and groups thousands', async () => {
    const { plural } = await import('../../src/plural.js');
    expect([plural(0, 'flow'), plural(1, 'flow'), plural(2, 'flow'), plural(1, 'reply', 'replies'), plural(1234, 'node')]).toEqual([
      '0 flows',
      '1 flow',
      '2 flows',
      '1 reply',
      '1,234 nodes',
    ]);
  });
  test('a one-flow inspect summary says "1 flow"', async () => {
    const s = session();
    expect((await s.run('cluster create -g RG -n C --enable-wireguard -c 2 -o none')).code).toBe(0);
    const pods = (await s.run('kubectl get pods -n kube-system -l k8s-app=kube-dns -o name --context RG/C')).stdout.trim().split('\n');
    const [a, b] = pods.map((p) => `kube-system/${p.split('/')[1]}`);
    const r = await s.run(['traffic', 'inspect', '-g', 'RG', '-n', 'C', '--from', a!, '--to', b!]);
    expect(r.stdout.trimEnd().split('\n').pop()).toMatch(/^1 flow: inter-node 1; encrypted 1 of 1 \(100%\)$/);
  });
});
