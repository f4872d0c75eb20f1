/**
 * `aks-wg node wg-showconf NODE`: the node's `wg showconf cilium_wg0`, as wg prints it. The private key shows as
 * `(hidden)` unless --show-keys is given; then a WARNING on stderr says what the output holds. For an imported cluster
 * the keys are the simulation's (the real private keys never leave the real nodes): stderr says so, with the real
 * public key the node published.
 */
import type { CommandSpec } from '../command.js';
import { PRINTED } from '../command.js';
import { ArgumentParseError, CommandError, NotFoundError } from '../../errors.js';
import { NODE_CLUSTER_NAME, NODE_CONTEXT, NODE_RESOURCE_GROUP, targetCluster } from './shared.js';

export const nodeWgShowconf: CommandSpec = {
  path: ['node', 'wg-showconf'],
  summary: "Print a node's `wg showconf cilium_wg0` (the private key only with --show-keys).",
  flags: [
    NODE_RESOURCE_GROUP,
    NODE_CLUSTER_NAME,
    NODE_CONTEXT,
    { long: 'show-keys', kind: 'switch', help: 'Print the private key instead of (hidden). Anyone holding it can decrypt the node’s WireGuard traffic.' },
  ],
  positionals: [{ name: 'NODE', required: true }],
  // the default is wg's config text; -o json|yaml|table|tsv and --query give the interface and peers as data
  // (public keys only: --show-keys applies to the text form)
  output: { default: 'text', extraFormats: ['text'], table: (r) => (r as { peers: { node: string; publicKey: string; endpoint: string }[] }).peers },
  examples: ['aks-wg node wg-showconf aks-nodepool1-12345678-vmss000000 -g RG -n C', 'aks-wg node wg-showconf aks-nodepool1-12345678-vmss000000 --show-keys > wg0.conf'],
  async run({ env, args, positionals, ui }) {
    const node = positionals[0]!;
    const { openStore } = await import('../../repo/cluster.js');
    const store = openStore(env);
    const { rg, name } = await targetCluster(store, args);
    const { loadSnapshot } = await import('../../repo/snapshot.js');
    const snap = loadSnapshot(store, rg, name);
    if (!snap.cluster.nodes.some((n) => n.name === node)) throw new NotFoundError(`node '${node}' not found in cluster ${rg}/${name}`);
    const config = snap.configs().get(node) ?? null;
    if (!config) throw new CommandError(`Unable to access interface: No such device (node ${node} runs no cilium_wg0: WireGuard is off on it)`);
    const [{ deviceOf }, { renderShowConf }] = await Promise.all([import('../../cilium/wg-show.js'), import('../../cilium/wg-render.js')]);
    const device = deviceOf(config, { now: () => snap.now }, env.rng);
    if (args['output'] !== 'text' || args['query'] !== undefined) {
      if (args['showKeys'] === true) throw new ArgumentParseError('--show-keys prints the private key in the text form only (drop -o/--query)');
      return {
        node,
        interface: 'cilium_wg0',
        publicKey: config.publicKey,
        listenPort: config.listenPort,
        mtu: config.mtu,
        peers: config.peers.map((p) => ({ node: p.node, publicKey: p.publicKey, endpoint: `${p.endpoint.address}:${p.endpoint.port}`, allowedIps: p.allowedIps })),
      };
    }
    const reveal = args['showKeys'] === true;
    const { loadImported } = await import('../../repo/imported.js');
    const imported = loadImported(store, rg, name);
    if (reveal) {
      ui.warn(`the output holds the private key of ${node}'s cilium_wg0${imported ? ' (a simulation key: this cluster was imported)' : ''}; anyone with it can decrypt that node's WireGuard traffic. Keep it out of logs and tickets.`);
    }
    if (imported) {
      const real = imported.nodes[node]?.publicKey;
      ui.info(`# imported cluster: keys are the simulation's; ${node} published ${real ? `public key ${real}` : 'no WireGuard key'} on the real cluster`);
    }
    env.stdout.write(renderShowConf(device, { revealKeys: reveal }));
    return PRINTED;
  },
};
