import type { CommandSpec } from '../command.js';
import { openStore, readCluster } from '../../repo/cluster.js';
import { ValidationError } from '../../errors.js';
import { str } from '../common.js';
import { NODE_CLUSTER_NAME, NODE_CONTEXT, NODE_RESOURCE_GROUP, targetCluster } from './shared.js';

export const nodeAddRogue: CommandSpec = {
  path: ['node', 'add-rogue'],
  summary: 'Attach a machine to the node subnet with its own WireGuard key that no CiliumNode lists; every node drops its WireGuard packets.',
  flags: [
    NODE_RESOURCE_GROUP,
    NODE_CLUSTER_NAME,
    NODE_CONTEXT,
    { long: 'rogue-name', kind: 'string', default: 'rogue-vm', help: 'Name of the rogue machine (replaces an earlier one).' },
  ],
  examples: ['aks-wg node add-rogue -g RG -n C', 'aks-wg node add-rogue -g RG -n C --rogue-name intruder'],
  async run({ env, args, ui }) {
    const rogueName = str(args['rogueName'])!;
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(rogueName)) {
      throw new ValidationError(`--rogue-name: '${rogueName}' is not a valid machine name (lower-case letters, digits and '-', at most 63 characters)`);
    }
    const store = openStore(env);
    const { rg, name } = await targetCluster(store, args);
    const { addRogue } = await import('../../repo/cilium.js');
    const rogue = await ui.spin('Running ..', () =>
      store.mutate((tx) => {
        const doc = readCluster(tx, rg, name);
        try {
          return addRogue(tx, doc, rogueName, env.rng);
        } catch (e) {
          if (e instanceof RangeError) throw new ValidationError(e.message);
          throw e;
        }
      }),
    );
    return { name: rogue.name, ip: rogue.ip, publicKey: rogue.publicKey, listenPort: rogue.listenPort, listedInCiliumNodes: false };
  },
};
