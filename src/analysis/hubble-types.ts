/**
 * The shapes of a Hubble analysis: an observed flow (one per protocol and 5-tuple, request direction, with its
 * counts), the line statistics, the grading and the result; and the Cilium constants the
 * reader and the grading share (flow/flow.proto, pkg/identity/numericidentity.go).
 */
import type { ScenarioCoverage } from './coverage.js';
import type { PathClass } from '../cluster/path.js';
import type { Endpoint } from './model.js';

/** Cilium's WireGuard UDP port (source = destination). */
export const WIREGUARD_PORT = 51871;

/** Reserved security identities (pkg/identity/numericidentity.go). */
export const RESERVED_IDENTITY = { host: 1, world: 2, unmanaged: 3, health: 4, init: 5, 'remote-node': 6, 'kube-apiserver': 7, ingress: 8 } as const;

export type Protocol = 'TCP' | 'UDP' | 'SCTP' | 'ICMPv4' | 'ICMPv6' | 'other';

export interface HubbleEndpoint extends Endpoint {
  /** The Hubble identity, when the log gave one. */
  readonly identity: number | null;
}

/** One distinct observed flow (request direction), with its counts. */
export interface ObservedFlow {
  source: HubbleEndpoint;
  destination: HubbleEndpoint;
  sourcePort: number;
  destinationPort: number;
  protocol: Protocol;
  direction: string;
  /** "ns/name" when the destination was a ClusterIP service (translated to a backend by the model). */
  service: string | null;
  path: PathClass;
  /** Would WireGuard as the cluster is configured encrypt this flow? */
  encrypted: boolean;
  /** Scenario bits (coverage.ts SCENARIO_BIT) that would encrypt it. */
  scenarios: number;
  /** Request lines and reply lines folded into this flow. */
  requests: number;
  replies: number;
  verdicts: Record<string, number>;
  dropReasons: Record<string, number>;
  /** observation points seen (TO_ENDPOINT, TO_NETWORK, ...). */
  observationPoints: string[];
  /** Hubble node names that reported it. */
  nodes: string[];
  firstTime: string | null;
  lastTime: string | null;
  /** lastTime as timeValue() (ms since the epoch, µs in the fraction); -Infinity when no time was seen. */
  lastTimeValue: number;
  /** The addresses as the log shows them (request direction): the key; `destination.ip` is a service's backend. */
  wireSource: string;
  wireDestination: string;
  /** An address outside every known CIDR that Hubble did not mark as world. */
  unknownAddress: boolean;
  /** A ClusterIP service without a backend in the model. */
  unresolvedService: boolean;
  /** Why the flow is (not) encrypted, in words (set by result()). */
  reason: string;
}

export interface MalformedLine {
  line: number;
  message: string;
}

export interface HubbleStats {
  lines: number;
  /** Flow lines classified (requests + replies). */
  flowLines: number;
  replies: number;
  distinctFlows: number;
  /** Flow lines whose flow was not listed because maxFlows was reached (still in the coverage totals). */
  overflowObservations: number;
  nodeStatus: number;
  lostEvents: number;
  otherEvents: number;
  /** Flows without an IP layer (L7-only records, ARP): counted, not classified. */
  noIp: number;
  /** Outer WireGuard packets seen (IP.encrypted, or UDP 51871 between nodes). */
  tunnelPackets: number;
  malformed: number;
  /** Flows with an address outside every known CIDR that Hubble did not mark as world (classified external). */
  unknownAddresses: number;
  /** Flows to a ClusterIP with no backend in the model (classified external). */
  unresolvedServices: number;
}

/** Listed flows that did not cross the wire as the model would have it. */
export interface HubbleGrading {
  /** Flows Hubble saw only as DROPPED (never encrypted). */
  dropped: number;
  /** Flows dropped by Cilium's strict mode (`drop_reason_desc` UNENCRYPTED_TRAFFIC): left unencrypted, so dropped. */
  strictModeDrops: number;
}

export interface HubbleResult {
  stats: HubbleStats;
  grading: HubbleGrading;
  malformed: MalformedLine[];
  flows: ObservedFlow[];
  /** Coverage per scenario, counting each distinct flow once. */
  coverage: ScenarioCoverage[];
  /** The scenario the cluster is configured as. */
  configured: string;
}

export interface HubbleOptions {
  /** How many malformed lines to list (the rest are counted). Default 10. */
  maxReported?: number;
  /** How many distinct flows to keep one by one. Default 100,000. */
  maxFlows?: number;
}

/** The `kubernetes` service in `default`: its ClusterIP is the API server, which AKS runs outside the cluster. */
export const API_SERVER_SERVICE = 'default/kubernetes';
