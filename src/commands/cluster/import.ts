/**
 * `aks-wg cluster import -g RG -n NAME --from-kubectl FILE [--ciliumnodes FILE]`: a local cluster built from a real
 * cluster's inventory, so every other command (kubectl get, traffic inspect, --hubble, --compare) answers for it.
 *
 * Reading never throws on content: what cannot be mapped is a WARNING naming the object; input that is wrong (not
 * JSON, truncated, not a v1 List, a pod on a node that is not in the list) is an ERROR line with its location. The
 * command fails (exit 1) only when nothing usable was read (no node). Everything is stored in one mutation, so a
 * failure leaves no partial cluster behind.
 *
 * Keys: only public keys leave a real node. The simulation gives every imported node a fresh simulation key (its key
 * file), so the fabric can really encrypt; the real public keys are kept in `imported.json` beside the cluster and
 * shown by this command's output (`importedWireGuardKeys`) and the views that read it. A node whose CiliumNode has
 * no key runs its agent without WireGuard, as on the real cluster.
 */
import * as path from 'node:path';
import type { CommandSpec } from '../command.js';
import { CommandError, ValidationError } from '../../errors.js';
import { CLUSTER_NAME, clusterTable, RESOURCE_GROUP, str, subscriptionId } from '../common.js';

export interface ImportOptions {
  resourceGroup: string;
  name: string;
  kubectlFile: string;
  ciliumFile?: string;
}

function readInput(env: Parameters<CommandSpec['run']>[0]['env'], flag: string, file: string): { text: string; file: string } {
  const abs = path.resolve(env.cwd, file);
  try {
    return { text: env.fs.readFileSync(abs, 'utf8'), file };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new ValidationError(`${flag} ${file}: ${why}`);
  }
}

export const clusterImport: CommandSpec = {
  path: ['cluster', 'import'],
  summary: 'Create a local cluster from a real cluster’s `kubectl get nodes,pods,services -A -o json` (and CiliumNodes).',
  flags: [
    RESOURCE_GROUP,
    CLUSTER_NAME,
    { long: 'from-kubectl', kind: 'string', required: true, help: 'The output of `kubectl get nodes,pods,services -A -o json` (a v1 List).' },
    { long: 'ciliumnodes', kind: 'string', help: 'The output of `kubectl get ciliumnodes -o json`: pod CIDRs and WireGuard public keys.' },
  ],
  output: { table: clusterTable },
  examples: [
    'kubectl get nodes,pods,services -A -o json > cluster.json && kubectl get ciliumnodes -o json > cn.json',
    'aks-wg cluster import -g RG -n prod --from-kubectl cluster.json --ciliumnodes cn.json',
  ],
  async run({ env, args, ui }) {
    const o: ImportOptions = {
      resourceGroup: str(args['resourceGroup'])!,
      name: str(args['name'])!,
      kubectlFile: str(args['fromKubectl'])!,
      ciliumFile: str(args['ciliumnodes']),
    };
    const kubectl = readInput(env, '--from-kubectl', o.kubectlFile);
    const cilium = o.ciliumFile === undefined ? undefined : readInput(env, '--ciliumnodes', o.ciliumFile);
    const { planImport } = await import('../../import/kubectl-import.js');
    const { buildImportedCluster } = await import('../../import/import-cluster.js');
    const { writeImported } = await import('../../repo/imported.js');
    const plan = planImport(kubectl, cilium);
    for (const d of plan.diagnostics) {
      if (d.severity === 'warning') ui.warn(`${d.location}: ${d.message}`);
      else if (plan.nodes.length > 0) ui.error(`${d.location}: ${d.message}`);
    }
    if (plan.nodes.length === 0) {
      const errors = plan.diagnostics.filter((d) => d.severity === 'error');
      const first = errors[0] ?? { location: o.kubectlFile, message: 'no usable Node in the list' };
      const more = errors.length > 1 ? `\n${errors.slice(1).map((d) => `${d.location}: ${d.message}`).join('\n')}` : '';
      throw new CommandError(`${first.location}: ${first.message}; nothing was imported${more}`);
    }
    const { openStore, tryReadCluster, writeCluster } = await import('../../repo/cluster.js');
    const { writeWorkloads } = await import('../../repo/workloads.js');
    const { syncCilium } = await import('../../repo/cilium.js');
    const { writeCilium } = await import('../../repo/cilium-doc.js');
    const store = openStore(env);
    const built = await ui.spin('Importing ..', () =>
      store.mutate((tx) => {
        if (tryReadCluster(tx, o.resourceGroup, o.name)) {
          throw new CommandError(
            `The cluster '${o.name}' under resource group '${o.resourceGroup}' already exists. Delete it first (aks-wg cluster delete) or import under a different name.`,
          );
        }
        const built = buildImportedCluster(plan, {
          resourceGroup: o.resourceGroup,
          name: o.name,
          subscriptionId: subscriptionId(env),
          nowMs: env.clock.now(),
          kubectlFile: o.kubectlFile,
          ciliumFile: o.ciliumFile ?? null,
        });
        writeCluster(tx, built.doc);
        writeWorkloads(tx, built.doc, built.workloads);
        // Simulation keys for every agent (the real private keys never leave the real nodes) ...
        const { cilium } = syncCilium(tx, built.doc, env.rng, { mode: 'at-once' });
        // ... and nodes whose CiliumNode published no key run their agent without WireGuard, as they do for real.
        if (built.imported.ciliumNodes) {
          let changed = false;
          for (const [node, facts] of Object.entries(built.imported.nodes)) {
            const agent = cilium.agents[node];
            if (agent && (facts.publicKey === null || facts.optedOut) && agent.publicKey !== null) {
              agent.publicKey = null;
              agent.wireguardSinceMs = null;
              changed = true;
            }
          }
          if (changed) writeCilium(tx, built.doc, cilium);
        }
        writeImported(tx, o.resourceGroup, o.name, built.imported);
        return built;
      }),
    );
    for (const note of built.notes) ui.warn(note);
    const pools = built.doc.managedCluster.agentPoolProfiles.length;
    const running = built.workloads.pods.filter((p) => p.node !== null).length;
    const keyed = Object.values(built.imported.nodes).filter((n) => n.publicKey !== null).length;
    ui.info(
      `Imported ${built.doc.nodes.length} node${built.doc.nodes.length === 1 ? '' : 's'} in ${pools} pool${pools === 1 ? '' : 's'}, ` +
        `${running} running pod${running === 1 ? '' : 's'} (${built.workloads.pods.length - running} pending), ${built.workloads.services.length} service${built.workloads.services.length === 1 ? '' : 's'}` +
        (built.imported.ciliumNodes ? `; ${keyed} node${keyed === 1 ? '' : 's'} with a published WireGuard key (simulation keys are used on the simulated wire)` : ''),
    );
    return built.doc.managedCluster;
  },
};
