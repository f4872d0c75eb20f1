/**
 * The shapes the fabric works on. The fabric does not read the state store or the Cilium model itself: the command
 * hands it the nodes, the endpoints and each node's cilium_wg0 configuration (structurally what cilium/agents.ts
 * computes), so the fabric stays below cilium/ in the import order.
 */
import type { L4Protocol } from './packets.js';

import type { PathClass } from '../cluster/path.js';
import type { Clock } from '../platform/types.js';

export type EndpointKind = 'pod' | 'node' | 'external';
export type Interface = 'cilium_wg0' | 'lxc' | 'eth0';
export type Verdict = 'FORWARDED' | 'DROPPED';

/** One end of a flow, as the report prints it. */
export interface FlowEndpoint {
  readonly kind: EndpointKind;
  readonly name: string | null;
  readonly namespace: string | null;
  readonly node: string | null;
  readonly ip: string;
  readonly hostNetwork: boolean;
}

/** A resolved endpoint: the printed fields plus what the datapath needs. */
export interface Endpoint extends FlowEndpoint {
  /** The address as an unsigned 32-bit number. */
  readonly ipNum: number;
  /** The rogue machine (an external machine with its own WireGuard key). */
  readonly rogue?: boolean;
}

/** A flow to run: the destination is already the backend pod when the flow was addressed to a service. */
export interface Flow {
  readonly src: Endpoint;
  readonly dst: Endpoint;
  /** "namespace/name" of the ClusterIP service the flow was addressed to, else null. */
  readonly service: string | null;
  readonly protocol: L4Protocol;
  /** Destination port on the wire (the backend's target port); null for ICMP. */
  readonly port: number | null;
}

export interface FabricNode {
  readonly name: string;
  readonly ip: string;
  readonly podCidr: string;
}

/** A node's cilium_wg0 (cilium/agents.ts WireGuardNodeConfig, structurally). */
export interface WgConfig {
  readonly node: string;
  readonly privateKey: Uint8Array;
  readonly publicKey: string;
  readonly listenPort: number;
  readonly mtu: number;
  readonly peers: readonly WgPeerConfig[];
}

export interface WgPeerConfig {
  readonly node: string;
  readonly publicKey: string;
  readonly endpoint: { readonly address: string; readonly port: number };
  readonly allowedIps: readonly string[];
}

/** A settable clock: the fabric moves simulated time forward as it fires timers. */
export interface MutableClock extends Clock {
  set(ms: number): void;
}

/** Why nothing can be encrypted cluster-wide (shown in every unencrypted flow's reason), or null. */
export type ClusterEncryptionOff = null | 'no-cilium' | 'wireguard-off';

export interface FabricSetup {
  readonly nodes: readonly FabricNode[];
  /**
   * Every node's cilium_wg0 now: full configurations by node (null: the agent runs without WireGuard), or a plan the
   * fabric reads lazily (fabric/wg-source.ts; what `traffic inspect` passes, so 5,000 nodes cost what a run uses).
   */
  readonly wireguard: ReadonlyMap<string, WgConfig | null> | WireGuardPlan;
  readonly clusterOff: ClusterEncryptionOff;
  /** True while a rolling restart of the agents is still running. */
  readonly rolloutInProgress?: boolean;
  /** Strict egress mode: unencrypted pod-to-pod packets to this CIDR are dropped. */
  readonly strictEgressCidr?: string;
  /** The rogue machine: its address and its own WireGuard configuration (it believes every node is its peer). */
  readonly rogue?: { readonly name: string; readonly ip: string; readonly config: WgConfig | null };
}

/** One flow's result, as the JSON report prints it. */
export interface FlowReport {
  source: FlowEndpoint;
  destination: FlowEndpoint;
  service: string | null;
  protocol: L4Protocol;
  /** The ephemeral source port the flow's packet carried; null for ICMP. */
  sourcePort: number | null;
  port: number | null;
  path: PathClass;
  encrypted: boolean;
  interface: Interface;
  verdict: Verdict;
  dropReason: string | null;
  wireguard: { peer: string; session: number; sessionAgeSeconds: number } | null;
  reason: string;
}

export interface ReportSummary {
  total: number;
  encrypted: number;
  byPath: Record<PathClass, number>;
  unencryptedInterNodePod: number;
  /** Flows dropped (never encrypted; counted in the totals too), and of those strict mode's UNENCRYPTED_TRAFFIC. */
  dropped: number;
  strictModeDrops: number;
}

export interface InspectReport {
  flows: FlowReport[];
  summary: ReportSummary;
}

/** The plain data a lazy source answers from (what cilium/agents.ts computes for one instant). */
export interface WireGuardPlan {
  readonly kind: 'plan';
  /** Every node, in cluster order. */
  readonly nodes: readonly { readonly name: string; readonly ip: string }[];
  /** Node → the key its CiliumNode carries (base64), for every keyed node. */
  readonly keys: Readonly<Record<string, string>>;
  /** Keyed nodes Cilium refuses as peers (a duplicate key): node → the node that had the key first. */
  readonly duplicates: Readonly<Record<string, string>>;
  /** Node → its key file's 32 bytes (keyed nodes only). */
  readonly privateKeys: Readonly<Record<string, Uint8Array>>;
  /** Node → its pod-network pods' IPs as 'ip/32', in numeric order. */
  readonly podIps: Readonly<Record<string, readonly string[]>>;
  readonly listenPort: number;
  readonly mtu: number;
}
