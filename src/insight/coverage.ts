/**
 * Path classes and the what-if comparison: for a flow between two endpoints, which path class it is (the same
 * classes `traffic inspect` reports) and whether each encryption option would encrypt it on the wire.
 *
 * The options (--compare), from the Cilium and Azure documentation:
 *   none            nothing is encrypted.
 *   wireguard       Cilium WireGuard as AKS ships it (node encryption off): pod → pod on another node only, when
 *                   both nodes' agents have a published key.
 *   wireguard-node  WireGuard with Cilium's node encryption: also node/hostNetwork traffic to another node, and pod
 *                   traffic to another node's IP — every packet between two cluster nodes, except for nodes that
 *                   opted out (control plane).
 *   vnet            Azure Virtual Network encryption: every packet that leaves a VM towards another VM of the VNet,
 *                   pod and node traffic alike — only when both VMs are of a supported size (vnet-sizes.ts); never
 *                   same-node traffic (it does not leave the VM); never traffic leaving the VNet.
 *   wireguard-vnet  both: a flow is encrypted when either layer encrypts it.
 */
import type { Endpoint, IndexedModel } from './model.js';
import { vnetEncryptionSupported } from './vnet-sizes.js';

export const PATH_CLASSES = ['inter-node', 'same-node', 'node-originated', 'to-node', 'external'] as const;
export type PathClass = (typeof PATH_CLASSES)[number];

export const SCENARIOS = ['none', 'wireguard', 'wireguard-node', 'vnet', 'wireguard-vnet'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const SCENARIO_TITLES: Readonly<Record<Scenario, string>> = {
  none: 'No encryption',
  wireguard: 'WireGuard (AKS)',
  'wireguard-node': 'WireGuard + node enc.',
  vnet: 'VNet encryption',
  'wireguard-vnet': 'WireGuard + VNet',
};

/** Bits of a scenario set, one per scenario in SCENARIOS order. */
export const SCENARIO_BIT: Readonly<Record<Scenario, number>> = { none: 1, wireguard: 2, 'wireguard-node': 4, vnet: 8, 'wireguard-vnet': 16 };

export interface Placement {
  readonly path: PathClass;
  /** Does the packet leave the source VM (so that something on the wire could see it)? */
  readonly leavesNode: boolean;
}

/**
 * The path class of a flow (the definitions of `traffic inspect`):
 * external (either end outside the cluster) → node-originated (source is a node or hostNetwork pod) → same-node
 * (both ends on one node) → to-node (a pod to another node's IP or hostNetwork pod) → inter-node (pod to pod).
 */
export function placeFlow(src: Endpoint, dst: Endpoint): Placement {
  const sameNode = src.node !== null && src.node === dst.node;
  if (src.kind === 'external' || dst.kind === 'external') return { path: 'external', leavesNode: src.kind !== 'external' || dst.kind !== 'external' };
  if (src.kind === 'node') return { path: 'node-originated', leavesNode: !sameNode };
  if (sameNode) return { path: 'same-node', leavesNode: false };
  if (dst.kind === 'node') return { path: 'to-node', leavesNode: true };
  return { path: 'inter-node', leavesNode: true };
}

/** What the scenarios need to know about the cluster's nodes. */
export interface NodeFacts {
  wireguard: boolean;
  optOut: boolean;
  vnetSupported: boolean;
}

/** Precompute per-node facts (VM size support is a regex per node, so do it once). */
export function nodeFacts(index: IndexedModel): Map<string, NodeFacts> {
  const out = new Map<string, NodeFacts>();
  for (const n of index.model.nodes) {
    out.set(n.name, {
      wireguard: n.wireguard ?? index.model.wireguard,
      optOut: Boolean(n.optOutNodeEncryption),
      vnetSupported: vnetEncryptionSupported(n.vmSize),
    });
  }
  return out;
}

/**
 * The scenarios (a SCENARIO_BIT mask) that would encrypt this flow on the wire.
 * "WireGuard" here means the key exchange is in place on both nodes: a node without a published key gets no peer.
 */
export function scenarioMask(src: Endpoint, dst: Endpoint, place: Placement, facts: ReadonlyMap<string, NodeFacts>): number {
  if (!place.leavesNode || place.path === 'external') return 0;
  const a = src.node === null ? undefined : facts.get(src.node);
  const b = dst.node === null ? undefined : facts.get(dst.node);
  if (!a || !b) return 0;
  let mask = 0;
  const wgBoth = a.wireguard && b.wireguard;
  if (wgBoth && place.path === 'inter-node') mask |= SCENARIO_BIT.wireguard | SCENARIO_BIT['wireguard-node'];
  else if (wgBoth && !a.optOut && !b.optOut) mask |= SCENARIO_BIT['wireguard-node'];
  if (a.vnetSupported && b.vnetSupported) mask |= SCENARIO_BIT.vnet;
  if (mask & (SCENARIO_BIT.wireguard | SCENARIO_BIT.vnet)) mask |= SCENARIO_BIT['wireguard-vnet'];
  return mask;
}

/** The scenario the cluster is configured as (what "encrypted" means for a flow of this cluster). */
export function configuredScenario(model: { wireguard: boolean; nodeEncryption: boolean }): Scenario {
  return !model.wireguard ? 'none' : model.nodeEncryption ? 'wireguard-node' : 'wireguard';
}

export interface Tally {
  total: number;
  encrypted: number;
}

/** Coverage of one scenario: overall, per path class and per namespace. */
export interface ScenarioCoverage {
  scenario: Scenario;
  title: string;
  total: number;
  encrypted: number;
  percent: number;
  byPath: Record<PathClass, Tally & { percent: number }>;
  byNamespace: Record<string, Tally & { percent: number }>;
}

export interface CoverageData {
  total: number;
  all: number[];
  byPath: [PathClass, number[]][];
  byNs: [string, number[]][];
}

/** Accumulates flows (each with a weight, e.g. 1 per unique flow) into per-scenario coverage. */
export class CoverageAccumulator {
  private total = 0;
  private readonly byPath = new Map<PathClass, number[]>();
  private readonly byNs = new Map<string, number[]>();
  private readonly all = new Array<number>(SCENARIOS.length + 1).fill(0);

  add(path: PathClass, namespace: string, mask: number, weight = 1): void {
    this.total += weight;
    const rows = [this.all, this.row(this.byPath, path), this.row(this.byNs, namespace)];
    for (const r of rows) {
      r[0]! += weight;
      for (let i = 0; i < SCENARIOS.length; i++) if (mask & (1 << i)) r[i + 1]! += weight;
    }
  }

  /** The counts as plain data (to send from a worker). */
  data(): CoverageData {
    return { total: this.total, all: [...this.all], byPath: [...this.byPath], byNs: [...this.byNs] };
  }

  /** Add another accumulator's counts. */
  absorb(d: CoverageData): void {
    this.total += d.total;
    d.all.forEach((v, i) => (this.all[i]! += v));
    for (const [k, r] of d.byPath) this.row(this.byPath, k).forEach((_, i, row) => (row[i]! += r[i]!));
    for (const [k, r] of d.byNs) this.row(this.byNs, k).forEach((_, i, row) => (row[i]! += r[i]!));
  }

  private row<K>(map: Map<K, number[]>, key: K): number[] {
    let r = map.get(key);
    if (!r) map.set(key, (r = new Array<number>(SCENARIOS.length + 1).fill(0)));
    return r;
  }

  result(): ScenarioCoverage[] {
    const pct = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 1000) / 10);
    const tally = (r: number[], i: number) => ({ total: r[0]!, encrypted: r[i + 1]!, percent: pct(r[i + 1]!, r[0]!) });
    return SCENARIOS.map((scenario, i) => {
      const byPath = {} as Record<PathClass, Tally & { percent: number }>;
      for (const p of PATH_CLASSES) byPath[p] = tally(this.byPath.get(p) ?? [0, 0, 0, 0, 0, 0], i);
      const byNamespace: Record<string, Tally & { percent: number }> = {};
      for (const ns of [...this.byNs.keys()].sort()) byNamespace[ns] = tally(this.byNs.get(ns)!, i);
      return { scenario, title: SCENARIO_TITLES[scenario], total: this.total, encrypted: this.all[i + 1]!, percent: pct(this.all[i + 1]!, this.total), byPath, byNamespace };
    });
  }
}

/** The namespace a flow is counted under: the source's, else the destination's, else "(host)" / "(world)". */
export function flowNamespace(src: Endpoint, dst: Endpoint): string {
  return src.namespace ?? dst.namespace ?? (src.kind === 'external' || dst.kind === 'external' ? '(world)' : '(host)');
}

/** The comparison as text columns (for `--compare` on a terminal or -o table). */
export function renderComparison(title: string, coverage: readonly ScenarioCoverage[], opts: { namespaces?: boolean } = {}): string {
  const head = ['', 'flows', ...coverage.map((c) => c.title)];
  const cell = (t: Tally & { percent: number }) => (t.total === 0 ? '-' : `${t.encrypted} (${t.percent}%)`);
  const rows: string[][] = [];
  const first = coverage[0];
  if (!first) return '';
  rows.push(['all flows', String(first.total), ...coverage.map((c) => cell({ total: c.total, encrypted: c.encrypted, percent: c.percent }))]);
  for (const p of PATH_CLASSES) {
    if (first.byPath[p].total === 0) continue;
    rows.push([p, String(first.byPath[p].total), ...coverage.map((c) => cell(c.byPath[p]))]);
  }
  if (opts.namespaces !== false) {
    for (const ns of Object.keys(first.byNamespace)) {
      rows.push([`ns ${ns}`, String(first.byNamespace[ns]!.total), ...coverage.map((c) => cell(c.byNamespace[ns]!))]);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => (i < 2 ? (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)) : v.padStart(widths[i]!))).join('  ').trimEnd();
  return [title, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
