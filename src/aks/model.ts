/**
 * The managed cluster as the service returns it (az's JSON shape, camelCase), plus the agent pool shape. Output
 * code sorts keys; this file only names them.
 */
import type { NetworkDataplane, NetworkPlugin, NodepoolMode, TransitEncryptionType } from './consts.js';

export interface AdvancedNetworking {
  enabled: boolean;
  observability: { enabled: boolean };
  security:
    | { enabled: false; advancedNetworkPolicies?: undefined; transitEncryption?: { type: TransitEncryptionType } }
    | { enabled: true; advancedNetworkPolicies: 'FQDN'; transitEncryption: { type: TransitEncryptionType } };
}

export interface NetworkProfile {
  advancedNetworking: AdvancedNetworking | null;
  dnsServiceIp: string;
  ipFamilies: string[];
  loadBalancerSku: string;
  networkDataplane: NetworkDataplane;
  networkPlugin: NetworkPlugin;
  networkPluginMode: 'overlay' | null;
  networkPolicy: string | null;
  outboundType: string;
  podCidr: string | null;
  podCidrs: string[] | null;
  serviceCidr: string;
  serviceCidrs: string[];
}

export interface AgentPoolProfile {
  count: number;
  currentOrchestratorVersion: string;
  maxPods: number;
  mode: NodepoolMode;
  name: string;
  orchestratorVersion: string;
  osSku: string;
  osType: 'Linux';
  powerState: { code: 'Running' };
  provisioningState: string;
  type: 'VirtualMachineScaleSets';
  vmSize: string;
}

export interface ManagedCluster {
  agentPoolProfiles: AgentPoolProfile[];
  currentKubernetesVersion: string;
  dnsPrefix: string;
  fqdn: string;
  id: string;
  kubernetesVersion: string;
  location: string;
  name: string;
  networkProfile: NetworkProfile;
  nodeResourceGroup: string;
  powerState: { code: 'Running' };
  provisioningState: string;
  resourceGroup: string;
  sku: { name: 'Base'; tier: 'Free' };
  type: string;
}

/** The agent pool as `az aks nodepool show` prints it. */
export interface AgentPool extends Omit<AgentPoolProfile, 'type'> {
  id: string;
  resourceGroup: string;
  type: string;
  typePropertiesType: 'VirtualMachineScaleSets';
}

/** Is WireGuard transit encryption configured (ACNS on, security on, type WireGuard, Cilium dataplane)? */
export function wireguardConfigured(mc: ManagedCluster): boolean {
  const acns = mc.networkProfile.advancedNetworking;
  return (
    mc.networkProfile.networkDataplane === 'cilium' &&
    Boolean(acns?.enabled) &&
    acns!.security.enabled &&
    acns!.security.transitEncryption?.type === 'WireGuard'
  );
}
