import { TRANSIT_ENCRYPTION_TYPES, type TransitEncryptionType } from '../../aks/consts.js';
import { applyUpdate, checkSomethingToUpdate, type UpdateInput } from '../../aks/update.js';
import { managedClusterView } from '../../cluster/clock.js';
import type { CommandSpec } from '../../cli/command.js';
import { openStore, readCluster, writeCluster } from '../../cluster/repo.js';
import { syncWorkloads } from '../../cluster/workloads-store.js';
import { CLUSTER_NAME, clusterTable, flag, NO_WAIT, RESOURCE_GROUP, str, YES, spinUnlessNoWait } from '../common.js';

export const clusterUpdate: CommandSpec = {
  path: ['cluster', 'update'],
  summary: 'Update a managed Kubernetes cluster (az aks update).',
  flags: [
    RESOURCE_GROUP,
    CLUSTER_NAME,
    { long: 'enable-acns', kind: 'switch', help: 'Enable Advanced Container Networking Services.' },
    { long: 'disable-acns', kind: 'switch', help: 'Disable all Advanced Container Networking Services features.' },
    { long: 'disable-acns-observability', kind: 'switch', help: 'Disable advanced networking observability features.' },
    { long: 'disable-acns-security', kind: 'switch', help: 'Disable advanced networking security features.' },
    {
      long: 'acns-transit-encryption-type',
      kind: 'enum',
      choices: TRANSIT_ENCRYPTION_TYPES,
      help: 'Configures pod-to-pod encryption for Cilium-based clusters. Valid values are "WireGuard" and "None"; it can be used on its own to modify the transit encryption type for an existing ACNS-enabled cluster.',
    },
    { long: 'enable-wireguard', kind: 'switch', help: 'aks-wg shorthand for --enable-acns --acns-transit-encryption-type WireGuard.' },
    { long: 'disable-wireguard', kind: 'switch', help: 'aks-wg shorthand for --acns-transit-encryption-type None.' },
    {
      long: 'encryption-strict-egress-cidr',
      kind: 'string',
      help: "Cilium's encryption strict mode (egress): drop unencrypted pod-to-pod traffic to this IPv4 CIDR (UNENCRYPTED_TRAFFIC). Requires WireGuard. Pass '' to turn it off.",
    },
    YES,
    NO_WAIT,
  ],
  output: { table: clusterTable },
  examples: [
    'aks-wg cluster update --resource-group RG --name C --enable-acns --acns-transit-encryption-type wireguard',
    'aks-wg cluster update -g RG -n C --disable-wireguard',
    'aks-wg cluster update -g RG -n C --encryption-strict-egress-cidr 10.244.0.0/16',
  ],
  async run({ env, args, ui }) {
    const rg = str(args['resourceGroup'])!;
    const name = str(args['name'])!;
    const input: UpdateInput = {
      enableAcns: flag(args['enableAcns']),
      disableAcns: flag(args['disableAcns']),
      disableAcnsObservability: flag(args['disableAcnsObservability']),
      disableAcnsSecurity: flag(args['disableAcnsSecurity']),
      acnsTransitEncryptionType: str(args['acnsTransitEncryptionType']) as TransitEncryptionType | undefined,
      enableWireguard: flag(args['enableWireguard']),
      disableWireguard: flag(args['disableWireguard']),
      encryptionStrictEgressCidr: str(args['encryptionStrictEgressCidr']),
    };
    // az checks for "nothing to update" before it reads the cluster.
    checkSomethingToUpdate(input);
    const { checkStrictEgressCidr, updateAgents } = await import('../../cilium/update.js');
    checkStrictEgressCidr(input.encryptionStrictEgressCidr);
    const store = openStore(env);
    const mc = await spinUnlessNoWait({ args, ui }, 'Running ..', (spinner) =>
      store.mutate((tx) => {
        const doc = readCluster(tx, rg, name);
        doc.managedCluster = applyUpdate(doc.managedCluster, input);
        writeCluster(tx, doc);
        syncWorkloads(tx, doc);
        updateAgents(tx, doc, input.encryptionStrictEgressCidr, { rng: env.rng, wait: !args['noWait'], spinner, ui });
        return managedClusterView(doc);
      }),
    );
    return args['noWait'] ? undefined : mc;
  },
};
