/**
 * A run's traffic as Hubble sees it: `--export-hubble FILE` writes `{"flow": {...}, "node_name", "time"}` lines
 * (api/v1/observer GetFlowsResponse, proto field names as protojson prints them: `IP`, `l4`, `TCP`, `Summary`, ...),
 * and `-o hubble` prints `hubble observe`'s compact text line for each of them.
 *
 * Events written:
 *   - every packet on a node's eth0, from the fabric's wire record: TO_NETWORK on the sending node and, when the
 *     destination is a node, FROM_NETWORK on the receiving one. Outer WireGuard packets (UDP 51871 → 51871) carry
 *     `IP.encrypted: true`, as Cilium sets it from the trace reason on to-network/from-network; plaintext packets
 *     carry no `encrypted` field (protojson omits false).
 *   - every flow's delivery from the report: TO_ENDPOINT on the destination's node (lxc delivery), TO_STACK for a
 *     node or outside destination, or a DROPPED event (type 1) with `drop_reason_desc` (strict mode's
 *     UNENCRYPTED_TRAFFIC, code 195).
 * Identities: reserved ones for host (1), world (2), remote-node (6); pods get a stable number from their labels
 * (as Cilium derives one identity per label set), above the reserved range.
 */
import { parseCidr } from '../net/ip.js';
import { HEALTH_HOST, ROUTER_HOST } from '../cluster/schedule.js';
import { API_SERVER_IP } from '../cluster/system.js';
import type { IndexedModel } from './model.js';

/** Cilium's drop reason codes for the descriptions aks-wg produces (pkg/monitor/api/drop.go). */
export const DROP_REASON_CODES: Readonly<Record<string, number>> = { UNENCRYPTED_TRAFFIC: 195, POLICY_DENIED: 133 };
const WG_PORT = 51871;

export interface HubbleEndpointJson {
  ID?: number;
  identity: number;
  namespace?: string;
  labels: string[];
  pod_name?: string;
}

export interface HubbleFlowJson {
  time: string;
  verdict: 'FORWARDED' | 'DROPPED';
  drop_reason?: number;
  drop_reason_desc?: string;
  IP: { source: string; destination: string; ipVersion: 'IPv4'; encrypted?: true };
  l4?: Record<string, Record<string, unknown>>;
  source: HubbleEndpointJson;
  destination: HubbleEndpointJson;
  Type: 'L3_L4';
  node_name: string;
  event_type: { type: number; sub_type?: number };
  traffic_direction: 'INGRESS' | 'EGRESS';
  trace_observation_point?: string;
  is_reply: boolean;
  interface?: { index: number; name: string };
  Summary: string;
}

export interface HubbleLine {
  flow: HubbleFlowJson;
  node_name: string;
  time: string;
}

/** RFC 3339 with nanoseconds, as Hubble prints times. */
export function hubbleTime(ms: number): string {
  const iso = new Date(Math.floor(ms)).toISOString();
  const frac = Math.round((ms - Math.floor(ms)) * 1e6) + (Math.floor(ms) % 1000) * 1e6;
  return `${iso.slice(0, 19)}.${String(frac).padStart(9, '0')}Z`;
}

function identityOfLabels(labels: string[]): number {
  let h = 0x811c9dc5;
  for (const l of labels) for (let i = 0; i < l.length; i++) h = Math.imul(h ^ l.charCodeAt(i), 0x01000193) >>> 0;
  // Cluster-local identities start at 256 and stay below 65536 (the first identity block).
  return 256 + (h % (65536 - 256));
}

/** Hubble's endpoint object for an address, seen from `observer` (a node name): host/remote-node/world/pod. */
export function endpointJson(index: IndexedModel, ip: string, observer: string | null): HubbleEndpointJson {
  const hit = index.lookup(ip);
  switch (hit.type) {
    case 'pod': {
      const p = hit.pod;
      const labels = [
        ...Object.keys(p.labels ?? {})
          .filter((k) => k !== 'pod-template-hash' && k !== 'controller-revision-hash' && k !== 'pod-template-generation')
          .sort()
          .map((k) => `k8s:${k}=${p.labels![k]}`),
        `k8s:io.kubernetes.pod.namespace=${p.namespace}`,
      ];
      return { identity: identityOfLabels(labels), namespace: p.namespace, labels, pod_name: p.name };
    }
    case 'node':
      return hit.node.name === observer ? { identity: 1, labels: ['reserved:host'] } : { identity: 6, labels: ['reserved:remote-node'] };
    case 'pod-cidr': {
      // .1 is the node's Cilium router (cilium_host): the host itself; .2 its health endpoint
      const base = hit.node.podCidrs.map((c) => parseCidr(c, true).base).find((b) => ip === formatHost(b + ROUTER_HOST) || ip === formatHost(b + HEALTH_HOST));
      if (base !== undefined && ip === formatHost(base + ROUTER_HOST)) {
        return hit.node.name === observer ? { identity: 1, labels: ['reserved:host'] } : { identity: 6, labels: ['reserved:remote-node'] };
      }
      return { identity: 4, labels: ['reserved:health'] };
    }
    case 'service':
    case 'cluster':
      return { identity: 2, labels: ['reserved:world'] };
    default:
      return ip === API_SERVER_IP ? { identity: 7, labels: ['reserved:kube-apiserver'] } : { identity: 2, labels: ['reserved:world'] };
  }
}

const formatHost = (v: number): string => `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;

const TCP_FLAG_NAMES: [number, string][] = [
  [0x01, 'FIN'],
  [0x02, 'SYN'],
  [0x04, 'RST'],
  [0x08, 'PSH'],
  [0x10, 'ACK'],
  [0x20, 'URG'],
];

function l4Of(protocol: string, srcPort: number, dstPort: number, tcpFlags: number, icmpType: number): { l4: HubbleFlowJson['l4']; summary: string } {
  if (protocol === 'TCP') {
    const flags: Record<string, boolean> = {};
    const names: string[] = [];
    for (const [bit, name] of TCP_FLAG_NAMES) if (tcpFlags & bit) (flags[name] = true), names.push(name);
    return { l4: { TCP: { source_port: srcPort, destination_port: dstPort, flags } }, summary: `TCP Flags: ${names.sort().join(', ') || 'none'}` };
  }
  if (protocol === 'UDP') return { l4: { UDP: { source_port: srcPort, destination_port: dstPort } }, summary: 'UDP' };
  if (protocol === 'ICMP') return { l4: { ICMPv4: { type: icmpType } }, summary: icmpType === 8 ? 'ICMPv4 EchoRequest' : icmpType === 0 ? 'ICMPv4 EchoReply' : `ICMPv4 type ${icmpType}` };
  return { l4: undefined, summary: protocol };
}

/** The part of a parsed IPv4 packet the exporter needs (fabric/packets.ts ParsedPacket, structurally). */
export interface WirePacket {
  readonly src: string;
  readonly dst: string;
  readonly protocol: 'TCP' | 'UDP' | 'ICMP' | string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** TCP flags, or the ICMP type. */
  readonly flags: number;
  /** A WireGuard message in a UDP payload (fabric.ts wireGuardMessageType ≠ 0). */
  readonly wireguard: boolean;
}

/**
 * Hubble events for one packet seen on `fromNode`'s eth0: TO_NETWORK there, FROM_NETWORK on the destination node.
 */
export function packetEvents(index: IndexedModel, timeMs: number, p: WirePacket, fromNode: string): HubbleLine[] {
  const time = hubbleTime(timeMs);
  const encrypted = p.wireguard && p.protocol === 'UDP' && p.srcPort === WG_PORT && p.dstPort === WG_PORT;
  const { l4, summary } = l4Of(p.protocol, p.srcPort, p.dstPort, p.flags, p.flags);
  const make = (node: string, point: 'TO_NETWORK' | 'FROM_NETWORK'): HubbleLine => {
    const flow: HubbleFlowJson = {
      time,
      verdict: 'FORWARDED',
      IP: { source: p.src, destination: p.dst, ipVersion: 'IPv4', ...(encrypted ? { encrypted: true as const } : {}) },
      ...(l4 ? { l4 } : {}),
      source: endpointJson(index, p.src, node),
      destination: endpointJson(index, p.dst, node),
      Type: 'L3_L4',
      node_name: node,
      event_type: { type: 4, sub_type: point === 'TO_NETWORK' ? 11 : 12 },
      traffic_direction: point === 'TO_NETWORK' ? 'EGRESS' : 'INGRESS',
      trace_observation_point: point,
      is_reply: false,
      interface: { index: 2, name: 'eth0' },
      Summary: summary,
    };
    return { flow, node_name: node, time };
  };
  const out = [make(fromNode, 'TO_NETWORK')];
  const dst = index.lookup(p.dst);
  const receiver = dst.type === 'node' ? dst.node.name : dst.type === 'pod' ? dst.pod.node : dst.type === 'pod-cidr' ? dst.node.name : null;
  if (receiver !== null && receiver !== fromNode) out.push(make(receiver, 'FROM_NETWORK'));
  return out;
}

/** What the exporter needs of one reported flow (fabric/types.ts FlowReport, structurally). */
export interface ReportedFlow {
  readonly source: { readonly kind: string; readonly ip: string; readonly node: string | null };
  readonly destination: { readonly kind: string; readonly ip: string; readonly node: string | null };
  readonly protocol: string;
  /** The source port the flow's packets carried on the wire (null for ICMP). */
  readonly sourcePort: number | null;
  readonly port: number | null;
  readonly path: string;
  readonly verdict: string;
  readonly dropReason: string | null;
  readonly interface: string;
}

/**
 * The delivery (or drop) event of one flow of the report, with the ports its packets carried on the wire (so the
 * eth0 events and this one are the same 5-tuple, one flow to a reader of the log).
 */
export function deliveryEvent(index: IndexedModel, timeMs: number, f: ReportedFlow): HubbleLine {
  const sourcePort = f.sourcePort ?? 0;
  const time = hubbleTime(timeMs);
  const dropped = f.verdict === 'DROPPED';
  const dstLocal = f.destination.kind !== 'external' && f.destination.node !== null;
  const node = (dropped || !dstLocal ? f.source.node : f.destination.node) ?? f.destination.node ?? f.source.node ?? 'unknown';
  const point = f.destination.kind === 'pod' ? 'TO_ENDPOINT' : 'TO_STACK';
  const isTcp = f.protocol === 'TCP';
  const { l4, summary } = l4Of(f.protocol, f.protocol === 'ICMP' ? 0 : sourcePort, f.port ?? 0, isTcp ? 0x02 : 0, 8);
  const flow: HubbleFlowJson = {
    time,
    verdict: dropped ? 'DROPPED' : 'FORWARDED',
    ...(dropped && f.dropReason ? { drop_reason: DROP_REASON_CODES[f.dropReason] ?? 0, drop_reason_desc: f.dropReason } : {}),
    IP: { source: f.source.ip, destination: f.destination.ip, ipVersion: 'IPv4' },
    ...(l4 ? { l4 } : {}),
    source: endpointJson(index, f.source.ip, node),
    destination: endpointJson(index, f.destination.ip, node),
    Type: 'L3_L4',
    node_name: node,
    event_type: dropped ? { type: 1, sub_type: DROP_REASON_CODES[f.dropReason ?? ''] ?? 0 } : { type: 4, sub_type: point === 'TO_ENDPOINT' ? 0 : 3 },
    traffic_direction: dropped || !dstLocal || node === f.source.node ? 'EGRESS' : 'INGRESS',
    ...(dropped ? {} : { trace_observation_point: point }),
    is_reply: false,
    ...(f.interface === 'lxc' || point === 'TO_ENDPOINT' ? { interface: { index: 10, name: 'lxc' } } : {}),
    Summary: summary,
  };
  if (dropped) flow.traffic_direction = 'EGRESS';
  return { flow, node_name: node, time };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's `Jan _2 15:04:05.000` of an RFC 3339 time (UTC), as `hubble observe` prints it. */
export function compactTime(rfc3339: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(rfc3339);
  if (!m) return rfc3339;
  const ms = (m[5] ?? '').padEnd(3, '0').slice(0, 3);
  return `${MONTHS[Number(m[2]) - 1]} ${String(Number(m[3])).padStart(2, ' ')} ${m[4]}.${ms}`;
}

function portOf(l4: HubbleFlowJson['l4'], side: 'source_port' | 'destination_port'): number | undefined {
  const v = l4?.['TCP']?.[side] ?? l4?.['UDP']?.[side] ?? l4?.['SCTP']?.[side];
  return typeof v === 'number' ? v : undefined;
}

function endpointText(e: HubbleEndpointJson, ip: string, port: number | undefined): string {
  const reserved = e.labels.find((l) => l.startsWith('reserved:'))?.slice(9);
  const where = e.pod_name ? `${e.namespace}/${e.pod_name}` : ip;
  const hostPort = port !== undefined && port !== 0 ? `${where}:${port}` : where;
  return reserved ? `${hostPort} (${reserved})` : `${hostPort} (ID:${e.identity})`;
}

const humanDrop = (desc: string | undefined): string => (desc ? desc.charAt(0) + desc.slice(1).toLowerCase().replace(/_/g, ' ') : 'Unknown drop reason');

/** `hubble observe --print-node-name`'s compact line for one event. */
export function compactLine(line: { flow: HubbleFlowJson | Record<string, unknown>; node_name?: string; time?: string }): string {
  const f = line.flow as HubbleFlowJson;
  const time = compactTime(f.time ?? line.time ?? '');
  const src = endpointText(f.source ?? { identity: 0, labels: [] }, f.IP?.source ?? '?', portOf(f.l4, 'source_port'));
  const dst = endpointText(f.destination ?? { identity: 0, labels: [] }, f.IP?.destination ?? '?', portOf(f.l4, 'destination_port'));
  const arrow = f.is_reply ? '<-' : '->';
  const what = f.verdict === 'DROPPED' ? humanDrop(f.drop_reason_desc) : (f.trace_observation_point ?? 'unknown').toLowerCase().replace(/_/g, '-');
  const left = f.is_reply ? `${dst} ${arrow} ${src}` : `${src} ${arrow} ${dst}`;
  return `${time} [${f.node_name ?? line.node_name ?? ''}]: ${left} ${what} ${f.verdict} (${f.Summary ?? ''})`;
}
