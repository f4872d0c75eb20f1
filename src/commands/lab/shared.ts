/**
 * What every `lab` command shares: the prerequisites (root, /dev/net/tun, the tools), the size limit, and the model
 * a lab is built from — the cluster, its running pods and what the simulated Cilium agents compute now (each node's
 * cilium_wg0 with the agent's peers and AllowedIPs, strict mode, the rogue machine).
 */
import { rogueConfig, wireguardConfigs, type CiliumDoc } from '../../cilium/agents.js';
import { keyReader, loadCilium } from '../../repo/cilium-doc.js';
import { clusterNow } from '../../cluster/clock.js';
import { fnv1a, type ClusterDoc } from '../../cluster/doc.js';
import { loadCluster, openStore } from '../../repo/cluster.js';
import { loadWorkloads } from '../../repo/workloads.js';
import type { Workloads } from '../../cluster/workloads.js';
import { CommandError } from '../../errors.js';
import type { Env } from '../../platform/env.js';
import { availableMemoryMiB, labPrerequisitesMissing } from '../../platform/lab-shell.js';
import type { Store } from '../../state/store.js';
import { acquireLock, releaseLock } from '../../state/lock.js';
import * as path from 'node:path';
import { labPlan, planNamespaces, type LabPlan } from '../../lab/plan.js';
import { LabFiles } from '../../lab/record.js';

/** Tools `lab up`/`traffic inspect --dataplane lab` run (Debian: iproute2 wireguard-go wireguard-tools nftables tshark iputils-ping). */
export const LAB_TOOLS = ['ip', 'unshare', 'nsenter', 'mount', 'sh', 'wireguard-go', 'wg', 'nft', 'tshark', 'dumpcap', 'ping'] as const;
export const LAB_PACKAGES = 'iproute2 wireguard-go wireguard-tools nftables tshark iputils-ping';

/**
 * Size limits, from bench/ section 70-lab on the 2-core development machine shared with other work: one idle
 * wireguard-go holds about 5 MiB resident (4.7–5.4 MiB in a 20-node lab), and `lab up` builds 3 nodes in 0.8 s,
 * 10 in 2.6 s and 20 in 4.7 s (about 0.23 s per node). At 50 nodes that is about 12 s and 250 MiB of wireguard-go;
 * beyond it the build outlasts its use on a laptop, so the lab stops there.
 */
export const MAX_LAB_NODES = 50;
export const MAX_LAB_NAMESPACES = 1000;
/** Memory a lab needs per wireguard-go process (measured ≈5 MiB idle, with headroom for traffic) and per namespace, in MiB. */
export const WG_GO_MIB = 12;
export const NAMESPACE_MIB = 0.5;

/** @throws CommandError naming what the machine lacks for a lab. */
export function checkPrerequisites(tools: readonly string[] = LAB_TOOLS): void {
  const missing = labPrerequisitesMissing(tools);
  if (missing.length === 0) return;
  const privileges = missing.filter((m) => m.startsWith('root') || m === '/dev/net/tun');
  const programs = missing.filter((m) => !privileges.includes(m));
  const parts = [
    privileges.length ? `${privileges.join(' and ')} (run it with sudo, on a machine with the tun device)` : '',
    programs.length ? `${programs.join(', ')}, missing on this machine (Debian: apt-get install -y ${LAB_PACKAGES})` : '',
  ].filter(Boolean);
  throw new CommandError(`the lab needs ${parts.join('; and ')}`);
}

/** Why a plan is too big for this machine, or undefined. Checked before anything is created. */
export function sizeProblem(plan: LabPlan, availableMiB: number): string | undefined {
  const namespaces = planNamespaces(plan).length;
  const wgCount = plan.nodes.filter((n) => n.wg).length + (plan.rogue?.wg ? 1 : 0);
  if (plan.nodes.length > MAX_LAB_NODES) return `the cluster has ${plan.nodes.length} nodes; the lab builds at most ${MAX_LAB_NODES} (measured: about 0.23 s and one 5 MiB wireguard-go per node on a 2-core machine)`;
  if (namespaces > MAX_LAB_NAMESPACES) return `the lab would need ${namespaces} network namespaces (one per node and running pod); the limit is ${MAX_LAB_NAMESPACES}`;
  const need = Math.ceil(wgCount * WG_GO_MIB + namespaces * NAMESPACE_MIB);
  if (need > availableMiB / 2) return `the lab needs about ${need} MiB (${wgCount} wireguard-go × ${WG_GO_MIB} MiB + ${namespaces} namespaces × ${NAMESPACE_MIB} MiB) and this machine has ${availableMiB} MiB available; the lab uses at most half`;
  return undefined;
}

export function checkSize(plan: LabPlan): void {
  const problem = sizeProblem(plan, availableMemoryMiB());
  if (problem) throw new CommandError(`lab up: ${problem}. Nothing was created.`);
}

export interface LabModel {
  readonly store: Store;
  readonly doc: ClusterDoc;
  readonly workloads: Workloads;
  readonly cilium: CiliumDoc;
  readonly atMs: number;
  readonly plan: LabPlan;
  readonly readKey: (machine: string) => Uint8Array | undefined;
  /** What the plan was made from (changes when a live change needs the lab rebuilt). */
  readonly fingerprint: string;
}

/** The cluster's model now and the lab it makes. @throws ResourceNotFoundError for an unknown cluster. */
export function labModel(env: Env, resourceGroup: string, name: string): LabModel {
  const store = openStore(env);
  const doc = loadCluster(store, resourceGroup, name);
  const rg = doc.managedCluster.resourceGroup;
  const cname = doc.managedCluster.name;
  const workloads = loadWorkloads(store, doc);
  const cilium = loadCilium(store, rg, cname);
  const atMs = clusterNow(doc);
  const readKey = keyReader(store, rg, cname);
  const input = { cluster: doc, workloads, cilium, readKey };
  const configs = wireguardConfigs(input, atMs);
  const rogue = cilium.rogue;
  const plan = labPlan({
    resourceGroup: rg,
    name: cname,
    nodes: doc.nodes.map((n) => ({ name: n.name, ip: n.ip, podCidr: n.podCidr })),
    nodeSubnet: doc.nodeSubnet,
    pods: workloads.pods.flatMap((p) => (p.node !== null && p.ip !== null ? [{ namespace: p.namespace, name: p.name, node: p.node, ip: p.ip, hostNetwork: p.hostNetwork }] : [])),
    wireguard: configs,
    strictEgressCidr: cilium.strictEgressCidr,
    rogue: rogue ? { name: rogue.name, ip: rogue.ip, config: rogueConfig({ ...input, readRogueKey: () => readKey(rogue.name) }, atMs) } : undefined,
  });
  return { store, doc, workloads, cilium, atMs, plan, readKey, fingerprint: planFingerprint(plan) };
}

/** A short hash of a plan (public parts only). */
export function planFingerprint(plan: LabPlan): string {
  return fnv1a(JSON.stringify(plan)).toString(16).padStart(8, '0');
}

export function labFiles(env: Env, plan: Pick<LabPlan, 'prefix'>): LabFiles {
  return new LabFiles(env.fs, env.home, plan.prefix);
}

/** How long a lab command waits for another one on the same machine's state directory (a lab inspect takes a while). */
export const LAB_LOCK_TIMEOUT_MS = 300_000;

/**
 * Run `work` holding the labs' lock (`<state dir>/lab/.lock`): two lab commands never build, change, send through
 * or remove labs at once (they share capture directories and source ports, and a teardown must not race a build).
 */
export async function withLabLock<T>(env: Env, work: () => Promise<T>): Promise<T> {
  const dir = path.join(env.home, 'lab');
  env.fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = await acquireLock(env, dir, LAB_LOCK_TIMEOUT_MS);
  try {
    return await work();
  } finally {
    releaseLock(env, lock);
  }
}
