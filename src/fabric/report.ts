/**
 * The report `traffic inspect` prints: one object per flow, read from the fabric's FlowOutcome (itself read from the
 * wire), with a one-line reason, and the summary. Summaries are accumulated as flows run, so a million-flow run can
 * stream without keeping its flows.
 */
import { plural } from '../plural.js';
import type { Cause, FlowOutcome } from './wire-record.js';
import { API_SERVER_NAME } from '../cluster/system.js';
import { PATH_CLASSES, type PathClass } from '../cluster/path.js';
import type { Flow, FlowEndpoint, FlowReport, ReportSummary } from './types.js';

/** Context the reasons mention. */
export interface ReasonContext {
  readonly strictEgressCidr?: string;
  readonly rolloutInProgress?: boolean;
  readonly wgPort: number;
}

export function emptySummary(): ReportSummary {
  const byPath = Object.fromEntries(PATH_CLASSES.map((p) => [p, 0])) as Record<PathClass, number>;
  return { total: 0, encrypted: 0, byPath, unencryptedInterNodePod: 0, dropped: 0, strictModeDrops: 0 };
}

/** Count one flow into a summary. */
export function countFlow(summary: ReportSummary, out: FlowOutcome): void {
  summary.total++;
  if (out.encrypted) summary.encrypted++;
  summary.byPath[out.path]++;
  if (out.path === 'inter-node' && !out.encrypted) summary.unencryptedInterNodePod++;
  if (out.verdict === 'DROPPED') summary.dropped++;
  if (out.dropReason === 'UNENCRYPTED_TRAFFIC') summary.strictModeDrops++;
}

function endpointJson(e: FlowEndpoint): FlowEndpoint {
  return { kind: e.kind, name: e.name, namespace: e.namespace, node: e.node, ip: e.ip, hostNetwork: e.hostNetwork };
}

/** Short text for an endpoint: ns/pod, node name, or the IP. */
export function endpointText(e: FlowEndpoint): string {
  if (e.kind === 'pod') return `${e.namespace}/${e.name}`;
  if (e.name) return e.name;
  return e.ip;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** The one-line reason for a flow's outcome. */
export function reasonText(flow: Flow, out: FlowOutcome, ctx: ReasonContext): string {
  const { src, dst } = flow;
  const rolling = ctx.rolloutInProgress ? ' (the rolling restart of the Cilium agents has not reached it yet)' : '';
  const cause: Cause = out.cause;
  switch (cause) {
    case 'encrypted':
      return `pod to pod across nodes${flow.service ? ` (service ${flow.service} translated to its backend first)` : ''}: sealed by ${src.node}'s cilium_wg0, crossed eth0 only as WireGuard UDP ${ctx.wgPort} (receiver ${hex(out.wgSession)}), opened by ${out.causeNode}'s cilium_wg0`;
    case 'same-node':
      return `same node (${src.node}): delivered over the lxc veth, never on eth0, so WireGuard is not involved`;
    case 'node-source':
      return `source is the host${src.kind === 'pod' ? ` (hostNetwork pod on ${src.node})` : ''}: only pod traffic is encrypted unless node encryption is on (AKS keeps it off); sent in plaintext on eth0`;
    case 'to-node':
      if (dst.kind === 'node' && dst.name === 'cilium-health') {
        // the node's Cilium health address: the agent's, not a pod's
        return `destination is ${dst.node}'s Cilium health endpoint (${dst.ip}), an address of the node's agent, not a pod: outside the peer's pod AllowedIPs without node encryption; sent in plaintext on eth0`;
      }
      return `destination is a node IP${dst.kind === 'pod' ? ` (hostNetwork pod on ${dst.node})` : ''}: node IPs carry no encryption key without node encryption; sent in plaintext on eth0`;
    case 'external-destination':
      if (dst.name === API_SERVER_NAME) {
        return `the Kubernetes API server (${flow.service ?? dst.ip}) runs outside the cluster on AKS: no WireGuard peer owns ${dst.ip}; left eth0 as TLS, not WireGuard`;
      }
      return `destination ${dst.ip} is outside the cluster: no WireGuard peer owns it; left eth0 in plaintext`;
    case 'external-source':
      return `source ${src.ip} is outside the cluster: the packet arrives on eth0 as it was sent`;
    case 'no-cilium':
      return 'the cluster has no Cilium dataplane (network dataplane azure): no agent and no cilium_wg0; sent in plaintext on eth0';
    case 'wireguard-off':
      return 'WireGuard transit encryption is off (ACNS transit encryption type None): sent in plaintext on eth0';
    case 'source-agent-without-wireguard':
      return `the Cilium agent on ${out.causeNode} runs without WireGuard${rolling}: sent in plaintext on eth0`;
    case 'destination-not-a-peer':
      return `${out.causeNode} is not a WireGuard peer of ${src.node} (no key published in its CiliumNode${rolling ? '; its agent has not restarted yet' : ''}): sent in plaintext on eth0`;
    case 'strict-drop':
      return `strict mode: unencrypted pod-to-pod packet to ${dst.ip} (inside ${ctx.strictEgressCidr}) dropped on ${out.causeNode} with UNENCRYPTED_TRAFFIC`;
    case 'rogue-drop':
      return out.engineDrop === 'port-unreachable'
        ? `rogue machine ${src.name}: ${out.causeNode} has no WireGuard listener; the packet was dropped`
        : `rogue machine ${src.name} is not a WireGuard peer of ${out.causeNode}: its handshake was dropped (${out.engineDrop ?? 'no session'})`;
    case 'wireguard-drop':
      return `dropped by ${out.causeNode ?? 'the destination'}${out.engineDrop === 'port-unreachable' ? ' (nothing listens on the WireGuard port)' : `'s cilium_wg0 (${out.engineDrop ?? 'no session'})`}`;
    case 'plaintext-seen':
      return "the flow's packet was seen in plaintext on eth0";
    case 'not-delivered':
      return 'not delivered';
  }
}

/** The JSON object of one flow. */
export function flowReport(flow: Flow, out: FlowOutcome, ctx: ReasonContext): FlowReport {
  return {
    source: endpointJson(flow.src),
    destination: endpointJson(flow.dst),
    service: flow.service,
    protocol: flow.protocol,
    sourcePort: flow.protocol === 'ICMP' ? null : out.sourcePort,
    port: flow.port,
    path: out.path,
    encrypted: out.encrypted,
    interface: out.iface,
    verdict: out.verdict,
    dropReason: out.dropReason,
    wireguard: out.encrypted && out.wgPeer !== null ? { peer: out.wgPeer, session: out.wgSession, sessionAgeSeconds: Math.floor(out.wgSessionAgeMs / 1000) } : null,
    reason: reasonText(flow, out, ctx),
  };
}

/** `-o table`: one row per flow. */
export function flowTable(result: unknown): unknown {
  const r = result as { flows?: FlowReport[] };
  return (r.flows ?? []).map((f) => ({
    Source: endpointText(f.source),
    Destination: `${endpointText(f.destination)}${f.service ? ` (svc ${f.service})` : ''}`,
    Protocol: f.protocol,
    Port: f.port ?? '',
    Path: f.path,
    Encrypted: f.encrypted ? 'yes' : 'no',
    Interface: f.interface,
    Verdict: f.verdict,
    Session: f.wireguard ? `0x${f.wireguard.session.toString(16).padStart(8, '0')}` : '',
    Reason: f.reason,
  }));
}

/**
 * The line under a flow table: counts by path class and the encrypted share, e.g.
 * `12 flows: inter-node 4, same-node 2, node-originated 3, to-node 2, external 1; encrypted 4 of 12 (33%)`.
 */
export function summaryLine(summary: ReportSummary): string {
  const paths = PATH_CLASSES.filter((p) => summary.byPath[p] > 0).map((p) => `${p} ${summary.byPath[p].toLocaleString('en-US')}`);
  const share = summary.total === 0 ? 0 : Math.round((100 * summary.encrypted) / summary.total);
  const unencrypted = summary.unencryptedInterNodePod;
  return (
    `${plural(summary.total, 'flow')}${paths.length ? `: ${paths.join(', ')}` : ''}; encrypted ${summary.encrypted.toLocaleString('en-US')} of ${summary.total.toLocaleString('en-US')} (${share}%)` +
    (unencrypted > 0 ? `; ${plural(unencrypted, 'inter-node pod-to-pod flow')} not encrypted` : '')
  );
}
