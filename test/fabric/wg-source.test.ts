// The fabric's lazy view of the agents' configuration answers exactly as cilium/agents.ts wireguardConfigs.
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { wireguardConfigs } from '../../src/cilium/agents.js';
import { keyReader, loadCilium } from '../../src/repo/cilium-doc.js';
import { clusterNow } from '../../src/cluster/clock.js';
import { loadCluster } from '../../src/repo/cluster.js';
import { loadWorkloads } from '../../src/repo/workloads.js';
import { fabricSetup } from '../../src/commands/traffic/run-inspect.js';
import { wireGuardSource } from '../../src/fabric/wg-source.js';
import { parseIPv4 } from '../../src/net/ip.js';
import { SimClock } from '../../src/platform/clock.js';
import { Store } from '../../src/state/store.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { makeCluster } from './helpers.js';

afterAll(removeTempDirs);

async function compare(c: Awaited<ReturnType<typeof makeCluster>>) {
  const store = new Store({ fs: nodeFs, home: path.join(c.dir, 'state'), pid: process.pid, clock: new SimClock() });
  const doc = loadCluster(store, 'rg', 'c');
  const workloads = loadWorkloads(store, doc);
  const cilium = loadCilium(store, 'rg', 'c');
  const at = clusterNow(doc);
  const eager = wireguardConfigs({ cluster: doc, workloads, cilium, readKey: keyReader(store, 'rg', 'c') }, at);
  const lazy = wireGuardSource(fabricSetup(store, doc, workloads, cilium, at).wireguard);
  let peers = 0;
  for (const n of doc.nodes) {
    const config = eager.get(n.name) ?? null;
    const dev = lazy.device(n.name);
    if (!config) {
      expect(dev).toBeNull();
      continue;
    }
    expect(dev).toEqual({ node: config.node, privateKey: config.privateKey, publicKey: config.publicKey, listenPort: config.listenPort, mtu: config.mtu });
    for (const m of doc.nodes) {
      const want = config.peers.find((p) => p.node === m.name) ?? null;
      expect(lazy.peer(n.name, m.name)).toEqual(want);
      if (want) {
        peers++;
        for (const ip of want.allowedIps) expect(lazy.owner(parseIPv4(ip.split('/')[0]!))).toBe(m.name);
        expect(lazy.nodeOfKey(want.publicKey)).toBe(m.name);
      }
    }
  }
  return peers;
}

describe('the lazy configuration source', () => {
  test('answers as wireguardConfigs, before and after a node gets a new key', async () => {
    const c = await makeCluster('wireguard', 'source');
    expect(await compare(c)).toBe(6);
    const nodes = (await c.run('kubectl get nodes -o json')).json().items.map((n: any) => n.metadata.name);
    expect((await c.run(`node reimage -g rg -n c ${nodes[1]}`)).code).toBe(0);
    expect(await compare(c)).toBe(6);
  });

  test('during a rolling restart only the restarted agents have devices and peers', async () => {
    const c = await makeCluster('cilium-only', 'source-rolling');
    expect((await c.run('cluster update -g rg -n c --enable-wireguard --no-wait -o none')).code).toBe(0);
    expect(await compare(c)).toBe(0);
    expect((await c.run('clock advance -g rg -n c 20s')).code).toBe(0);
    expect(await compare(c)).toBe(2);
  });
});
