import { PRINTED, type CommandSpec } from '../command.js';
import { openStore } from '../../cluster/repo.js';
import { CLUSTER_NAME, RESOURCE_GROUP, str } from '../common.js';

export const clusterEncryptionStatus: CommandSpec = {
  path: ['cluster', 'encryption-status'],
  summary: "Cluster-wide transparent encryption status, as `cilium encryption status` prints it: the nodes whose agent runs WireGuard.",
  flags: [RESOURCE_GROUP, CLUSTER_NAME],
  output: false,
  examples: ['aks-wg cluster encryption-status -g RG -n C'],
  async run({ env, args, ui }) {
    const store = openStore(env);
    const { loadSnapshot } = await import('../../cilium/snapshot.js');
    const { encryptionCounts, rolloutInProgress } = await import('../../cilium/agents.js');
    const { renderClusterEncryptionStatus, strictModeLine } = await import('../../cilium/views.js');
    const snap = loadSnapshot(store, str(args['resourceGroup'])!, str(args['name'])!);
    env.stdout.write(renderClusterEncryptionStatus(encryptionCounts(snap.cluster, snap.cilium, snap.now)));
    env.stdout.write(`${strictModeLine(snap.cilium.strictEgressCidr, ': ').replace('\t', ' ')}\n`);
    const rollout = snap.cilium.rollout;
    if (rollout && rolloutInProgress(snap.cilium, snap.now)) {
      const done = rollout.order.filter((_, i) => rollout.startedAtMs + (i + 1) * rollout.intervalMs <= snap.now).length;
      ui.info(`Rolling restart of the Cilium agents in progress: ${done}/${rollout.order.length} restarted (advance the clock: aks-wg clock advance 10s).`);
    }
    if (snap.cilium.strictEgressCidr) ui.info(`Strict egress mode: unencrypted pod-to-pod traffic to ${snap.cilium.strictEgressCidr} is dropped.`);
    const rogue = snap.cilium.rogue;
    if (rogue) ui.warn(`machine ${rogue.name} (${rogue.ip}) holds a WireGuard key that no CiliumNode lists; every node drops its WireGuard packets.`);
    return PRINTED;
  },
};
