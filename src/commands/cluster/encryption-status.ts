import { PRINTED, type CommandSpec } from '../command.js';
import { openStore } from '../../repo/cluster.js';
import { CLUSTER_NAME, RESOURCE_GROUP, str } from '../common.js';

/** `-o json` of encryption-status: what `cilium encryption status` prints, as data. */
export interface EncryptionStatus {
  resourceGroup: string;
  cluster: string;
  /** Cilium's mode names: every node's agent runs WireGuard, none does, or some do (during a rollout). */
  encryption: 'Wireguard' | 'Disabled' | 'Mixed';
  nodes: { total: number; wireguard: number; disabled: number };
  /** A rolling restart of the agents still running on the cluster's clock. */
  rollout: { restarted: number; total: number } | null;
  strictEgressCidr: string | null;
  rogue: { name: string; ip: string } | null;
}

const table = (r: unknown): unknown => {
  const s = r as EncryptionStatus;
  const rows: Record<string, unknown>[] = [];
  if (s.nodes.disabled > 0 || s.nodes.total === 0) rows.push({ Encryption: 'Disabled', Nodes: `${s.nodes.disabled}/${s.nodes.total}` });
  if (s.nodes.wireguard > 0) rows.push({ Encryption: 'Wireguard', Nodes: `${s.nodes.wireguard}/${s.nodes.total}` });
  return rows;
};

export const clusterEncryptionStatus: CommandSpec = {
  path: ['cluster', 'encryption-status'],
  summary: "Cluster-wide transparent encryption status, as `cilium encryption status` prints it: the nodes whose agent runs WireGuard.",
  flags: [RESOURCE_GROUP, CLUSTER_NAME],
  // the default is Cilium's text; -o json|yaml|table|tsv and --query give the same facts as data
  output: { default: 'text', extraFormats: ['text'], table },
  examples: ['aks-wg cluster encryption-status -g RG -n C', 'aks-wg cluster encryption-status -g RG -n C -o json --query nodes'],
  async run({ env, args, ui }) {
    const store = openStore(env);
    const { loadSnapshot } = await import('../../repo/snapshot.js');
    const { encryptionCounts, rolloutInProgress } = await import('../../cilium/agents.js');
    const { renderClusterEncryptionStatus, strictModeLine } = await import('../../cilium/views.js');
    const snap = loadSnapshot(store, str(args['resourceGroup'])!, str(args['name'])!);
    const counts = encryptionCounts(snap.cluster, snap.cilium, snap.now);
    const rollout = snap.cilium.rollout;
    const restarted =
      rollout && rolloutInProgress(snap.cilium, snap.now)
        ? { restarted: rollout.order.filter((_, i) => rollout.startedAtMs + (i + 1) * rollout.intervalMs <= snap.now).length, total: rollout.order.length }
        : null;
    const rogue = snap.cilium.rogue;
    const status: EncryptionStatus = {
      resourceGroup: snap.cluster.managedCluster.resourceGroup,
      cluster: snap.cluster.managedCluster.name,
      encryption: counts.wireguard === 0 ? 'Disabled' : counts.wireguard === counts.total ? 'Wireguard' : 'Mixed',
      nodes: { total: counts.total, wireguard: counts.wireguard, disabled: counts.total - counts.wireguard },
      rollout: restarted,
      strictEgressCidr: snap.cilium.strictEgressCidr || null,
      rogue: rogue ? { name: rogue.name, ip: rogue.ip } : null,
    };
    if (args['output'] !== 'text' || args['query'] !== undefined) return status;
    env.stdout.write(renderClusterEncryptionStatus(counts));
    env.stdout.write(`${strictModeLine(snap.cilium.strictEgressCidr, ': ').replace('\t', ' ')}\n`);
    if (restarted) ui.info(`Rolling restart of the Cilium agents in progress: ${restarted.restarted}/${restarted.total} restarted (advance the clock: aks-wg clock advance 10s).`);
    if (rogue) ui.warn(`machine ${rogue.name} (${rogue.ip}) holds a WireGuard key that no CiliumNode lists; every node drops its WireGuard packets.`);
    return PRINTED;
  },
};
