/** Every command aks-wg has, by group. Command modules stay light: heavy imports happen inside run(). */
import type { CommandSpec } from './command.js';
import type { Group } from './program.js';
import { clusterCreate } from '../commands/cluster/create.js';
import { clockAdvance, clockShow } from '../commands/clock/clock.js';
import { clusterDelete } from '../commands/cluster/delete.js';
import { clusterImport } from '../commands/cluster/import.js';
import { clusterEncryptionStatus } from '../commands/cluster/encryption-status.js';
import { clusterGetCredentials } from '../commands/cluster/get-credentials.js';
import { clusterList } from '../commands/cluster/list.js';
import { clusterShow } from '../commands/cluster/show.js';
import { clusterUpdate } from '../commands/cluster/update.js';
import { kubectlApply, kubectlDelete } from '../commands/kubectl/apply.js';
import { kubectlExec } from '../commands/kubectl/exec.js';
import { kubectlGet } from '../commands/kubectl/get.js';
import { nodeAddRogue } from '../commands/node/add-rogue.js';
import { nodeList } from '../commands/node/list.js';
import { nodeReimage } from '../commands/node/reimage.js';
import { nodeWgShowconf } from '../commands/node/wg-showconf.js';
import { nodepoolAdd } from '../commands/nodepool/add.js';
import { nodepoolDelete } from '../commands/nodepool/delete.js';
import { nodepoolList } from '../commands/nodepool/list.js';
import { nodepoolScale } from '../commands/nodepool/scale.js';
import { nodepoolShow } from '../commands/nodepool/show.js';
import { trafficInspect } from '../commands/traffic/inspect.js';
import { wgGenkeySpec, wgGenpskSpec, wgPubkeySpec } from '../commands/wg/keys.js';
import { wgListenSpec } from '../commands/wg/listen.js';
import { wgPingSpec } from '../commands/wg/ping.js';

/** Kept equal to package.json's version by a test. */
export const VERSION = '0.1.0';

export const GROUPS: readonly Group[] = [
  { name: 'cluster', summary: 'Manage simulated Azure Kubernetes Service clusters (az aks).' },
  { name: 'nodepool', summary: 'Manage node pools in a cluster (az aks nodepool).' },
  { name: 'node', summary: "Manage a cluster's nodes: list them with their Cilium agent's WireGuard state, reimage one, attach a rogue machine." },
  { name: 'kubectl', summary: 'Kubernetes commands against the current context (kubectl).' },
  { name: 'clock', summary: "A cluster's simulated clock: show it, move it forward." },
  { name: 'traffic', summary: 'Run flows through the simulated Cilium fabric and show which ones WireGuard encrypts.' },
  { name: 'wg', summary: 'WireGuard keys, and a userspace WireGuard endpoint to test a peer (wg genkey/pubkey/genpsk, ping, listen).' },
];

export const SPECS: readonly CommandSpec[] = [
  clusterCreate,
  clusterUpdate,
  clusterShow,
  clusterList,
  clusterDelete,
  clusterImport,
  clusterGetCredentials,
  clusterEncryptionStatus,
  nodepoolAdd,
  nodepoolScale,
  nodepoolShow,
  nodepoolList,
  nodepoolDelete,
  nodeList,
  nodeReimage,
  nodeAddRogue,
  nodeWgShowconf,
  kubectlGet,
  kubectlApply,
  kubectlDelete,
  kubectlExec,
  clockShow,
  clockAdvance,
  trafficInspect,
  wgGenkeySpec,
  wgPubkeySpec,
  wgGenpskSpec,
  wgPingSpec,
  wgListenSpec,
];
