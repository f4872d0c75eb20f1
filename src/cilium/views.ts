/**
 * What an operator sees of the agents, in the real tools' formats (reference cilium.md "What the operator sees"):
 * `cilium-dbg encrypt status`, `cilium-dbg status`, `cilium-dbg debuginfo --output json`, `cilium encryption status`
 * and `wg show`. Pure text from the agent configuration; private keys never reach any of them.
 */
import type { ClusterDoc, NodeRecord } from '../cluster/doc.js';
import type { WireGuardNodeConfig } from './agents.js';
import { WG_INTERFACE, WG_PORT } from './agents.js';

/** Per-peer counters a caller may know (from the fabric's sessions); omitted lines when unknown. */
export interface PeerStats {
  rxBytes: number;
  txBytes: number;
  /** ms since the epoch, undefined without a handshake. */
  lastHandshakeAt?: number;
}

/**
 * Go's text/tabwriter with Cilium's settings (minwidth 2, tabwidth 0, padding 3, padchar ' ', no flags): cells end
 * at a tab; a column is aligned over each block of consecutive lines that have a cell in it; a line's last cell is
 * not aligned.
 */
export function tabwrite(text: string, minwidth = 2, padding = 3): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const widths: number[][] = lines.map(() => []);
  const format = (col: number, start: number, end: number): void => {
    let i = start;
    while (i < end) {
      if (lines[i]!.length - 1 <= col) {
        i++;
        continue;
      }
      let j = i;
      let width = minwidth;
      while (j < end && lines[j]!.length - 1 > col) {
        width = Math.max(width, [...lines[j]![col]!].length + padding);
        j++;
      }
      for (let k = i; k < j; k++) widths[k]![col] = width;
      format(col + 1, i, j);
      i = j;
    }
  };
  format(0, 0, lines.length);
  return lines
    .map((cells, li) => cells.map((c, ci) => (ci < cells.length - 1 ? c + ' '.repeat(widths[li]![ci]! - [...c].length) : c)).join(''))
    .join('\n');
}

/** The mode name Cilium prints. */
export function encryptionMode(config: WireGuardNodeConfig | null): 'Wireguard' | 'Disabled' {
  return config ? 'Wireguard' : 'Disabled';
}

/** `cilium-dbg encrypt status` (cilium-dbg/cmd/encrypt_status.go: `Encryption: %-26s`). */
export function renderEncryptStatus(config: WireGuardNodeConfig | null): string {
  let out = `Encryption: ${encryptionMode(config).padEnd(26)}\n`;
  if (config) out += `Interface: ${WG_INTERFACE}\n\tPublic key: ${config.publicKey}\n\tNumber of peers: ${config.peers.length}\n`;
  return out;
}

/** The `Encryption:` line of `cilium-dbg status`, before tab alignment. */
export function statusEncryptionLine(config: WireGuardNodeConfig | null): string {
  if (!config) return 'Encryption:\tDisabled';
  return `Encryption:\tWireguard\t[NodeEncryption: Disabled, ${WG_INTERFACE} (Pubkey: ${config.publicKey}, Port: ${WG_PORT}, Peers: ${config.peers.length})]`;
}

export interface AgentStatusInput {
  cluster: ClusterDoc;
  node: NodeRecord;
  config: WireGuardNodeConfig | null;
  /** Pod-network endpoints on the node (IPAM line). */
  localEndpoints: number;
  /** Errors the agent's WireGuard controller hit (duplicate keys). */
  errors: string[];
  /** Nodes whose agents answer health checks. */
  reachable: number;
  atMs: number;
  /** When the agent last (re)started (for controller ages). */
  restartedAtMs: number;
  /** Strict egress mode's CIDR, when on (CiliumDoc.strictEgressCidr). */
  strictEgressCidr?: string;
}

/**
 * Cilium's strict egress mode as the agent's configuration names it (`enable-encryption-strict-mode-egress`,
 * `encryption-strict-egress-cidr`): one line for `cilium-dbg status` and `cluster encryption-status`.
 */
export function strictModeLine(strictEgressCidr: string | undefined, sep = ':\t'): string {
  return `Encryption strict mode (egress)${sep}${strictEgressCidr ? `Enabled\t[encryption-strict-egress-cidr: ${strictEgressCidr}]` : 'Disabled'}`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s ago`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m ago`;
}

/** A plausible `cilium-dbg status` of the agent on one node; the Encryption line is exact. */
export function renderAgentStatus(input: AgentStatusInput): string {
  const { cluster, node, config, errors } = input;
  const mc = cluster.managedCluster;
  const k8s = mc.currentKubernetesVersion;
  const controllers = 30;
  const healthy = controllers - (errors.length > 0 ? 1 : 0);
  const since = new Date(input.atMs).toISOString();
  const lines = [
    'KVStore:\tDisabled\t',
    `Kubernetes:\tOk\t${k8s.split('.').slice(0, 2).join('.')} (v${k8s}) [linux/amd64]`,
    'Kubernetes APIs:\t["EndpointSliceOrEndpoint", "cilium/v2::CiliumClusterwideNetworkPolicy", "cilium/v2::CiliumEndpoint", "cilium/v2::CiliumNetworkPolicy", "cilium/v2::CiliumNode", "core/v1::Namespace", "core/v1::Pods", "core/v1::Service", "networking.k8s.io/v1::NetworkPolicy"]',
    `KubeProxyReplacement:\tTrue\t[eth0\t${node.ip} (Direct Routing)]`,
    'Host firewall:\tDisabled',
    'SRv6:\tDisabled',
    'CNI Chaining:\tnone',
    'CNI Config file:\tsuccessfully wrote CNI configuration file to /etc/cni/net.d/05-cilium.conflist',
    'Cilium:\tOk\t1.17.7 (v1.17.7-250927)',
    'NodeMonitor:\tListening for events on 2 CPUs with 64x4096 of shared memory',
    'Cilium health daemon:\tOk\t',
    `IPAM:\tIPv4: ${input.localEndpoints + 2}/254 allocated from ${node.podCidr}, `,
    'IPv4 BIG TCP:\tDisabled\t',
    'IPv6 BIG TCP:\tDisabled\t',
    'BandwidthManager:\tDisabled',
    'Routing:\tNetwork: Native\tHost: BPF',
    'Attach Mode:\tTCX',
    'Device Mode:\tveth',
    `Masquerading:\tBPF\t[eth0]\t${cluster.podCidrPool} [IPv4: Enabled, IPv6: Disabled]`,
    `Controller Status:\t${healthy}/${controllers} healthy`,
  ];
  if (errors.length > 0) {
    lines.push('  Name\tLast success\tLast error\tCount\tMessage');
    for (const e of errors) lines.push(`  wireguard-agent-sync\tnever\t${ago(input.atMs - input.restartedAtMs)}\t1\t${e}\t`);
  }
  lines.push(
    'Proxy Status:\tOK, ip ' + node.podCidr.replace(/\.0\/24$/, '.1') + ', 0 redirects active on ports 10000-20000, Envoy: external',
    'Global Identity Range:\tmin 256, max 65535',
    `Hubble:\tOk\tCurrent/Max Flows: 0/4095 (0.00%), Flows/s: 0.00   Metrics: Disabled`,
    statusEncryptionLine(config),
    strictModeLine(input.strictEgressCidr),
    `Cluster health:\t${input.reachable}/${cluster.nodes.length} reachable\t(${since.replace(/\.\d{3}Z$/, 'Z')})`,
  );
  return tabwrite(lines.join('\n')) + '\n';
}

/** Go's zero time as Cilium's JSON prints it (no handshake yet). */
const GO_ZERO_TIME = '0001-01-01T00:00:00.000Z';

/** `cilium-dbg debuginfo --output json`, the parts aks-wg models (`.encryption` is exact in shape). */
export function debugInfo(config: WireGuardNodeConfig | null, stats?: (publicKey: string) => PeerStats | undefined): unknown {
  const encryption: Record<string, unknown> = config
    ? {
        wireguard: {
          interfaces: [
            {
              'listen-port': config.listenPort,
              name: WG_INTERFACE,
              'peer-count': config.peers.length,
              peers: config.peers.map((p) => {
                const s = stats?.(p.publicKey);
                return {
                  'allowed-ips': p.allowedIps,
                  endpoint: `${p.endpoint.address}:${p.endpoint.port}`,
                  'last-handshake-time': s?.lastHandshakeAt !== undefined ? new Date(s.lastHandshakeAt).toISOString() : GO_ZERO_TIME,
                  'public-key': p.publicKey,
                  'transfer-rx': s?.rxBytes ?? 0,
                  'transfer-tx': s?.txBytes ?? 0,
                };
              }),
              'public-key': config.publicKey,
            },
          ],
          'node-encryption': 'Disabled',
        },
      }
    : { mode: 'Disabled' };
  return { 'cilium-version': '1.17.7 (v1.17.7-250927)', encryption };
}

/**
 * `cilium encryption status` (cilium-cli encrypt/status.go printClusterStatus): one line per mode present, with the
 * nodes in that mode — `Encryption: Disabled (x/y nodes)` first, then `Encryption: Wireguard (x/y nodes)`.
 */
export function renderClusterEncryptionStatus(counts: { wireguard: number; total: number }): string {
  const disabled = counts.total - counts.wireguard;
  let out = '';
  if (disabled > 0 || counts.total === 0) out += `Encryption: Disabled (${disabled}/${counts.total} nodes)\n`;
  if (counts.wireguard > 0) out += `Encryption: Wireguard (${counts.wireguard}/${counts.total} nodes)\n`;
  return out;
}
