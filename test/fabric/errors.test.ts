// Bad input to traffic inspect: one-line errors, exit 1 or 2 (3 for a missing cluster), and no state change.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFiles, removeTempDirs } from '../helpers/tmp.js';
import { makeCluster, type Cluster } from './helpers.js';

afterAll(removeTempDirs);

let c: Cluster;
let a: string;
let b: string;
beforeAll(async () => {
  c = await makeCluster('wireguard', 'errors');
  const web = (await c.pods()).filter((p) => p.name.startsWith('web-'));
  a = `default/${web[0]!.name}`;
  b = `default/${web[1]!.name}`;
  const files: Record<string, string> = {
    'bad-yaml.yaml': '- from: x\n  to: [y\n',
    'bad-port.yaml': `- {from: ${a}, to: ${b}, port: 70000}\n`,
    'bad-proto.yaml': `- {from: ${a}, to: ${b}, protocol: SCTP}\n`,
    'bad-ip.yaml': `- {from: ${a}, to: 10.0.0.300}\n`,
    'bad-shape.yaml': 'from: x\n',
    'unknown-pod.yaml': `- {from: ${a}, to: ${b}}\n- {from: default/ghost, to: ${b}}\n`,
    'extra-field.yaml': `- {from: ${a}, to: ${b}, color: red}\n`,
  };
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(c.dir, name), text);
});

const CASES: [string, number, RegExp][] = [
  ['--from default/ghost --to B', 1, /^ERROR: from 'default\/ghost': no pod 'ghost' in namespace 'default'\n$/],
  ['--from A --to node/ghost', 1, /^ERROR: to 'node\/ghost': no node named 'ghost' in the cluster\n$/],
  ['--from A --to svc/default/ghost', 1, /^ERROR: to 'svc\/default\/ghost': no service 'ghost' in namespace 'default'\n$/],
  ['--from A --to 10.244.9.9', 1, /^ERROR: to '10\.244\.9\.9': no pod, node or service has this address \(it is inside the cluster range 10\.244\.0\.0\/16\)\n$/],
  ['--from 999.1.1.1 --to A', 1, /^ERROR: from '999\.1\.1\.1': not a valid IPv4 address\n$/],
  ['--from a/b/c/d --to A', 1, /^ERROR: from 'a\/b\/c\/d': malformed selector/],
  ['--from A --to svc/default/web --protocol ICMP', 1, /ClusterIP services do not answer ICMP/],
  ['--from A --to svc/default/web --port 81', 1, /service default\/web has no port 81 \(ports: 80\/TCP\)/],
  ['--from A --to A', 1, /a flow needs two different endpoints/],
  ['--to A', 2, /^ERROR: --to requires --from\n$/],
  ['--all-pairs --flows x.yaml', 2, /cannot be used together/],
  ['--port 80', 2, /--port and --protocol go with --from\/--to/],
  ['--sample 5', 2, /--sample goes with --all-pairs/],
  ['--interval 1s', 2, /--interval goes with --duration/],
  ['--duration 10x', 2, /^ERROR: argument --duration: invalid duration value: '10x'/],
  ['--duration 0s', 1, /--duration must be longer than 0s/],
  ['--from A --to B --port 0', 1, /--port must be from 1 to 65535/],
  ['--protocol SCTP --from A --to B', 2, /'SCTP' is not a valid value for '--protocol'/],
  ['--capture nodir/cap.pcap', 1, /^ERROR: --capture nodir\/cap\.pcap: directory .*nodir does not exist\n$/],
  ['--keylog nodir/keys.txt', 1, /--keylog nodir\/keys\.txt: directory .* does not exist/],
  ['--flows missing.yaml', 1, /^ERROR: --flows .*missing\.yaml: no such file\n$/],
  ['--flows bad-yaml.yaml', 1, /^ERROR: flows file .*bad-yaml\.yaml: line \d+ column \d+: /],
  ['--flows bad-port.yaml', 1, /entry 1: port must be an integer from 1 to 65535, got 70000/],
  ['--flows bad-proto.yaml', 1, /entry 1: protocol must be one of TCP, UDP, ICMP, got "SCTP"/],
  ['--flows bad-ip.yaml', 1, /entry 1: to '10\.0\.0\.300': not a valid IPv4 address/],
  ['--flows bad-shape.yaml', 1, /expected a list of \{from, to, protocol, port\}/],
  ['--flows unknown-pod.yaml', 1, /entry 2: from 'default\/ghost': no pod 'ghost'/],
  ['--flows extra-field.yaml', 1, /unknown field 'color'/],
];

describe('bad input', () => {
  test.each(CASES)('traffic inspect %s → exit %d', async (args, code, message) => {
    const home = path.join(c.dir, 'state');
    const snapshot = () => listFiles(home).map((f) => `${f}:${fs.readFileSync(path.join(home, f)).toString('base64')}`);
    const before = snapshot();
    const r = await c.run(`traffic inspect -g rg -n c ${args.replace(/\bA\b/g, a).replace(/\bB\b/g, b)}`);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(snapshot()).toEqual(before);
    expect(fs.existsSync(path.join(c.dir, 'nodir'))).toBe(false);
  });

  test('a cluster that does not exist is ARM not-found (exit 3)', async () => {
    const r = await c.run('traffic inspect -g rg -n nope');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/ResourceNotFound/);
  });
});
