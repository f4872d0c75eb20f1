import { buildManagedCluster, validateCreateArgs, validateCreateService, type CreateInput } from '../../aks/create.js';
import {
  DEFAULT_DNS_SERVICE_IP,
  DEFAULT_NODE_COUNT,
  DEFAULT_NODE_SUBNET,
  DEFAULT_NODEPOOL_NAME,
  DEFAULT_POD_CIDR,
  NETWORK_DATAPLANES,
  NETWORK_PLUGIN_MODES,
  NETWORK_PLUGINS,
  TRANSIT_ENCRYPTION_TYPES,
} from '../../aks/consts.js';
import { SUPPORTED_KUBERNETES_MINORS } from '../../aks/network.js';
import type { CommandSpec } from '../command.js';
import { fnv1a, type ClusterDoc } from '../../cluster/doc.js';
import { parseCidr, parseIPv4 } from '../../net/ip.js';
import { addNodes } from '../../cluster/nodes.js';
import { openStore, tryReadCluster, writeCluster } from '../../repo/cluster.js';
import { syncWorkloads } from '../../repo/workloads.js';
import { CommandError, ValidationError } from '../../errors.js';
import { CLUSTER_NAME, clusterTable, flag, NO_WAIT, num, RESOURCE_GROUP, str, subscriptionId, spinUnlessNoWait } from '../common.js';
import type { NetworkDataplane, NetworkPlugin, TransitEncryptionType } from '../../aks/consts.js';

function cidrArg(value: string | undefined, flagName: string): void {
  if (value === undefined) return;
  try {
    parseCidr(value);
  } catch (e) {
    throw new ValidationError(`${flagName} ${(e as Error).message}`);
  }
}

function ipv4Arg(value: string | undefined, flagName: string): void {
  if (value === undefined) return;
  try {
    parseIPv4(value);
  } catch (e) {
    throw new ValidationError(`${flagName} ${(e as Error).message}`);
  }
}

export const clusterCreate: CommandSpec = {
  path: ['cluster', 'create'],
  summary: 'Create a new managed Kubernetes cluster (az aks create).',
  flags: [
    RESOURCE_GROUP,
    CLUSTER_NAME,
    { long: 'location', short: 'l', kind: 'string', help: 'Location. Default: eastus.' },
    { long: 'node-count', short: 'c', kind: 'int', default: DEFAULT_NODE_COUNT, help: 'Number of nodes in the Kubernetes node pool.' },
    { long: 'nodepool-name', kind: 'string', default: DEFAULT_NODEPOOL_NAME, help: 'Node pool name, up to 12 alphanumeric characters.' },
    { long: 'node-vm-size', short: 's', aliases: ['vm-size'], kind: 'string', help: 'Size of Virtual Machines to create as Kubernetes nodes (alias --vm-size; it decides which nodes Azure VNet encryption covers in --compare). Default: Standard_DS2_v2.' },
    { long: 'max-pods', short: 'm', kind: 'int', help: 'The maximum number of pods deployable to a node. Default: 250 (overlay), 110 (kubenet).' },
    { long: 'kubernetes-version', short: 'k', kind: 'string', help: `Version of Kubernetes to use for creating the cluster, such as "1.33". Default: 1.33. Supported: ${SUPPORTED_KUBERNETES_MINORS.join(', ')} (any patch).` },
    { long: 'network-plugin', kind: 'enum', choices: NETWORK_PLUGINS, help: 'The Kubernetes network plugin to use. Default: azure.' },
    { long: 'network-plugin-mode', kind: 'enum', choices: NETWORK_PLUGIN_MODES, help: 'The network plugin mode to use. Default: overlay (with azure).' },
    { long: 'network-dataplane', kind: 'enum', choices: NETWORK_DATAPLANES, help: 'The network dataplane to use. Default: azure (cilium with --enable-wireguard).' },
    { long: 'pod-cidr', kind: 'string', help: `A CIDR notation IP range from which to assign pod IPs. Default: ${DEFAULT_POD_CIDR} (a /24 per node).` },
    { long: 'service-cidr', kind: 'string', help: 'A CIDR notation IP range from which to assign service cluster IPs. Default: 10.0.0.0/16.' },
    { long: 'dns-service-ip', kind: 'string', help: `An IP address assigned to the Kubernetes DNS service. Default: ${DEFAULT_DNS_SERVICE_IP}.` },
    { long: 'enable-acns', kind: 'switch', help: 'Enable Advanced Container Networking Services.' },
    { long: 'disable-acns-observability', kind: 'switch', help: 'Used to disable advanced networking observability features on a clusters when enabling advanced networking features with "--enable-acns".' },
    { long: 'disable-acns-security', kind: 'switch', help: 'Used to disable advanced networking security features on a clusters when enabling advanced networking features with "--enable-acns".' },
    {
      long: 'acns-transit-encryption-type',
      kind: 'enum',
      choices: TRANSIT_ENCRYPTION_TYPES,
      help: 'Configures pod-to-pod encryption for Cilium-based clusters. Once enabled, all traffic between Cilium managed pods will be encrypted when it leaves the node boundary. Valid values are "WireGuard" and "None". On cluster creation, this must be used together with "--enable-acns".',
    },
    {
      long: 'enable-wireguard',
      kind: 'switch',
      help: 'aks-wg shorthand for --enable-acns --acns-transit-encryption-type WireGuard; without network flags it also selects --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium.',
    },
    { long: 'generate-ssh-keys', kind: 'switch', help: 'Accepted for compatibility with az; has no effect in the simulation.' },
    NO_WAIT,
  ],
  output: { table: clusterTable },
  examples: [
    'aks-wg cluster create -g RG -n C --enable-wireguard',
    'aks-wg cluster create --name C --resource-group RG --location eastus --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium --enable-acns --acns-transit-encryption-type wireguard --generate-ssh-keys',
  ],
  async run({ env, args, ui }) {
    const input: CreateInput = {
      resourceGroup: str(args['resourceGroup'])!,
      name: str(args['name'])!,
      location: str(args['location']),
      nodeCount: num(args['nodeCount'])!,
      nodepoolName: str(args['nodepoolName'])!,
      nodeVmSize: str(args['nodeVmSize']),
      maxPods: num(args['maxPods']),
      kubernetesVersion: str(args['kubernetesVersion']),
      networkPlugin: str(args['networkPlugin']) as NetworkPlugin | undefined,
      networkPluginMode: str(args['networkPluginMode']) as 'overlay' | undefined,
      networkDataplane: str(args['networkDataplane']) as NetworkDataplane | undefined,
      podCidr: str(args['podCidr']),
      serviceCidr: str(args['serviceCidr']),
      dnsServiceIp: str(args['dnsServiceIp']),
      enableAcns: flag(args['enableAcns']),
      disableAcnsObservability: flag(args['disableAcnsObservability']),
      disableAcnsSecurity: flag(args['disableAcnsSecurity']),
      acnsTransitEncryptionType: str(args['acnsTransitEncryptionType']) as TransitEncryptionType | undefined,
      enableWireguard: flag(args['enableWireguard']),
      subscriptionId: subscriptionId(env),
    };
    validateCreateArgs(input);
    cidrArg(input.podCidr, '--pod-cidr');
    cidrArg(input.serviceCidr, '--service-cidr');
    ipv4Arg(input.dnsServiceIp, '--dns-service-ip');
    validateCreateService(input, DEFAULT_NODE_SUBNET, { cidr: (t) => ({ text: t, ...parseCidr(t) }), ipv4: parseIPv4 });
    const { syncCilium } = await import('../../repo/cilium.js');
    const store = openStore(env);
    const mc = await spinUnlessNoWait({ args, ui }, 'Running ..', () =>
      store.mutate((tx) => {
        if (tryReadCluster(tx, input.resourceGroup, input.name)) {
          throw new CommandError(
            `The cluster '${input.name}' under resource group '${input.resourceGroup}' already exists. Please use command 'aks-wg cluster update' to update the existing cluster, or select a different cluster name to create a new cluster.`,
          );
        }
        const identity = `${input.resourceGroup.toLowerCase()}/${input.name.toLowerCase()}`;
        const mc = buildManagedCluster(input, fnv1a(`fqdn:${identity}`).toString(16).padStart(8, '0'));
        // one reading of the clock: two could straddle a millisecond and start the cluster 1 ms old
        const now = env.clock.now();
        const doc: ClusterDoc = {
          managedCluster: mc,
          nodeNameHash: String(fnv1a(`vmss:${identity}`) % 100_000_000).padStart(8, '0'),
          nodeSubnet: DEFAULT_NODE_SUBNET,
          podCidrPool: mc.networkProfile.podCidr ?? DEFAULT_POD_CIDR,
          nextInstance: {},
          nodes: [],
          createdMs: now,
          clockMs: now,
        };
        const pool = mc.agentPoolProfiles[0]!;
        addNodes(doc, pool.name, pool.count, pool.vmSize);
        writeCluster(tx, doc);
        syncWorkloads(tx, doc);
        syncCilium(tx, doc, env.rng);
        return mc;
      }),
    );
    return args['noWait'] ? undefined : mc;
  },
};
