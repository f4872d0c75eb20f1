/**
 * An import plan → the documents aks-wg stores for a cluster: the cluster document (the managed cluster az would
 * show, built by the same create steps, with the real node names, IPs, pod CIDRs, pools and VM sizes), the workload
 * model (controllers, pods, services) and the imported-keys document. Pure: the command stores the result in one
 * mutation.
 *
 * What the managed cluster gets from the inventory: pools from the `agentpool` label (mode from
 * `kubernetes.azure.com/mode`; the first System pool is the cluster's first pool), VM size and region from node
 * labels, the Kubernetes version from the kubelets, the pod CIDR as the smallest range holding every node's pod CIDR,
 * the service CIDR from the `kubernetes` service (the range's first address), the DNS service IP from kube-dns,
 * network dataplane cilium when the cluster runs Cilium agents (or CiliumNodes were given), and WireGuard transit
 * encryption when CiliumNodes publish WireGuard keys.
 */
import { agentPoolProfile, buildManagedCluster, type CreateInput } from '../aks/create.js';
import {
  DEFAULT_DNS_SERVICE_IP,
  DEFAULT_KUBERNETES_VERSION,
  DEFAULT_NODE_SUBNET,
  DEFAULT_POD_CIDR,
  DEFAULT_SERVICE_CIDR,
  DEFAULT_VM_SIZE,
  MAX_PODS_OVERLAY,
} from '../aks/consts.js';
import type { ClusterDoc, NodeRecord } from '../cluster/doc.js';
import { fnv1a } from '../cluster/doc.js';
import { cidrContains, formatIPv4, maskOf, parseCidr, parseIPv4 } from '../net/ip.js';
import type { ImportedDoc } from '../cluster/imported.js';
import type { Controller, Pod, Service, Workloads } from '../cluster/workloads.js';
import type { ImportedNode, ImportPlan } from './kubectl-import.js';

export interface BuiltCluster {
  doc: ClusterDoc;
  workloads: Workloads;
  imported: ImportedDoc;
  /** Things decided by default that the user may want to know (no VM size label, ...). */
  notes: string[];
}

/** The smallest CIDR that holds every given address range (at most /bits wide, at least /8). */
function coveringCidr(ranges: { base: number; bits: number }[], maxBits: number): string {
  let bits = maxBits;
  for (;;) {
    const mask = maskOf(bits);
    const base = (ranges[0]!.base & mask) >>> 0;
    if (ranges.every((r) => r.bits >= bits && ((r.base & mask) >>> 0) === base)) return `${formatIPv4(base)}/${bits}`;
    bits--;
    if (bits < 8) return `${formatIPv4((ranges[0]!.base & maskOf(8)) >>> 0)}/8`;
  }
}

function fitsDefault(def: string, ranges: { base: number; bits: number }[]): boolean {
  const d = parseCidr(def);
  return ranges.every((r) => r.bits >= d.bits && cidrContains(d, r.base));
}

/** VMSS instance id from an AKS node name (`...-vmss00000a` → 10), else undefined. */
function instanceOf(name: string): number | undefined {
  const m = /-vmss([0-9a-z]{6})$/.exec(name);
  return m ? Number.parseInt(m[1]!, 36) : undefined;
}

/**
 * Build the stored documents.
 * @param input resource group, name, subscription, the clock's now, the file names.
 * @throws ValidationError / ServiceError from the create steps (e.g. an invalid cluster name).
 */
export function buildImportedCluster(
  plan: ImportPlan,
  input: { resourceGroup: string; name: string; subscriptionId: string; nowMs: number; kubectlFile: string; ciliumFile: string | null },
): BuiltCluster {
  const notes: string[] = [];
  const nodes = plan.nodes;
  // Pools in first-seen order; the first System pool leads (az's first pool is the System pool).
  const pools = new Map<string, ImportedNode[]>();
  for (const n of nodes) {
    const list = pools.get(n.pool);
    if (list) list.push(n);
    else pools.set(n.pool, [n]);
  }
  const poolNames = [...pools.keys()];
  const modeOf = (p: string): 'System' | 'User' => pools.get(p)!.find((n) => n.mode !== null)?.mode ?? 'System';
  const first = poolNames.find((p) => modeOf(p) === 'System') ?? poolNames[0]!;
  const ordered = [first, ...poolNames.filter((p) => p !== first)];
  const vmSizeOf = (p: string): string => {
    const size = pools.get(p)!.find((n) => n.vmSize !== null)?.vmSize;
    if (!size) notes.push(`pool ${p}: no node.kubernetes.io/instance-type label; assumed ${DEFAULT_VM_SIZE}`);
    return size ?? DEFAULT_VM_SIZE;
  };

  const podRanges = nodes.flatMap((n) => n.podCidrs.map((c) => parseCidr(c, true)));
  const podCidr = fitsDefault(DEFAULT_POD_CIDR, podRanges) ? DEFAULT_POD_CIDR : coveringCidr(podRanges, 16);
  const nodeRanges = nodes.map((n) => ({ base: parseIPv4(n.ip), bits: 32 }));
  const nodeSubnet = fitsDefault(DEFAULT_NODE_SUBNET, nodeRanges) ? DEFAULT_NODE_SUBNET : coveringCidr(nodeRanges, 24);
  const kubernetesSvc = plan.services.find((s) => s.namespace === 'default' && s.name === 'kubernetes');
  let serviceCidr = DEFAULT_SERVICE_CIDR;
  const svcRanges = plan.services.map((s) => ({ base: parseIPv4(s.clusterIP), bits: 32 }));
  if (svcRanges.length > 0 && !fitsDefault(DEFAULT_SERVICE_CIDR, svcRanges)) {
    // The kubernetes service holds the range's first address: a /16 from there, widened until every service fits.
    const anchor = kubernetesSvc ? [{ base: parseIPv4(kubernetesSvc.clusterIP) - 1, bits: 32 }] : [];
    serviceCidr = coveringCidr([...anchor, ...svcRanges], 16);
  }
  const dns = plan.services.find((s) => s.namespace === 'kube-system' && s.name === 'kube-dns')?.clusterIP ?? DEFAULT_DNS_SERVICE_IP;
  const ciliumPods = plan.pods.some((p) => p.namespace === 'kube-system' && p.labels['k8s-app'] === 'cilium');
  const cilium = ciliumPods || plan.ciliumNodes > 0;
  const wireguard = cilium && nodes.some((n) => n.wgPublicKey !== null);
  const kubelet = nodes.map((n) => n.kubeletVersion).find((v) => v !== null);
  const version = kubelet ? kubelet.replace(/^v/, '').replace(/[-+].*$/, '') : DEFAULT_KUBERNETES_VERSION;
  const region = nodes.map((n) => n.region).find((r) => r !== null) ?? undefined;

  const create: CreateInput = {
    resourceGroup: input.resourceGroup,
    name: input.name,
    location: region,
    nodeCount: pools.get(first)!.length,
    nodepoolName: first,
    nodeVmSize: vmSizeOf(first),
    kubernetesVersion: /^\d+\.\d+(\.\d+)?$/.test(version) ? version : DEFAULT_KUBERNETES_VERSION,
    networkPlugin: 'azure',
    networkPluginMode: 'overlay',
    networkDataplane: cilium ? 'cilium' : 'azure',
    podCidr,
    serviceCidr,
    dnsServiceIp: dns,
    enableAcns: wireguard ? true : undefined,
    acnsTransitEncryptionType: wireguard ? 'WireGuard' : undefined,
    subscriptionId: input.subscriptionId,
  };
  const identity = `${input.resourceGroup.toLowerCase()}/${input.name.toLowerCase()}`;
  const mc = buildManagedCluster(create, fnv1a(`fqdn:${identity}`).toString(16).padStart(8, '0'));
  mc.agentPoolProfiles[0]!.mode = modeOf(first);
  for (const p of ordered.slice(1)) {
    mc.agentPoolProfiles.push(
      agentPoolProfile({
        name: p,
        count: pools.get(p)!.length,
        mode: modeOf(p),
        vmSize: vmSizeOf(p),
        maxPods: MAX_PODS_OVERLAY,
        version: mc.kubernetesVersion,
        current: mc.currentKubernetesVersion,
      }),
    );
  }
  const hashMatch = nodes.map((n) => /^aks-[a-z0-9]+-(\d{8})-vmss[0-9a-z]{6}$/.exec(n.name)?.[1]).find((h) => h !== undefined);
  const nextInstance: Record<string, number> = {};
  const records: NodeRecord[] = [];
  for (const p of ordered) {
    const size = mc.agentPoolProfiles.find((a) => a.name === p)!.vmSize;
    let fallback = 0;
    for (const n of pools.get(p)!) {
      const instance = instanceOf(n.name) ?? fallback;
      fallback = Math.max(fallback, instance + 1);
      nextInstance[p] = Math.max(nextInstance[p] ?? 0, instance + 1);
      records.push({
        name: n.name,
        pool: p,
        instance,
        ip: n.ip,
        podCidr: n.podCidrs[0]!,
        vmSize: n.vmSize ?? size,
        createdMs: n.createdMs ?? input.nowMs,
      });
    }
  }
  const doc: ClusterDoc = {
    managedCluster: mc,
    nodeNameHash: hashMatch ?? String(fnv1a(`vmss:${identity}`) % 100_000_000).padStart(8, '0'),
    nodeSubnet,
    podCidrPool: podCidr,
    nextInstance,
    nodes: records,
    createdMs: input.nowMs,
    clockMs: input.nowMs,
    imported: true,
  };

  const imported: ImportedDoc = {
    source: { kubectl: input.kubectlFile, ciliumnodes: input.ciliumFile },
    importedMs: input.nowMs,
    ciliumNodes: plan.ciliumNodes > 0,
    nodes: Object.fromEntries(
      nodes.map((n) => [n.name, { publicKey: n.wgPublicKey, optedOut: n.encryptionKey === 0 || n.controlPlane, extraPodCidrs: n.podCidrs.slice(1) }]),
    ),
  };
  return { doc, workloads: buildWorkloads(plan, records, input.nowMs), imported, notes };
}

const HASH_LABELS = ['pod-template-hash', 'controller-revision-hash', 'pod-template-generation'];

/**
 * The workload model: a Deployment or DaemonSet per owner (replicas = its pods here; its template from its first
 * pod), controller pods where their IP lies in their node's first pod CIDR (the stored form keeps the host part
 * only), every other pod bare, and the services.
 */
function buildWorkloads(plan: ImportPlan, nodes: NodeRecord[], nowMs: number): Workloads {
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  // A DaemonSet runs on every node unless a node selector (not in the export) limits it: one that does not cover
  // every node here keeps its pods as bare pods, so the simulation does not spread it to nodes it never ran on.
  const dsNodes = new Map<string, Set<string>>();
  for (const p of plan.pods) {
    if (p.owner?.kind !== 'DaemonSet' || p.node === null) continue;
    const key = `${p.namespace}/${p.owner.name}`;
    const set = dsNodes.get(key) ?? new Set<string>();
    set.add(p.node);
    dsNodes.set(key, set);
  }
  const everyNode = (ns: string, name: string): boolean => (dsNodes.get(`${ns}/${name}`)?.size ?? 0) === nodes.length;
  const controllers = new Map<string, Controller>();
  const pods: Pod[] = [];
  for (const p of plan.pods) {
    const node = p.node === null ? undefined : nodeByName.get(p.node);
    const inFirstCidr = p.hostNetwork || p.ip === null || (node !== undefined && cidrContains(parseCidr(node.podCidr, true), parseIPv4(p.ip)));
    const owned =
      p.owner !== null && inFirstCidr && (p.owner.kind === 'Deployment' || (p.node !== null && everyNode(p.namespace, p.owner.name)));
    const labels = Object.fromEntries(Object.entries(p.labels).filter(([k]) => !HASH_LABELS.includes(k)));
    let c: Controller | undefined;
    if (owned) {
      const key = `${p.owner!.kind}/${p.namespace}/${p.owner!.name}`;
      c = controllers.get(key);
      if (!c) {
        c = {
          kind: p.owner!.kind,
          namespace: p.namespace,
          name: p.owner!.name,
          labels: {},
          selector: labels,
          template: { labels, hostNetwork: p.hostNetwork, containers: p.containers },
          replicas: 0,
          system: false,
          systemPoolsOnly: false,
          createdMs: p.createdMs ?? nowMs,
          generation: 1,
          templateHash: p.owner!.hash ?? 'imported',
          nextSeq: 0,
        };
        controllers.set(key, c);
      }
      c.replicas++;
    }
    pods.push({
      namespace: p.namespace,
      name: p.name,
      node: p.node,
      ip: p.ip,
      hostNetwork: p.hostNetwork,
      ...(p.node !== null && !c ? { nodeName: p.node } : {}),
      labels: c ? { ...p.labels } : p.labels,
      containers: p.containers,
      owner: c ? { kind: c.kind, name: c.name } : null,
      ...(c ? { templateHash: c.templateHash } : {}),
      system: false,
      createdMs: p.createdMs ?? nowMs,
    });
  }
  const services: Service[] = plan.services.map((s) => ({
    namespace: s.namespace,
    name: s.name,
    labels: s.labels,
    type: 'ClusterIP',
    clusterIP: s.clusterIP,
    selector: s.selector,
    ports: s.ports.map((sp) => ({ ...(sp.name ? { name: sp.name } : {}), port: sp.port, targetPort: sp.targetPort, protocol: sp.protocol })),
    system: false,
    createdMs: s.createdMs ?? nowMs,
  }));
  return { controllers: [...controllers.values()], pods, services };
}
