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
 *
 * Each option is counterfactual: what would be encrypted if it were configured, whatever the cluster runs today
 * (a cluster on the azure dataplane still shows what WireGuard would cover; optionNotes names the change it needs).
 * The path class comes from the one classifier, cluster/path.ts.
 */
import { classifyPath, leavesNode, PATH_CLASSES, type PathClass } from '../cluster/path.js';
import type { Endpoint, IndexedModel } from './model.js';
import { vnetEncryptionSupported } from '../aks/vnet-sizes.js';

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

/** What the scenarios need to know about the cluster's nodes. */
export interface NodeFacts {
  /** Would the node's agent take part in WireGuard (publish a key) were WireGuard configured? */
  wireguard: boolean;
  optOut: boolean;
  vnetSupported: boolean;
}

/** Precompute per-node facts (VM size support is a regex per node, so do it once). */
export function nodeFacts(index: IndexedModel): Map<string, NodeFacts> {
  const out = new Map<string, NodeFacts>();
  for (const n of index.model.nodes) {
    out.set(n.name, {
      wireguard: n.wireguard ?? true,
      optOut: Boolean(n.optOutNodeEncryption),
      vnetSupported: vnetEncryptionSupported(n.vmSize),
    });
  }
  return out;
}

/**
 * The one would-encrypt function: the options (a SCENARIO_BIT mask) under which this flow would be encrypted on the
 * wire, each as if it were configured. "WireGuard" means the key exchange is in place on both nodes: a node without
 * a published key gets no peer.
 */
export function wouldEncrypt(src: Endpoint, dst: Endpoint, facts: ReadonlyMap<string, NodeFacts>): number {
  const path = classifyPath(src, dst);
  if (path === 'external' || !leavesNode(src, dst)) return 0;
  const a = src.node === null ? undefined : facts.get(src.node);
  const b = dst.node === null ? undefined : facts.get(dst.node);
  if (!a || !b) return 0;
  let mask = 0;
  const wgBoth = a.wireguard && b.wireguard;
  if (wgBoth && path === 'inter-node') mask |= SCENARIO_BIT.wireguard | SCENARIO_BIT['wireguard-node'];
  else if (wgBoth && !a.optOut && !b.optOut) mask |= SCENARIO_BIT['wireguard-node'];
  if (a.vnetSupported && b.vnetSupported) mask |= SCENARIO_BIT.vnet;
  if (mask & (SCENARIO_BIT.wireguard | SCENARIO_BIT.vnet)) mask |= SCENARIO_BIT['wireguard-vnet'];
  return mask;
}

/** The facts of a cluster that decide whether an option can be configured as it is. */
export interface ClusterNetwork {
  readonly resourceGroup: string;
  readonly name: string;
  readonly networkPlugin: string | null;
  readonly networkDataplane: string | null;
  readonly wireguard: boolean;
}

/**
 * For each option that needs a change to the cluster before it can be configured, that change in words (the
 * comparison shows its coverage anyway). Facts: WireGuard transit encryption needs ACNS on a Cilium-based cluster
 * (Azure CNI with the Cilium dataplane); AKS does not offer Cilium's node encryption.
 */
export function optionNotes(c: ClusterNetwork): Partial<Record<Scenario, string>> {
  const target = `-g ${c.resourceGroup} -n ${c.name}`;
  const enable = `az aks update ${target} --enable-acns --acns-transit-encryption-type WireGuard`;
  let wireguard: string | undefined;
  if (c.networkPlugin !== 'azure') {
    wireguard = `needs Azure CNI with the Cilium dataplane (the cluster uses network plugin ${c.networkPlugin ?? 'none'}): az aks update ${target} --network-plugin azure --network-plugin-mode overlay, then --network-dataplane cilium, then ${enable}`;
  } else if (c.networkDataplane !== 'cilium') {
    wireguard = `needs the Cilium dataplane (the cluster uses ${c.networkDataplane ?? 'azure'}): az aks update ${target} --network-dataplane cilium, then ${enable}`;
  } else if (!c.wireguard) {
    wireguard = `not configured: ${enable}`;
  }
  const notes: Partial<Record<Scenario, string>> = {};
  if (wireguard) notes.wireguard = wireguard;
  notes['wireguard-node'] = `Cilium's node encryption is not offered by AKS${wireguard ? `; WireGuard ${wireguard}` : ''}`;
  if (wireguard) notes['wireguard-vnet'] = `WireGuard ${wireguard}`;
  return notes;
}

/** The comparison with each option's note (optionNotes) attached. */
export function withNotes(coverage: readonly ScenarioCoverage[], notes: Partial<Record<Scenario, string>>): ScenarioCoverage[] {
  return coverage.map((c) => (notes[c.scenario] === undefined ? c : { ...c, note: notes[c.scenario] }));
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
  /** The change the cluster needs before this option can be configured (absent: none). */
  note?: string;
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

  /** The counts as plain data. */
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
  const notes = coverage.filter((c) => c.note !== undefined).map((c) => `note: ${c.title}: ${c.note}`);
  return [title, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ...notes].join('\n') + '\n';
}
