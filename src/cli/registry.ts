/** Every command aks-wg has, by group. Command modules stay light: heavy imports happen inside run(). */
import type { CommandSpec } from './command.js';
import type { Group } from './program.js';
import { clusterCreate } from '../commands/cluster/create.js';
import { clusterDelete } from '../commands/cluster/delete.js';
import { clusterList } from '../commands/cluster/list.js';
import { clusterShow } from '../commands/cluster/show.js';
import { clusterUpdate } from '../commands/cluster/update.js';
import { nodepoolAdd } from '../commands/nodepool/add.js';
import { nodepoolDelete } from '../commands/nodepool/delete.js';
import { nodepoolList } from '../commands/nodepool/list.js';
import { nodepoolScale } from '../commands/nodepool/scale.js';
import { nodepoolShow } from '../commands/nodepool/show.js';
import { wgGenkeySpec, wgGenpskSpec, wgPubkeySpec } from '../commands/wg/keys.js';
import { wgListenSpec } from '../commands/wg/listen.js';
import { wgPingSpec } from '../commands/wg/ping.js';

/** Kept equal to package.json's version by a test. */
export const VERSION = '0.1.0';

export const GROUPS: readonly Group[] = [
  { name: 'cluster', summary: 'Manage simulated Azure Kubernetes Service clusters (az aks).' },
  { name: 'nodepool', summary: 'Manage node pools in a cluster (az aks nodepool).' },
  { name: 'wg', summary: 'WireGuard keys, and a userspace WireGuard endpoint to test a peer (wg genkey/pubkey/genpsk, ping, listen).' },
];

export const SPECS: readonly CommandSpec[] = [
  clusterCreate,
  clusterUpdate,
  clusterShow,
  clusterList,
  clusterDelete,
  nodepoolAdd,
  nodepoolScale,
  nodepoolShow,
  nodepoolList,
  nodepoolDelete,
  wgGenkeySpec,
  wgPubkeySpec,
  wgGenpskSpec,
  wgPingSpec,
  wgListenSpec,
];
