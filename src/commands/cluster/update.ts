import { TRANSIT_ENCRYPTION_TYPES, type TransitEncryptionType } from '../../aks/consts.js';
import { applyUpdate, checkSomethingToUpdate, type UpdateInput } from '../../aks/update.js';
import { managedClusterView } from '../../cluster/clock.js';
import type { CommandSpec } from '../command.js';
import { openStore, readCluster, writeCluster } from '../../repo/cluster.js';
import { syncWorkloads } from '../../repo/workloads.js';
import { wireguardConfigured, type ManagedCluster } from '../../aks/model.js';
import { CLUSTER_NAME, clusterTable, flag, NO_WAIT, RESOURCE_GROUP, spinUnlessNoWait, str, withStrictMode, YES } from '../common.js';

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
    const { checkStrictEgressCidr } = await import('../../cilium/update.js');
    const { updateAgents } = await import('../../repo/cilium.js');
    checkStrictEgressCidr(input.encryptionStrictEgressCidr);
    const store = openStore(env);
    const warnings: string[] = [];
    const { mc, strict } = await spinUnlessNoWait({ args, ui }, 'Running ..', (spinner) =>
      store.mutate((tx) => {
        const doc = readCluster(tx, rg, name);
        const before = doc.managedCluster;
        doc.managedCluster = applyUpdate(before, input);
        warnings.push(...encryptionOffWarnings(before, doc.managedCluster, input));
        writeCluster(tx, doc);
        syncWorkloads(tx, doc);
        const strict = updateAgents(tx, doc, input.encryptionStrictEgressCidr, { rng: env.rng, wait: !args['noWait'], spinner, ui });
        return { mc: managedClusterView(doc), strict };
      }),
    );
    for (const w of warnings) ui.warn(w);
    if (strict.cleared) {
      ui.warn(
        `Cilium's encryption strict mode (egress, ${strict.cleared}) was turned off with WireGuard: strict mode only applies to WireGuard traffic, so unencrypted pod-to-pod traffic is no longer dropped. Turn WireGuard on again, then set --encryption-strict-egress-cidr again.`,
      );
    }
    return args['noWait'] ? undefined : withStrictMode(mc, strict.now);
  },
};

/**
 * WARNINGs for an update that turns WireGuard off as a side effect: ACNS security (`--disable-acns-security`) or
 * ACNS itself (`--disable-acns`) carries transit encryption, so disabling it on a WireGuard cluster drops WireGuard.
 */
function encryptionOffWarnings(before: ManagedCluster, after: ManagedCluster, input: UpdateInput): string[] {
  if (!wireguardConfigured(before) || wireguardConfigured(after)) return [];
  const by = input.disableAcns ? '--disable-acns' : input.disableAcnsSecurity ? '--disable-acns-security' : undefined;
  if (!by) return [];
  return [
    `${by} turns WireGuard transit encryption off: transit encryption is part of ACNS ${by === '--disable-acns' ? '' : 'security '}on AKS. Pod-to-pod traffic between nodes now crosses the network in plaintext.`.replace('ACNS  on', 'ACNS on'),
  ];
}
