import { DEFAULT_NODE_COUNT } from '../../aks/consts.js';
import { checkClusterCount, checkPoolCount } from '../../aks/validators.js';
import type { CommandSpec } from '../command.js';
import { scaleNodes } from '../../cluster/nodes.js';
import { openStore, readCluster, writeCluster } from '../../repo/cluster.js';
import { syncWorkloads } from '../../repo/workloads.js';
import { ValidationError } from '../../errors.js';
import { NO_WAIT, num, RESOURCE_GROUP, str, spinUnlessNoWait } from '../common.js';
import { agentPoolView, CLUSTER_NAME_FLAG, findPool, POOL_NAME_FLAG, poolTable } from './shared.js';

export const nodepoolScale: CommandSpec = {
  path: ['nodepool', 'scale'],
  summary: 'Scale the node pool in a managed Kubernetes cluster (az aks nodepool scale).',
  flags: [
    RESOURCE_GROUP,
    CLUSTER_NAME_FLAG,
    POOL_NAME_FLAG,
    { long: 'node-count', short: 'c', kind: 'int', default: DEFAULT_NODE_COUNT, help: 'Number of nodes in the Kubernetes node pool.' },
    NO_WAIT,
  ],
  output: { table: poolTable },
  examples: ['aks-wg nodepool scale -g RG --cluster-name C -n nodepool1 -c 5'],
  async run({ env, args, ui }) {
    const rg = str(args['resourceGroup'])!;
    const cluster = str(args['clusterName'])!;
    const name = str(args['name'])!;
    const count = num(args['nodeCount'])!;
    const { rekeyedWarning } = await import('../../cilium/sync.js');
    const { syncCilium } = await import('../../repo/cilium.js');
    let rekeyed: string[] = [];
    const store = openStore(env);
    const pool = await spinUnlessNoWait({ args, ui }, 'Running ..', () =>
      store.mutate((tx) => {
        const doc = readCluster(tx, rg, cluster);
        const mc = doc.managedCluster;
        const profile = findPool(mc, name);
        if (profile.count === count) throw new ValidationError('The new node count is the same as the current node count.');
        checkPoolCount(name, profile.mode, count);
        checkClusterCount(doc.nodes.length - profile.count + count);
        scaleNodes(doc, name, count, profile.vmSize);
        profile.count = count;
        writeCluster(tx, doc);
        syncWorkloads(tx, doc);
        rekeyed = syncCilium(tx, doc, env.rng).rekeyed;
        return agentPoolView(mc, profile);
      }),
    );
    const warning = rekeyedWarning(rekeyed);
    if (warning) ui.warn(warning);
    return args['noWait'] ? undefined : pool;
  },
};
