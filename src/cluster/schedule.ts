/**
 * Keeping the workloads consistent with the node inventory and the cluster's configuration: one entry point,
 * reconcileWorkloads(doc, workloads), called after anything changes nodes (cluster create, nodepool add/scale/delete),
 * the cluster's add-on configuration (cluster update) or the workloads themselves (kubectl apply/delete).
 *
 * Rules (deterministic: the same inputs give the same pods, names and IPs):
 * - Pod IPs: lowest free host address of the node's /24, from .3 to .254 (.0 network, .1 the Cilium router /
 *   CiliumInternalIP, .2 the Cilium health endpoint, .255 left out). hostNetwork pods use the node's InternalIP.
 *   A node holds at most its pool's maxPods pods (hostNetwork ones included, as the kubelet counts).
 * - DaemonSet: one pod on every node. Deployment: replicas spread round-robin over the eligible nodes sorted by
 *   name, starting at hash(namespace/name) mod N; added replicas go to the nodes with the fewest replicas of that
 *   Deployment (ties in that round-robin order), removed ones come off the nodes with the most. hostNetwork
 *   replicas never share a node (their ports would clash). System Deployments run on System-mode pools.
 * - Existing pods stay where they are when nodes are added (Kubernetes does not rebalance). Pods on removed nodes
 *   go: bare pods are deleted (the pod garbage collector does that), controller pods are re-created elsewhere.
 *   A changed pod template replaces all pods of the Deployment (a completed rolling update).
 * - No room anywhere → the pod stays Pending (node and ip null) until a node with room appears.
 */
import type { ClusterDoc, NodeRecord } from './doc.js';
import { clusterNow } from './clock.js';
import { cidrSize, formatIPv4, isIPv4, parseCidr, parseIPv4 } from '../net/ip.js';
import { KUBE_SYSTEM, systemControllers, systemServices, type SystemController } from './system.js';
import {
  hash32,
  nameSuffix,
  templateHashOf,
  type Controller,
  type Labels,
  type Pod,
  type PodTemplate,
  type Service,
  type Workloads,
} from './workloads.js';

/** Host addresses of a node's /24 that pods may use. */
export const FIRST_POD_HOST = 3;
export const LAST_POD_HOST = 254;
export const ROUTER_HOST = 1;
export const HEALTH_HOST = 2;

/** The Cilium router address (CiliumInternalIP) of a node: .1 of its pod CIDR. */
export function ciliumInternalIp(node: Pick<NodeRecord, 'podCidr'>): string {
  return formatIPv4(parseCidr(node.podCidr).base + ROUTER_HOST);
}

/** The Cilium health endpoint address of a node: .2 of its pod CIDR. */
export function healthIp(node: Pick<NodeRecord, 'podCidr'>): string {
  return formatIPv4(parseCidr(node.podCidr).base + HEALTH_HOST);
}

/** JSON with object keys sorted: the input of template hashes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function hashTemplate(template: PodTemplate): string {
  return templateHashOf(canonicalJson(template));
}

/** Per-node capacity and address bookkeeping for one reconcile pass. */
class NodeTable {
  readonly nodes: NodeRecord[];
  readonly index = new Map<string, number>();
  readonly podBase: Int32Array;
  readonly count: Int32Array;
  readonly maxPods: Int32Array;
  readonly systemPool: Uint8Array;
  /** used[i*256 + host] = 1 when that host address of node i is taken. */
  readonly used: Uint8Array;
  readonly hint: Int32Array;
  readonly freeIps: Int32Array;

  constructor(doc: ClusterDoc) {
    this.nodes = [...doc.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const n = this.nodes.length;
    this.podBase = new Int32Array(n);
    this.count = new Int32Array(n);
    this.maxPods = new Int32Array(n);
    this.systemPool = new Uint8Array(n);
    this.used = new Uint8Array(n * 256);
    this.hint = new Int32Array(n).fill(FIRST_POD_HOST);
    this.freeIps = new Int32Array(n).fill(LAST_POD_HOST - FIRST_POD_HOST + 1);
    const pools = new Map(doc.managedCluster.agentPoolProfiles.map((p) => [p.name, p]));
    const cidrs = new Map<string, number>();
    this.nodes.forEach((node, i) => {
      this.index.set(node.name, i);
      let base = cidrs.get(node.podCidr);
      if (base === undefined) cidrs.set(node.podCidr, (base = parseCidr(node.podCidr).base));
      this.podBase[i] = base | 0;
      const pool = pools.get(node.pool);
      this.maxPods[i] = pool?.maxPods ?? 250;
      this.systemPool[i] = pool?.mode === 'System' ? 1 : 0;
    });
  }

  /** Account for an existing pod; returns false when its IP clashes with another pod's (it must be re-addressed). */
  take(i: number, pod: Pod): boolean {
    this.count[i]!++;
    if (pod.hostNetwork || pod.ip === null) return true;
    const host = (parseIPv4(pod.ip) - (this.podBase[i]! >>> 0)) >>> 0;
    if (host < FIRST_POD_HOST || host > LAST_POD_HOST || this.used[i * 256 + host]) return false;
    this.used[i * 256 + host] = 1;
    this.freeIps[i]!--;
    return true;
  }

  release(i: number, pod: Pod): void {
    this.count[i]!--;
    if (pod.hostNetwork || pod.ip === null) return;
    const host = (parseIPv4(pod.ip) - (this.podBase[i]! >>> 0)) >>> 0;
    if (host >= FIRST_POD_HOST && host <= LAST_POD_HOST && this.used[i * 256 + host]) {
      this.used[i * 256 + host] = 0;
      this.freeIps[i]!++;
      if (host < this.hint[i]!) this.hint[i] = host;
    }
  }

  hasRoom(i: number, hostNetwork: boolean): boolean {
    return this.count[i]! < this.maxPods[i]! && (hostNetwork || this.freeIps[i]! > 0);
  }

  /** Bind `pod` to node i: count it and give it an address. Caller checked hasRoom (or pins it regardless). */
  bind(i: number, pod: Pod): void {
    const node = this.nodes[i]!;
    pod.node = node.name;
    this.count[i]!++;
    if (pod.hostNetwork) {
      pod.ip = node.ip;
      return;
    }
    let host = this.hint[i]!;
    while (host <= LAST_POD_HOST && this.used[i * 256 + host]) host++;
    if (host > LAST_POD_HOST) {
      // Pinned to a node with no address left: the pod cannot start.
      this.count[i]!--;
      pod.node = null;
      pod.ip = null;
      return;
    }
    this.used[i * 256 + host] = 1;
    this.freeIps[i]!--;
    this.hint[i] = host + 1;
    pod.ip = formatIPv4((this.podBase[i]! >>> 0) + host);
  }

  /** Node indices eligible for a controller, in its round-robin order. */
  order(seed: string, systemPoolsOnly: boolean): number[] {
    let eligible: number[] = [];
    if (systemPoolsOnly) for (let i = 0; i < this.nodes.length; i++) if (this.systemPool[i]) eligible.push(i);
    if (eligible.length === 0) eligible = Array.from({ length: this.nodes.length }, (_, i) => i);
    if (eligible.length === 0) return eligible;
    const start = hash32(seed) % eligible.length;
    return [...eligible.slice(start), ...eligible.slice(0, start)];
  }
}

const ownerKey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

/** Bring system controllers and services in line with the cluster's configuration (in place). */
function ensureSystemObjects(doc: ClusterDoc, w: Workloads, now: number): void {
  const mc = doc.managedCluster;
  const systemNodes = (() => {
    const systemPools = new Set(mc.agentPoolProfiles.filter((p) => p.mode === 'System').map((p) => p.name));
    let n = 0;
    for (const node of doc.nodes) if (systemPools.has(node.pool)) n++;
    return n || doc.nodes.length;
  })();
  const wanted = systemControllers(mc, systemNodes);
  const wantedKeys = new Set(wanted.map((c) => ownerKey(c.kind, KUBE_SYSTEM, c.name)));
  w.controllers = w.controllers.filter((c) => !c.system || wantedKeys.has(ownerKey(c.kind, c.namespace, c.name)));
  for (const spec of wanted) {
    const existing = w.controllers.find((c) => c.kind === spec.kind && c.namespace === KUBE_SYSTEM && c.name === spec.name);
    if (!existing) w.controllers.push(newSystemController(spec, now));
    else if (existing.system) updateSystemController(existing, spec);
  }

  const services = systemServices(mc);
  const wantedSvc = new Set(services.map((s) => `${s.namespace}/${s.name}`));
  w.services = w.services.filter((s) => !s.system || wantedSvc.has(`${s.namespace}/${s.name}`));
  for (const spec of services) {
    if (w.services.some((s) => s.namespace === spec.namespace && s.name === spec.name)) continue;
    const np = mc.networkProfile;
    const clusterIP =
      spec.fixedIp === 'first'
        ? formatIPv4(parseCidr(np.serviceCidr).base + 1)
        : spec.fixedIp === 'dns'
          ? np.dnsServiceIp
          : allocateServiceIp(doc, w, spec.namespace, spec.name);
    w.services.push({
      namespace: spec.namespace,
      name: spec.name,
      labels: spec.labels,
      type: 'ClusterIP',
      clusterIP,
      selector: spec.selector,
      ports: [...spec.ports],
      system: true,
      createdMs: now,
    });
  }
}

function newSystemController(spec: SystemController, now: number): Controller {
  return {
    kind: spec.kind,
    namespace: KUBE_SYSTEM,
    name: spec.name,
    labels: spec.labels,
    selector: spec.selector,
    template: spec.template,
    replicas: spec.replicas,
    system: true,
    systemPoolsOnly: spec.systemPoolsOnly,
    createdMs: now,
    generation: 1,
    templateHash: hashTemplate(spec.template),
    nextSeq: 0,
  };
}

function updateSystemController(c: Controller, spec: SystemController): void {
  const hash = hashTemplate(spec.template);
  if (hash !== c.templateHash) {
    c.template = spec.template;
    c.templateHash = hash;
    c.generation++;
  }
  if (c.replicas !== spec.replicas) {
    c.replicas = spec.replicas;
    c.generation++;
  }
  c.labels = spec.labels;
  c.selector = spec.selector;
}

/**
 * A free ClusterIP for a new service: deterministic from namespace/name, in the dynamic (upper) band of the
 * service CIDR as the API server allocates, probing upward; never the network, broadcast, first (kubernetes) or DNS
 * service address.
 * @throws RangeError when the service CIDR is full.
 */
export function allocateServiceIp(doc: ClusterDoc, w: Workloads, namespace: string, name: string): string {
  const np = doc.managedCluster.networkProfile;
  const cidr = parseCidr(np.serviceCidr);
  const size = cidrSize(cidr);
  // Addresses are checked where they come from (create's flags, apply's manifests); skip anything else.
  const used = new Set(w.services.filter((s) => isIPv4(s.clusterIP)).map((s) => parseIPv4(s.clusterIP)));
  used.add(cidr.base + 1);
  if (isIPv4(np.dnsServiceIp)) used.add(parseIPv4(np.dnsServiceIp));
  const staticBand = Math.min(Math.max(16, Math.floor(size / 16)), 256);
  const lo = size > 2 * staticBand ? staticBand : 2;
  const span = size - 1 - lo;
  if (span <= 0) throw new RangeError(`service CIDR ${np.serviceCidr} has no free address`);
  const start = hash32(`${namespace}/${name}`) % span;
  for (let k = 0; k < size; k++) {
    const host = lo + ((start + k) % span);
    const ip = cidr.base + host;
    if (!used.has(ip)) return formatIPv4(ip);
  }
  for (let host = 2; host < size - 1; host++) if (!used.has(cidr.base + host)) return formatIPv4(cidr.base + host);
  throw new RangeError(`service CIDR ${np.serviceCidr} has no free address`);
}

/**
 * Make the workloads consistent with the cluster document (in place): system add-ons per the configuration,
 * DaemonSet pods on every node, Deployment replicas, pods of removed nodes, Pending pods that now fit.
 * O(pods + nodes × spread levels); one pass per call.
 */
export function reconcileWorkloads(doc: ClusterDoc, w: Workloads): void {
  const now = clusterNow(doc);
  // an imported cluster runs the add-ons the real one had (aks-wg cluster import), not the ones aks-wg would add
  if (!doc.imported) ensureSystemObjects(doc, w, now);
  const table = new NodeTable(doc);
  const controllers = new Map(w.controllers.map((c) => [ownerKey(c.kind, c.namespace, c.name), c]));
  const names = new Set<string>();
  const removed = new Set<Pod>();
  const byOwner = new Map<string, Pod[]>();
  const pending: Pod[] = [];

  // 1. Drop pods of removed nodes and removed controllers; account for the rest.
  for (const pod of w.pods) {
    names.add(`${pod.namespace}/${pod.name}`);
    const c = pod.owner ? controllers.get(ownerKey(pod.owner.kind, pod.namespace, pod.owner.name)) : undefined;
    if (pod.owner && !c) {
      removed.add(pod);
      continue;
    }
    if (pod.node !== null) {
      const i = table.index.get(pod.node);
      if (i === undefined) {
        removed.add(pod);
        continue;
      }
      if (pod.hostNetwork) pod.ip = table.nodes[i]!.ip;
      if (!table.take(i, pod)) {
        // A clashing address (only possible in a hand-edited state file): re-address it.
        table.count[i]!--;
        table.bind(i, pod);
      }
    } else if (!pod.owner) pending.push(pod);
    if (c) {
      const key = ownerKey(c.kind, c.namespace, c.name);
      const list = byOwner.get(key);
      if (list) list.push(pod);
      else byOwner.set(key, [pod]);
    }
  }

  const added: Pod[] = [];
  const remove = (pod: Pod): void => {
    removed.add(pod);
    if (pod.node !== null) table.release(table.index.get(pod.node)!, pod);
  };
  const newPod = (c: Controller): Pod => {
    let name: string;
    do {
      const suffix = nameSuffix(`${c.namespace}/${c.kind}/${c.name}/${c.nextSeq++}`);
      name = c.kind === 'Deployment' ? `${c.name}-${c.templateHash}-${suffix}` : `${c.name}-${suffix}`;
    } while (names.has(`${c.namespace}/${name}`));
    names.add(`${c.namespace}/${name}`);
    const pod: Pod = {
      namespace: c.namespace,
      name,
      node: null,
      ip: null,
      hostNetwork: c.template.hostNetwork,
      labels: podLabels(c),
      containers: c.template.containers,
      owner: { kind: c.kind, name: c.name },
      templateHash: c.templateHash,
      system: c.system,
      createdMs: now,
    };
    added.push(pod);
    return pod;
  };

  // 2. Controllers.
  for (const c of w.controllers) {
    const own = (byOwner.get(ownerKey(c.kind, c.namespace, c.name)) ?? []).filter((p) => {
      if (p.templateHash === c.templateHash) return true;
      remove(p);
      return false;
    });
    if (c.kind === 'DaemonSet') reconcileDaemonSet(c, own, table, remove, newPod);
    else reconcileDeployment(c, own, table, remove, newPod);
  }

  // 3. Bare pods not yet bound: new ones from kubectl apply, and Pending ones that may fit now.
  for (const pod of pending) {
    if (removed.has(pod)) continue;
    if (pod.nodeName !== undefined) {
      // spec.nodeName bypasses the scheduler, as in Kubernetes; a vanished node deletes the pod.
      const i = table.index.get(pod.nodeName);
      if (i === undefined) removed.add(pod);
      else table.bind(i, pod);
      continue;
    }
    const i = pickLeastLoaded(table, `${pod.namespace}/${pod.name}`, pod.hostNetwork);
    if (i !== undefined) table.bind(i, pod);
  }

  if (removed.size > 0) w.pods = w.pods.filter((p) => !removed.has(p));
  if (added.length > 0) w.pods = w.pods.concat(added);
}

/** The labels of a controller's pods: the template's plus the hash labels Kubernetes adds. */
export function podLabels(c: Controller): Labels {
  return c.kind === 'Deployment'
    ? { ...c.template.labels, 'pod-template-hash': c.templateHash }
    : { ...c.template.labels, 'controller-revision-hash': c.templateHash, 'pod-template-generation': String(c.generation) };
}

function reconcileDaemonSet(c: Controller, own: Pod[], table: NodeTable, remove: (p: Pod) => void, newPod: (c: Controller) => Pod): void {
  const n = table.nodes.length;
  const have = new Uint8Array(n);
  for (const p of own) {
    const i = p.node === null ? undefined : table.index.get(p.node);
    if (i === undefined || have[i]) remove(p);
    else have[i] = 1;
  }
  for (let i = 0; i < n; i++) if (!have[i]) table.bind(i, newPod(c));
}

function reconcileDeployment(c: Controller, own: Pod[], table: NodeTable, remove: (p: Pod) => void, newPod: (c: Controller) => Pod): void {
  const order = table.order(`${c.namespace}/${c.name}`, c.systemPoolsOnly);
  const pos = new Map<number, number>(order.map((nodeIdx, k) => [nodeIdx, k]));
  const perNode: Pod[][] = order.map(() => []);
  const pendingOwn: Pod[] = [];
  let total = 0;
  for (const p of own) {
    if (p.node === null) {
      pendingOwn.push(p);
      total++;
      continue;
    }
    const k = pos.get(table.index.get(p.node)!);
    if (k === undefined) remove(p); // on a node it may no longer use
    else {
      perNode[k]!.push(p);
      total++;
    }
  }
  // Scale down: Pending first, then from the nodes with the most replicas (last in round-robin order first).
  while (total > c.replicas && pendingOwn.length > 0) {
    remove(pendingOwn.pop()!);
    total--;
  }
  if (total > c.replicas) {
    let level = perNode.reduce((m, l) => Math.max(m, l.length), 0);
    for (; total > c.replicas && level > 0; level--) {
      for (let k = perNode.length - 1; k >= 0 && total > c.replicas; k--) {
        const list = perNode[k]!;
        if (list.length >= level) {
          remove(list.pop()!);
          total--;
        }
      }
    }
    return;
  }
  // Pending replicas first, then new ones, in round-robin levels: O(nodes × levels) for the whole batch.
  const queue = pendingOwn;
  const missing = c.replicas - total;
  const hostNet = c.template.hostNetwork;
  let level = Infinity;
  let max = 0;
  for (const l of perNode) {
    level = Math.min(level, l.length);
    max = Math.max(max, l.length);
  }
  let created = 0;
  const next = (): Pod | undefined => (queue.length > 0 ? queue.shift() : created < missing ? (created++, newPod(c)) : undefined);
  let pod = order.length > 0 ? next() : undefined;
  while (pod) {
    let placed = 0;
    for (let k = 0; k < order.length && pod; k++) {
      const list = perNode[k]!;
      if (list.length > level || (hostNet && list.length > 0) || !table.hasRoom(order[k]!, hostNet)) continue;
      table.bind(order[k]!, pod);
      list.push(pod);
      max = Math.max(max, list.length);
      placed++;
      pod = next();
    }
    if (placed === 0 && level >= max) break;
    level++;
  }
  // Whatever did not fit stays Pending (a popped pending pod is still in the model; new ones are created here).
  while (created < missing) {
    created++;
    newPod(c);
  }
}

/** The node with the fewest pods that has room, ties broken in round-robin order from hash(seed). */
function pickLeastLoaded(table: NodeTable, seed: string, hostNetwork: boolean): number | undefined {
  const order = table.order(seed, false);
  let best: number | undefined;
  for (const i of order) {
    if (!table.hasRoom(i, hostNetwork)) continue;
    if (best === undefined || table.count[i]! < table.count[best]!) best = i;
  }
  return best;
}

/** A Service record as apply creates it. */
export function newService(
  doc: ClusterDoc,
  w: Workloads,
  spec: Pick<Service, 'namespace' | 'name' | 'labels' | 'selector' | 'ports'> & { clusterIP?: string },
): Service {
  return {
    ...spec,
    type: 'ClusterIP',
    clusterIP: spec.clusterIP ?? allocateServiceIp(doc, w, spec.namespace, spec.name),
    system: false,
    createdMs: clusterNow(doc),
  };
}
