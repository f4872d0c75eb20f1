/** az aks's values: choices, defaults and limits (../shared/reference/az-aks.md). */

export const NETWORK_PLUGINS = ['azure', 'kubenet', 'none'] as const;
export const NETWORK_PLUGIN_MODES = ['overlay'] as const;
export const NETWORK_DATAPLANES = ['azure', 'cilium'] as const;
export const TRANSIT_ENCRYPTION_TYPES = ['None', 'WireGuard'] as const;
export const NODEPOOL_MODES = ['System', 'User'] as const;

export type NetworkPlugin = (typeof NETWORK_PLUGINS)[number];
export type NetworkDataplane = (typeof NETWORK_DATAPLANES)[number];
export type TransitEncryptionType = (typeof TRANSIT_ENCRYPTION_TYPES)[number];
export type NodepoolMode = (typeof NODEPOOL_MODES)[number];

export const DEFAULT_NODE_COUNT = 3;
export const DEFAULT_NODEPOOL_NAME = 'nodepool1';
export const DEFAULT_LOCATION = 'eastus';
export const DEFAULT_KUBERNETES_VERSION = '1.33';
export const DEFAULT_VM_SIZE = 'Standard_DS2_v2';
export const DEFAULT_POD_CIDR = '10.244.0.0/16';
export const DEFAULT_SERVICE_CIDR = '10.0.0.0/16';
export const DEFAULT_DNS_SERVICE_IP = '10.0.0.10';
export const DEFAULT_NODE_SUBNET = '10.224.0.0/16';
/** Azure reserves the first four addresses of a subnet; the first node gets .4. */
export const FIRST_NODE_HOST = 4;
export const MAX_PODS_OVERLAY = 250;
export const MAX_PODS_KUBENET = 110;
export const DEFAULT_SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';

export const MAX_NODES_PER_POOL = 1000;
export const MAX_NODES_PER_CLUSTER = 5000;

export const CLUSTER_NAME_PATTERN = /^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/;
export const NODEPOOL_NAME_PATTERN = /^[a-z][a-z0-9]{0,11}$/;

export const MANAGED_CLUSTER_TYPE = 'Microsoft.ContainerService/ManagedClusters';
export const AGENT_POOL_TYPE = 'Microsoft.ContainerService/managedClusters/agentPools';
