/**
 * Every command aks-wg has, by group. Only the invoked command's module is loaded (ESM loading is most of the
 * CLI's start-up), so a command costs nothing until it runs; help for a group loads that group's commands.
 */
import type { CommandSpec } from '../commands/command.js';
import type { Group } from './program.js';

/** Kept equal to package.json's version by a test. */
export const VERSION = '0.1.0';

export const GROUPS: readonly Group[] = [
  { name: 'cluster', summary: 'Manage simulated Azure Kubernetes Service clusters (az aks).' },
  { name: 'nodepool', summary: 'Manage node pools in a cluster (az aks nodepool).' },
  { name: 'node', summary: "Manage a cluster's nodes: list them with their Cilium agent's WireGuard state, reimage one, attach a rogue machine." },
  { name: 'kubectl', summary: 'Kubernetes commands against the current context (kubectl).' },
  { name: 'clock', summary: "A cluster's simulated clock: show it, move it forward." },
  { name: 'traffic', summary: 'Run flows through the simulated Cilium fabric and show which ones WireGuard encrypts.' },
  { name: 'version', summary: 'Show the versions of aks-wg and Node.js (as az version).' },
  { name: 'completion', summary: 'Print a bash or zsh completion script.' },
  { name: 'lab', summary: 'The cluster on real Linux networking: network namespaces, wireguard-go per node, verdicts read off a real capture (needs root).' },
  { name: 'wg', summary: 'WireGuard keys, and a userspace WireGuard endpoint to test a peer (wg genkey/pubkey/genpsk, ping, listen).' },
];

export interface CommandEntry {
  readonly path: readonly string[];
  load(): Promise<CommandSpec>;
}

/** The worker entry script of a sharded `traffic inspect`: compiled next to this file's .js (absent from the sources). */
const FABRIC_WORKER = new URL('./workers/fabric-worker.js', import.meta.url);

const entry = (path: string, load: () => Promise<CommandSpec>): CommandEntry => ({ path: path.split(' '), load });

export const COMMANDS: readonly CommandEntry[] = [
  entry('cluster create', async () => (await import('../commands/cluster/create.js')).clusterCreate),
  entry('cluster update', async () => (await import('../commands/cluster/update.js')).clusterUpdate),
  entry('cluster show', async () => (await import('../commands/cluster/show.js')).clusterShow),
  entry('cluster list', async () => (await import('../commands/cluster/list.js')).clusterList),
  entry('cluster delete', async () => (await import('../commands/cluster/delete.js')).clusterDelete),
  entry('cluster import', async () => (await import('../commands/cluster/import.js')).clusterImport),
  entry('cluster get-credentials', async () => (await import('../commands/cluster/get-credentials.js')).clusterGetCredentials),
  entry('cluster encryption-status', async () => (await import('../commands/cluster/encryption-status.js')).clusterEncryptionStatus),
  entry('nodepool add', async () => (await import('../commands/nodepool/add.js')).nodepoolAdd),
  entry('nodepool scale', async () => (await import('../commands/nodepool/scale.js')).nodepoolScale),
  entry('nodepool show', async () => (await import('../commands/nodepool/show.js')).nodepoolShow),
  entry('nodepool list', async () => (await import('../commands/nodepool/list.js')).nodepoolList),
  entry('nodepool delete', async () => (await import('../commands/nodepool/delete.js')).nodepoolDelete),
  entry('node list', async () => (await import('../commands/node/list.js')).nodeList),
  entry('node reimage', async () => (await import('../commands/node/reimage.js')).nodeReimage),
  entry('node add-rogue', async () => (await import('../commands/node/add-rogue.js')).nodeAddRogue),
  entry('node wg-showconf', async () => (await import('../commands/node/wg-showconf.js')).nodeWgShowconf),
  entry('kubectl get', async () => (await import('../commands/kubectl/get.js')).kubectlGet),
  entry('kubectl apply', async () => (await import('../commands/kubectl/apply.js')).kubectlApply),
  entry('kubectl delete', async () => (await import('../commands/kubectl/apply.js')).kubectlDelete),
  entry('kubectl exec', async () => (await import('../commands/kubectl/exec.js')).kubectlExec),
  entry('kubectl describe', async () => (await import('../commands/kubectl/describe.js')).kubectlDescribe),
  entry('kubectl config', async () => (await import('../commands/kubectl/config.js')).kubectlConfig),
  entry('clock show', async () => (await import('../commands/clock/clock.js')).clockShow),
  entry('clock advance', async () => (await import('../commands/clock/clock.js')).clockAdvance),
  entry('traffic inspect', async () => (await import('../commands/traffic/inspect.js')).trafficInspectSpec(FABRIC_WORKER)),
  // the meta commands are handed what they read of the registry, so they do not import it back
  entry('version', async () => (await import('./meta/version.js')).versionSpec(VERSION)),
  entry('completion', async () => (await import('./meta/completion.js')).completionSpec(() => loadSpecs())),
  entry('lab up', async () => (await import('../commands/lab/lab.js')).labUpSpec),
  entry('lab status', async () => (await import('../commands/lab/lab.js')).labStatusSpec),
  entry('lab exec', async () => (await import('../commands/lab/lab.js')).labExecSpec),
  entry('lab down', async () => (await import('../commands/lab/lab.js')).labDownSpec),
  entry('wg genkey', async () => (await import('../commands/wg/keys.js')).wgGenkeySpec),
  entry('wg pubkey', async () => (await import('../commands/wg/keys.js')).wgPubkeySpec),
  entry('wg genpsk', async () => (await import('../commands/wg/keys.js')).wgGenpskSpec),
  entry('wg ping', async () => (await import('../commands/wg/ping.js')).wgPingSpec),
  entry('wg listen', async () => (await import('../commands/wg/listen.js')).wgListenSpec),
];

/** The specs of the commands `keep` selects (all by default), in registry order. */
export async function loadSpecs(keep: (e: CommandEntry) => boolean = () => true): Promise<CommandSpec[]> {
  // One at a time: jest's ESM loader fails on concurrent imports that share a dependency.
  const specs: CommandSpec[] = [];
  for (const e of COMMANDS.filter(keep)) specs.push(await e.load());
  return specs;
}
