/**
 * `az aks create`: the set-up steps that turn validated inputs into the managed cluster the service returns.
 * Network defaults live in the getters below, so `--enable-wireguard` can tell "not passed" from "passed".
 */
import { ServiceError, ValidationError } from '../errors.js';
import { buildAdvancedNetworking, resolveAcns, type AcnsInput } from './acns.js';
import {
  DEFAULT_DNS_SERVICE_IP,
  DEFAULT_KUBERNETES_VERSION,
  DEFAULT_LOCATION,
  DEFAULT_POD_CIDR,
  DEFAULT_SERVICE_CIDR,
  DEFAULT_VM_SIZE,
  MANAGED_CLUSTER_TYPE,
  MAX_PODS_KUBENET,
  MAX_PODS_OVERLAY,
  type NetworkDataplane,
  type NetworkPlugin,
} from './consts.js';
import type { AgentPoolProfile, ManagedCluster, NetworkProfile } from './model.js';
import { checkAddressPlan, checkKubernetesVersionSupported, checkMaxPods, type Range } from './network.js';
import {
  checkClusterCount,
  checkPoolCount,
  validateClusterName,
  validateKubernetesVersion,
  validateNodepoolName,
  validateResourceGroupName,
} from './validators.js';

export interface CreateInput extends AcnsInput {
  resourceGroup: string;
  name: string;
  location?: string;
  nodeCount: number;
  nodepoolName: string;
  kubernetesVersion?: string;
  networkPlugin?: NetworkPlugin;
  networkPluginMode?: 'overlay';
  networkDataplane?: NetworkDataplane;
  podCidr?: string;
  serviceCidr?: string;
  dnsServiceIp?: string;
  nodeVmSize?: string;
  maxPods?: number;
  subscriptionId: string;
}

/** Client-side validators that run before anything else (az's argument validators). @throws ValidationError */
export function validateCreateArgs(input: CreateInput): void {
  validateResourceGroupName(input.resourceGroup);
  validateClusterName(input.name);
  validateNodepoolName(input.nodepoolName, '--nodepool-name');
  if (input.kubernetesVersion !== undefined) validateKubernetesVersion(input.kubernetesVersion);
}

/** Turns the text forms of addresses into numbers (src/net/ip.ts in production); throws on bad text. */
export interface AddressParser {
  cidr(text: string): Range;
  ipv4(text: string): number;
}

/**
 * The service's rules on what a create asks for, run before anything is stored: az's ACNS rules first (client
 * side), then the network choice, the Kubernetes version, the address plan (pod CIDR, service CIDR, DNS service IP,
 * node subnet) and maxPods.
 * @param nodeSubnet the subnet the cluster's nodes take their addresses from.
 * @throws ValidationError (az's rules) and ServiceError (the service's rules), first failure wins.
 */
export function validateCreateService(input: CreateInput, nodeSubnet: string, parse: AddressParser): void {
  resolveAcns(input, 'create');
  const net = networkChoice(input);
  checkKubernetesVersionSupported(input.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION);
  const podCidr = podCidrOf(input, net);
  const dns = input.dnsServiceIp ?? DEFAULT_DNS_SERVICE_IP;
  checkAddressPlan({
    podCidr: podCidr === null ? null : parse.cidr(podCidr),
    serviceCidr: parse.cidr(input.serviceCidr ?? DEFAULT_SERVICE_CIDR),
    dnsServiceIp: { text: dns, value: parse.ipv4(dns), given: input.dnsServiceIp !== undefined },
    nodeSubnet: parse.cidr(nodeSubnet),
  });
  if (input.maxPods !== undefined) checkMaxPods(input.nodepoolName, input.maxPods, net.plugin);
}

/** The pod CIDR a create stores: none for plugin none (or azure without overlay), else the flag or the default. */
function podCidrOf(input: CreateInput, net: ReturnType<typeof networkChoice>): string | null {
  return net.plugin === 'none' || (net.plugin === 'azure' && net.mode === null) ? null : (input.podCidr ?? DEFAULT_POD_CIDR);
}

/** The network profile's plugin settings, with --enable-wireguard's selection for flags not passed. */
function networkChoice(input: CreateInput): { plugin: NetworkPlugin; mode: 'overlay' | null; dataplane: NetworkDataplane } {
  const wg = Boolean(input.enableWireguard);
  const plugin = input.networkPlugin ?? 'azure';
  const dataplane = input.networkDataplane ?? (wg ? 'cilium' : 'azure');
  if (input.networkPluginMode && plugin !== 'azure') {
    throw new ServiceError('InvalidParameter', `--network-plugin-mode overlay requires --network-plugin azure; got '${plugin}'.`);
  }
  if (wg && input.networkDataplane === undefined && plugin !== 'azure') {
    // the user asked for WireGuard, not for a dataplane: say what WireGuard needs
    throw new ServiceError(
      'InvalidParameter',
      `--enable-wireguard needs the Cilium dataplane (--network-plugin azure --network-dataplane cilium): WireGuard transit encryption runs in Cilium, and --network-plugin ${plugin} has no Cilium dataplane.`,
    );
  }
  if (dataplane === 'cilium' && plugin !== 'azure') {
    throw new ServiceError('InvalidParameter', `--network-dataplane cilium requires --network-plugin azure; got '${plugin}'.`);
  }
  return { plugin, mode: plugin === 'azure' ? (input.networkPluginMode ?? 'overlay') : null, dataplane };
}

function dnsPrefix(name: string, rg: string, sub: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9-]/g, '');
  let prefix = `${clean(name).slice(0, 10)}-${clean(rg).slice(0, 16)}-${sub.slice(0, 6)}`;
  if (!/^[A-Za-z]/.test(prefix)) prefix = `a${prefix}`;
  return prefix;
}

/**
 * Build the managed cluster for a create request (after validateCreateArgs and the existence check).
 * @param hash8 eight hex digits that make the FQDN unique (derived by the caller from the cluster's identity).
 * @throws ValidationError (az's ACNS rules) and ServiceError (the service's rules).
 */
export function buildManagedCluster(input: CreateInput, hash8: string): ManagedCluster {
  const acns = resolveAcns(input, 'create');
  const net = networkChoice(input);
  checkPoolCount(input.nodepoolName, 'System', input.nodeCount);
  checkClusterCount(input.nodeCount);
  const podCidr = podCidrOf(input, net);
  const serviceCidr = input.serviceCidr ?? DEFAULT_SERVICE_CIDR;
  const networkProfile: NetworkProfile = {
    advancedNetworking: null,
    dnsServiceIp: input.dnsServiceIp ?? DEFAULT_DNS_SERVICE_IP,
    ipFamilies: ['IPv4'],
    loadBalancerSku: 'standard',
    networkDataplane: net.dataplane,
    networkPlugin: net.plugin,
    networkPluginMode: net.mode,
    networkPolicy: net.dataplane === 'cilium' ? 'cilium' : null,
    outboundType: 'loadBalancer',
    podCidr,
    podCidrs: podCidr ? [podCidr] : null,
    serviceCidr,
    serviceCidrs: [serviceCidr],
  };
  if (acns.enable) networkProfile.advancedNetworking = buildAdvancedNetworking(acns, networkProfile, null);
  else if (acns.transit !== undefined) throw new ValidationError('--acns-transit-encryption-type requires --enable-acns.');

  const version = input.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
  const current = version.split('.').length === 3 ? version : `${version}.0`;
  const location = (input.location ?? DEFAULT_LOCATION).toLowerCase().replace(/\s+/g, '');
  const prefix = dnsPrefix(input.name, input.resourceGroup, input.subscriptionId);
  const pool = agentPoolProfile({
    name: input.nodepoolName,
    count: input.nodeCount,
    mode: 'System',
    vmSize: input.nodeVmSize ?? DEFAULT_VM_SIZE,
    maxPods: input.maxPods ?? (net.plugin === 'kubenet' ? MAX_PODS_KUBENET : MAX_PODS_OVERLAY),
    version,
    current,
  });
  return {
    agentPoolProfiles: [pool],
    currentKubernetesVersion: current,
    dnsPrefix: prefix,
    fqdn: `${prefix.toLowerCase()}-${hash8}.hcp.${location}.azmk8s.io`,
    id: `/subscriptions/${input.subscriptionId}/resourcegroups/${input.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${input.name}`,
    kubernetesVersion: version,
    location,
    name: input.name,
    networkProfile,
    nodeResourceGroup: `MC_${input.resourceGroup}_${input.name}_${location}`,
    powerState: { code: 'Running' },
    provisioningState: 'Succeeded',
    resourceGroup: input.resourceGroup,
    sku: { name: 'Base', tier: 'Free' },
    type: MANAGED_CLUSTER_TYPE,
  };
}

export function agentPoolProfile(p: {
  name: string;
  count: number;
  mode: 'System' | 'User';
  vmSize: string;
  maxPods: number;
  version: string;
  current: string;
}): AgentPoolProfile {
  return {
    count: p.count,
    currentOrchestratorVersion: p.current,
    maxPods: p.maxPods,
    mode: p.mode,
    name: p.name,
    orchestratorVersion: p.version,
    osSku: 'Ubuntu',
    osType: 'Linux',
    powerState: { code: 'Running' },
    provisioningState: 'Succeeded',
    type: 'VirtualMachineScaleSets',
    vmSize: p.vmSize,
  };
}
