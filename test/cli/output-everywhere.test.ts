/**
 * Issue 12 item 13: `-o` and `--query` on every command that prints data, including a JSON form of
 * `cluster encryption-status` and of `node wg-showconf`.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadSpecs } from '../../src/cli/registry.js';
import { session } from '../helpers/cli.js';
import { removeTempDirs } from '../helpers/tmp.js';

/** Commands that take no -o/--query, and why. Everything else must take both. */
const WITHOUT_OUTPUT: Record<string, string> = {
  'cluster get-credentials': 'prints nothing on stdout (az prints its "Merged" line on stderr)',
  'kubectl get': "kubectl's own -o (wide|yaml|json|name)",
  'kubectl apply': "kubectl's own messages",
  'kubectl delete': "kubectl's own messages",
  'kubectl exec': 'the output of the command run in the pod',
  'lab exec': 'the output of the command run in the pod or node namespace',
  'kubectl describe': "kubectl's own text",
  'kubectl config': "kubectl's own text and -o",
  'wg genkey': "a key, as wg's",
  'wg pubkey': "a key, as wg's",
  'wg genpsk': "a key, as wg's",
  'wg ping': "ping's live lines",
  'wg listen': 'live lines until stopped',
  'completion': 'a shell script',
};

test('every command that prints data takes -o and --query', async () => {
  const specs = await loadSpecs();
  const missing = specs.filter((s) => s.output === false && !(s.path.join(' ') in WITHOUT_OUTPUT)).map((s) => s.path.join(' '));
  expect(missing).toEqual([]);
});

let s: ReturnType<typeof session>;
let node: string;
beforeAll(async () => {
  s = session();
  expect((await s.run('cluster create -g RG -n C --enable-wireguard -c 3 -o none')).code).toBe(0);
  node = (await s.run('node list -g RG -n C --query [0].name -o tsv')).stdout.trim();
}, 60_000);
afterAll(removeTempDirs);

describe('cluster encryption-status', () => {
  test("the default stays Cilium's text", async () => {
    const r = await s.run('cluster encryption-status -g RG -n C');
    expect([r.code, r.stdout]).toEqual([0, 'Encryption: Wireguard (3/3 nodes)\nEncryption strict mode (egress): Disabled\n']);
  });
  test('-o json gives the same facts as data', async () => {
    const r = await s.run('cluster encryption-status -g RG -n C -o json');
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({
      cluster: 'C',
      encryption: 'Wireguard',
      nodes: { disabled: 0, total: 3, wireguard: 3 },
      resourceGroup: 'RG',
      rogue: null,
      rollout: null,
      strictEgressCidr: null,
    });
  });
  test('--query without -o prints JSON, as az does', async () => {
    const r = await s.run('cluster encryption-status -g RG -n C --query nodes.wireguard');
    expect([r.code, r.stdout]).toEqual([0, '3\n']);
  });
  test('-o table and -o tsv', async () => {
    expect((await s.run('cluster encryption-status -g RG -n C -o table')).stdout).toBe('Encryption  Nodes\n----------  -----\nWireguard   3/3\n');
    expect((await s.run('cluster encryption-status -g RG -n C --query encryption -o tsv')).stdout).toBe('Wireguard\n');
  });
});

describe('node wg-showconf', () => {
  test('-o json: the interface and its peers, public keys only', async () => {
    const r = await s.run(['node', 'wg-showconf', node, '-g', 'RG', '-n', 'C', '-o', 'json']);
    expect(r.code).toBe(0);
    const conf = r.json();
    expect(conf).toMatchObject({ node, interface: 'cilium_wg0', listenPort: 51871, mtu: 1420 });
    expect(conf.peers).toHaveLength(2);
    expect(conf.peers[0].endpoint).toMatch(/^10\.224\.0\.\d+:51871$/);
    expect(JSON.stringify(conf)).not.toMatch(/private/i);
  });
  test('--show-keys with -o json is refused (the key goes only into the text form)', async () => {
    const r = await s.run(['node', 'wg-showconf', node, '-g', 'RG', '-n', 'C', '-o', 'json', '--show-keys']);
    expect([r.code, r.stdout]).toEqual([2, '']);
  });
  test('the default stays wg showconf text', async () => {
    const r = await s.run(['node', 'wg-showconf', node, '-g', 'RG', '-n', 'C']);
    expect(r.stdout).toMatch(/^\[Interface\]\nListenPort = 51871\n/);
  });
});
