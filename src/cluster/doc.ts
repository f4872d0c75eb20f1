/**
 * The local cluster model kept in the state store: the managed cluster az shows, plus what aks-wg simulates
 * beyond az (nodes now; pods, Cilium agents, the fabric's clock and sessions in later layers). One document per
 * cluster, at `clusters/<resource group>/<name>.json` (both lower-cased: ARM names are case-insensitive).
 */
import type { ManagedCluster } from '../aks/model.js';

export interface NodeRecord {
  /** AKS-style VMSS node name: aks-<pool>-<8 digits>-vmss<6 base-36 digits>. */
  name: string;
  pool: string;
  /** VMSS instance id (never reused within a pool). */
  instance: number;
  /** InternalIP from the node subnet. */
  ip: string;
  /** This node's /24 from the cluster's pod CIDR. */
  podCidr: string;
  vmSize: string;
  /** When the node joined, on the cluster's simulated clock (absent in documents written before the clock existed). */
  createdMs?: number;
}

export interface ClusterDoc {
  managedCluster: ManagedCluster;
  /** The 8 digits in node names: fixed per cluster. */
  nodeNameHash: string;
  nodeSubnet: string;
  /** The pod CIDR nodes' /24s come from (also when the plugin prints none). */
  podCidrPool: string;
  /** Next VMSS instance id per pool. */
  nextInstance: Record<string, number>;
  nodes: NodeRecord[];
  /** When the cluster was created, and its simulated time now (ms since the epoch; see cluster/clock.ts). */
  createdMs?: number;
  clockMs?: number;
  /**
   * An update returned early (--no-wait) while its rolling restart of the Cilium agents runs until this simulated
   * time: until then the cluster reads `provisioningState: Updating` (cluster/clock.ts managedClusterView).
   */
  updatingUntilMs?: number;
  /** Built by `aks-wg cluster import` from a real cluster's inventory (its add-ons are not managed by aks-wg). */
  imported?: true;
}

/** FNV-1a 32-bit: a stable, dependency-free hash for names derived from names. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
