import { agentPoolProfile } from '../../aks/create.js';
import { DEFAULT_NODE_COUNT, DEFAULT_VM_SIZE, MAX_PODS_KUBENET, MAX_PODS_OVERLAY, NODEPOOL_MODES, type NodepoolMode } from '../../aks/consts.js';
import { checkMaxPods } from '../../aks/network.js';
import { checkClusterCount, checkPoolCount, validateNodepoolName } from '../../aks/validators.js';
import type { CommandSpec } from '../command.js';
import { addNodes } from '../../cluster/nodes.js';
import { openStore, readCluster, writeCluster } from '../../repo/cluster.js';
import { syncWorkloads } from '../../repo/workloads.js';
import { CommandError } from '../../errors.js';
import { NO_WAIT, num, RESOURCE_GROUP, str, spinUnlessNoWait } from '../common.js';
import { agentPoolView, CLUSTER_NAME_FLAG, POOL_NAME_FLAG, poolTable } from './shared.js';

export const nodepoolAdd: CommandSpec = {
  path: ['nodepool', 'add'],
  summary: 'Add a node pool to the managed Kubernetes cluster (az aks nodepool add).',
  flags: [
    RESOURCE_GROUP,
    CLUSTER_NAME_FLAG,
    POOL_NAME_FLAG,
    { long: 'node-count', short: 'c', kind: 'int', default: DEFAULT_NODE_COUNT, help: 'Number of nodes in the Kubernetes agent pool.' },
    { long: 'mode', kind: 'enum', choices: NODEPOOL_MODES, default: 'User', help: 'The mode for a node pool.' },
    { long: 'node-vm-size', short: 's', aliases: ['vm-size'], kind: 'string', default: DEFAULT_VM_SIZE, help: 'Size of Virtual Machines to create as Kubernetes nodes (alias --vm-size; it decides which nodes Azure VNet encryption covers in --compare).' },
    { long: 'max-pods', short: 'm', kind: 'int', help: 'The maximum number of pods deployable to a node.' },
    NO_WAIT,
  ],
  output: { table: poolTable },
  examples: ['aks-wg nodepool add -g RG --cluster-name C -n pool2 -c 5'],
  async run({ env, args, ui }) {
    const rg = str(args['resourceGroup'])!;
    const cluster = str(args['clusterName'])!;
    const name = str(args['name'])!;
    const count = num(args['nodeCount'])!;
    const mode = str(args['mode']) as NodepoolMode;
    validateNodepoolName(name, '--name');
    const { rekeyedWarning } = await import('../../cilium/sync.js');
    const { syncCilium } = await import('../../repo/cilium.js');
    let rekeyed: string[] = [];
    const store = openStore(env);
    const pool = await spinUnlessNoWait({ args, ui }, 'Running ..', () =>
      store.mutate((tx) => {
        const doc = readCluster(tx, rg, cluster);
        const mc = doc.managedCluster;
        if (mc.agentPoolProfiles.some((p) => p.name === name)) {
          throw new CommandError(
            `Node pool ${name} already exists, please try a different name, use 'aks-wg nodepool list' to get current list of node pool`,
          );
        }
        checkPoolCount(name, mode, count);
        checkClusterCount(doc.nodes.length + count);
        const maxPods = num(args['maxPods']);
        if (maxPods !== undefined) checkMaxPods(name, maxPods, mc.networkProfile.networkPlugin);
        const profile = agentPoolProfile({
          name,
          count,
          mode,
          vmSize: str(args['nodeVmSize'])!,
          maxPods: maxPods ?? (mc.networkProfile.networkPlugin === 'kubenet' ? MAX_PODS_KUBENET : MAX_PODS_OVERLAY),
          version: mc.kubernetesVersion,
          current: mc.currentKubernetesVersion,
        });
        addNodes(doc, name, count, profile.vmSize);
        mc.agentPoolProfiles.push(profile);
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
