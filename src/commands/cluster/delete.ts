import type { CommandSpec } from '../command.js';
import { deleteCluster, openStore, readCluster } from '../../repo/cluster.js';
import { CommandError } from '../../errors.js';
import { CLUSTER_NAME, NO_WAIT, RESOURCE_GROUP, str, YES, spinUnlessNoWait } from '../common.js';

export const clusterDelete: CommandSpec = {
  path: ['cluster', 'delete'],
  summary: 'Delete a managed Kubernetes cluster (az aks delete).',
  flags: [RESOURCE_GROUP, CLUSTER_NAME, YES, NO_WAIT],
  examples: ['aks-wg cluster delete -g RG -n C --yes'],
  async run({ env, args, ui }) {
    const rg = str(args['resourceGroup'])!;
    const name = str(args['name'])!;
    if (!args['yes']) {
      // knack prompts only when stdin is a terminal.
      if (!env.stdin.isTTY) {
        ui.warn('Unable to prompt for confirmation as no tty available. Use --yes.');
        throw new CommandError('Operation cancelled.');
      }
      if (!(await ui.confirm('Are you sure you want to perform this operation? (y/n): '))) throw new CommandError('Operation cancelled.');
    }
    const store = openStore(env);
    await spinUnlessNoWait({ args, ui }, 'Running ..', () =>
      store.mutate((tx) => {
        readCluster(tx, rg, name);
        deleteCluster(tx, rg, name);
      }),
    );
    return undefined;
  },
};
