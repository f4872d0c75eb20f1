import type { CommandSpec } from '../command.js';
import { openStore, readCluster } from '../../repo/cluster.js';
import { NotFoundError } from '../../errors.js';
import { NO_WAIT, spinUnlessNoWait } from '../common.js';
import { NODE_CLUSTER_NAME, NODE_CONTEXT, NODE_RESOURCE_GROUP, targetCluster } from './shared.js';

export const nodeReimage: CommandSpec = {
  path: ['node', 'reimage'],
  summary: "Reimage a node (az vmss reimage): it comes back with an empty /var/run, so its Cilium agent generates a new WireGuard key and every peer follows.",
  flags: [NODE_RESOURCE_GROUP, NODE_CLUSTER_NAME, NODE_CONTEXT, NO_WAIT],
  positionals: [{ name: 'NODE', required: true }],
  examples: ['aks-wg node reimage aks-nodepool1-12345678-vmss000001 -g RG -n C'],
  async run({ env, args, positionals, ui }) {
    const node = positionals[0]!;
    const store = openStore(env);
    const { rg, name } = await targetCluster(store, args);
    const { reimageNode } = await import('../../repo/cilium.js');
    const result = await spinUnlessNoWait({ args, ui }, `Reimaging ${node} ..`, () =>
      store.mutate((tx) => {
        const doc = readCluster(tx, rg, name);
        const record = doc.nodes.find((n) => n.name === node);
        if (!record) throw new NotFoundError(`node '${node}' not found in cluster ${rg}/${name}`);
        const { cilium, publicKey } = reimageNode(tx, doc, node, env.rng);
        const agent = cilium.agents[node];
        return {
          name: record.name,
          pool: record.pool,
          ip: record.ip,
          wireguard: publicKey === null ? null : { publicKey, keyGeneration: agent?.keyGeneration ?? 0 },
        };
      }),
    );
    if (result.wireguard && !args['noWait']) ui.info(`Node ${node} reimaged: its Cilium agent published a new WireGuard public key; all peers now use it.`);
    return args['noWait'] ? undefined : result;
  },
};
