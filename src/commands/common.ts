/** Flags and helpers shared by the az-style commands. */
import { DEFAULT_SUBSCRIPTION_ID } from '../aks/consts.js';
import type { ManagedCluster } from '../aks/model.js';
import type { FlagSpec } from './command.js';
import type { Store } from '../state/store.js';
import type { Env } from '../platform/env.js';

export const RESOURCE_GROUP: FlagSpec = {
  long: 'resource-group',
  short: 'g',
  kind: 'string',
  required: true,
  help: 'Name of resource group.',
};
export const RESOURCE_GROUP_OPTIONAL: FlagSpec = { ...RESOURCE_GROUP, required: false };
export const CLUSTER_NAME: FlagSpec = { long: 'name', short: 'n', kind: 'string', required: true, help: 'Name of the managed cluster.' };
export const NO_WAIT: FlagSpec = { long: 'no-wait', kind: 'switch', help: 'Do not wait for the long-running operation to finish.' };
export const YES: FlagSpec = { long: 'yes', short: 'y', kind: 'switch', help: 'Do not prompt for confirmation.' };

/** The subscription that resource ids name: $AKS_WG_SUBSCRIPTION, else all zeros. */
export function subscriptionId(env: Env): string {
  return env.vars['AKS_WG_SUBSCRIPTION'] || DEFAULT_SUBSCRIPTION_ID;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
export const flag = (v: unknown): true | undefined => (v === true ? true : undefined);

/** az's `aks show` table: one row of the cluster's headline fields. */
export function clusterTableRow(mc: unknown): Record<string, unknown> {
  const m = mc as Record<string, unknown>;
  return {
    name: m['name'],
    location: m['location'],
    resourceGroup: m['resourceGroup'],
    kubernetesVersion: m['kubernetesVersion'],
    currentKubernetesVersion: m['currentKubernetesVersion'],
    provisioningState: m['provisioningState'],
    fqdn: m['fqdn'] ?? m['privateFqdn'],
  };
}

export const clusterTable = (result: unknown): unknown =>
  Array.isArray(result) ? result.map(clusterTableRow) : [clusterTableRow(result)];

/** The cluster's strict egress CIDR (Cilium strict mode), if on. */
export async function strictEgressOf(store: Store, mc: ManagedCluster): Promise<string | undefined> {
  const { loadCilium } = await import('../cilium/agents.js');
  return loadCilium(store, mc.resourceGroup, mc.name).strictEgressCidr;
}

/**
 * The managed cluster as `cluster show` and `cluster update` print it: az's object, plus aks-wg's `aksWg` with
 * Cilium's encryption strict mode (AKS has no property for it; it is shown wherever encryption is).
 */
export function withStrictMode(mc: ManagedCluster, strictEgressCidr: string | undefined): ManagedCluster & { aksWg: { encryptionStrictMode: { egress: { enabled: boolean; cidr: string | null } } } } {
  return { ...mc, aksWg: { encryptionStrictMode: { egress: { enabled: Boolean(strictEgressCidr), cidr: strictEgressCidr ?? null } } } };
}
