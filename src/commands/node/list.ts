import type { CommandSpec } from '../command.js';
import { openStore } from '../../repo/cluster.js';
import { NODE_CLUSTER_NAME, NODE_CONTEXT, NODE_RESOURCE_GROUP, targetCluster } from './shared.js';

interface NodeRow {
  name: string;
  pool: string;
  ip: string;
  podCidr: string;
  kind: 'node' | 'rogue';
  encryption: 'Wireguard' | 'Disabled';
  publicKey: string | null;
  peers: number | null;
  /** Imported clusters: the key the real node published (its simulation key is `publicKey`). */
  importedPublicKey?: string | null;
}

export const nodeList: CommandSpec = {
  path: ['node', 'list'],
  summary: "List the cluster's nodes with their Cilium agent's WireGuard state (and a rogue machine, if attached).",
  flags: [NODE_RESOURCE_GROUP, NODE_CLUSTER_NAME, NODE_CONTEXT],
  output: {
    table: (r) =>
      (r as NodeRow[]).map((n) => ({ name: n.name, kind: n.kind, ip: n.ip, encryption: n.encryption, peers: n.peers ?? '', publicKey: n.publicKey ?? '' })),
  },
  examples: ['aks-wg node list -g RG -n C -o table'],
  async run({ env, args }) {
    const store = openStore(env);
    const { rg, name } = await targetCluster(store, args);
    const { loadSnapshot } = await import('../../repo/snapshot.js');
    const snap = loadSnapshot(store, rg, name);
    const configs = snap.configs();
    const rows: NodeRow[] = snap.cluster.nodes.map((n) => {
      const c = configs.get(n.name) ?? null;
      return {
        name: n.name,
        pool: n.pool,
        ip: n.ip,
        podCidr: n.podCidr,
        kind: 'node',
        encryption: c ? 'Wireguard' : 'Disabled',
        publicKey: c ? c.publicKey : null,
        peers: c ? c.peers.length : null,
      };
    });
    const { loadImported } = await import('../../repo/imported.js');
    const imported = loadImported(store, rg, name);
    if (imported) for (const r of rows) r.importedPublicKey = imported.nodes[r.name]?.publicKey ?? null;
    const rogue = snap.cilium.rogue;
    if (rogue) rows.push({ name: rogue.name, pool: '', ip: rogue.ip, podCidr: '', kind: 'rogue', encryption: 'Wireguard', publicKey: rogue.publicKey, peers: null });
    return rows;
  },
};
