import type { CommandSpec } from '../command.js';
import { removeNodes } from '../../cluster/nodes.js';
import { openStore, readCluster, writeCluster } from '../../repo/cluster.js';
import { syncWorkloads } from '../../repo/workloads.js';
import { ServiceError } from '../../errors.js';
import { NO_WAIT, RESOURCE_GROUP, str, YES, spinUnlessNoWait } from '../common.js';
import { CLUSTER_NAME_FLAG, findPool, POOL_NAME_FLAG } from './shared.js';

export const nodepoolDelete: CommandSpec = {
  path: ['nodepool', 'delete'],
  summary: 'Delete the node pool in the managed Kubernetes cluster (az aks nodepool delete).',
  flags: [RESOURCE_GROUP, CLUSTER_NAME_FLAG, POOL_NAME_FLAG, YES, NO_WAIT],
  examples: ['aks-wg nodepool delete -g RG --cluster-name C -n pool2'],
  async run({ env, args, ui }) {
    const rg = str(args['resourceGroup'])!;
    const cluster = str(args['clusterName'])!;
    const name = str(args['name'])!;
    const { rekeyedWarning } = await import('../../cilium/sync.js');
    const { syncCilium } = await import('../../repo/cilium.js');
    let rekeyed: string[] = [];
    const store = openStore(env);
    await spinUnlessNoWait({ args, ui }, 'Running ..', () =>
      store.mutate((tx) => {
        const doc = readCluster(tx, rg, cluster);
        const mc = doc.managedCluster;
        const profile = findPool(mc, name);
        if (profile.mode === 'System' && !mc.agentPoolProfiles.some((p) => p !== profile && p.mode === 'System')) {
          throw new ServiceError(
            'OperationNotAllowed',
            `Cannot delete agent pool '${name}': it is the cluster's only System pool, and a cluster must keep at least one System agent pool.`,
          );
        }
        removeNodes(doc, name, profile.count);
        mc.agentPoolProfiles = mc.agentPoolProfiles.filter((p) => p !== profile);
        delete doc.nextInstance[name];
        writeCluster(tx, doc);
        syncWorkloads(tx, doc);
        rekeyed = syncCilium(tx, doc, env.rng).rekeyed;
      }),
    );
    const warning = rekeyedWarning(rekeyed);
    if (warning) ui.warn(warning);
    return undefined;
  },
};
