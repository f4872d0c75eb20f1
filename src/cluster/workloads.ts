/**
 * The workload model of a cluster: controllers (Deployments, DaemonSets), the pods they own plus bare pods, and
 * ClusterIP services. Pure data and queries; placement and IPAM live in schedule.ts, persistence in
 * repo/workloads.ts.
 *
 * For the fabric: a pod's `ip` is its pod-network address (from its node's /24), or the node's InternalIP when
 * `hostNetwork` is true; a Pending pod has `node` and `ip` null and never sends or receives.
 */

export type Labels = Readonly<Record<string, string>>;
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type ControllerKind = 'Deployment' | 'DaemonSet';

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly ports: readonly ContainerPort[];
}

/** What every pod of a controller shares. */
export interface PodTemplate {
  readonly labels: Labels;
  readonly hostNetwork: boolean;
  readonly containers: readonly Container[];
}

export interface Controller {
  kind: ControllerKind;
  namespace: string;
  name: string;
  /** The controller object's own labels. */
  labels: Labels;
  selector: Labels;
  template: PodTemplate;
  /** Deployment: desired replicas. DaemonSet: unused (one pod per eligible node). */
  replicas: number;
  /** Part of the AKS add-ons (kube-system); recreated by reconcile, configured by the cluster, not by users. */
  system: boolean;
  /** Placement restricted to nodes of System-mode pools (when there are any). */
  systemPoolsOnly: boolean;
  createdMs: number;
  generation: number;
  /** pod-template-hash (Deployment) / controller-revision-hash (DaemonSet) of the current template. */
  templateHash: string;
  /** Sequence number for the next pod name; never reused. */
  nextSeq: number;
}

export interface PodOwner {
  readonly kind: ControllerKind;
  readonly name: string;
}

export interface Pod {
  namespace: string;
  name: string;
  /** The node it runs on; null while Pending. */
  node: string | null;
  /** Pod IP (the node IP for hostNetwork pods); null while Pending. */
  ip: string | null;
  hostNetwork: boolean;
  /** spec.nodeName as the manifest gave it (bare pods): bound there without scheduling. */
  nodeName?: string;
  labels: Labels;
  containers: readonly Container[];
  owner: PodOwner | null;
  /** The template hash it was created from (controller pods). */
  templateHash?: string;
  system: boolean;
  createdMs: number;
}

export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  /** A number, or the name of a container port. */
  readonly targetPort: number | string;
  readonly protocol: Protocol;
}

export interface Service {
  namespace: string;
  name: string;
  labels: Labels;
  /** Always ClusterIP. */
  type: 'ClusterIP';
  clusterIP: string;
  /** null: a service without selector (e.g. `kubernetes`), which has no pod backends. */
  selector: Labels | null;
  ports: ServicePort[];
  system: boolean;
  createdMs: number;
}

/** A namespace created with `kubectl apply` (the built-in ones and those objects use implicitly are not stored). */
export interface NamespaceRecord {
  name: string;
  createdMs: number;
}

export interface Workloads {
  controllers: Controller[];
  pods: Pod[];
  services: Service[];
  /** Namespaces applied explicitly (absent in documents written before namespaces were modelled). */
  namespaces?: NamespaceRecord[];
}

/** Namespaces every cluster has. Objects may use any other valid name without creating it first (aks-wg is lenient). */
export const BUILTIN_NAMESPACES: readonly string[] = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

export function emptyWorkloads(): Workloads {
  return { controllers: [], pods: [], services: [] };
}

/** Every namespace: built-in, applied, and used by an object; with its creation time (ms), sorted by name. */
export function listNamespaces(w: Workloads, clusterCreatedMs: number): NamespaceRecord[] {
  const out = new Map<string, number>();
  const use = (ns: string, ms: number): void => {
    const have = out.get(ns);
    if (have === undefined || ms < have) out.set(ns, ms);
  };
  for (const n of w.namespaces ?? []) use(n.name, n.createdMs);
  for (const p of w.pods) use(p.namespace, p.createdMs);
  for (const s of w.services) use(s.namespace, s.createdMs);
  for (const c of w.controllers) use(c.namespace, c.createdMs);
  for (const n of BUILTIN_NAMESPACES) out.set(n, clusterCreatedMs);
  return [...out].map(([name, createdMs]) => ({ name, createdMs })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Does `labels` satisfy the equality-based `selector`? An empty selector matches nothing (as a Service's). */
export function matchesSelector(selector: Labels | null, labels: Labels): boolean {
  if (!selector) return false;
  let any = false;
  for (const k in selector) {
    any = true;
    if (labels[k] !== selector[k]) return false;
  }
  return any;
}

/** `k=v,k2=v2` (kubectl's rendering), or undefined for none. */
export function formatSelector(selector: Labels | null): string | undefined {
  if (!selector) return undefined;
  const parts = Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`);
  return parts.length ? parts.join(',') : undefined;
}

export const isRunning = (p: Pod): boolean => p.node !== null;

export function findPod(w: Workloads, namespace: string, name: string): Pod | undefined {
  return w.pods.find((p) => p.namespace === namespace && p.name === name);
}

export function findService(w: Workloads, namespace: string, name: string): Service | undefined {
  return w.services.find((s) => s.namespace === namespace && s.name === name);
}

export function findController(w: Workloads, kind: ControllerKind, namespace: string, name: string): Controller | undefined {
  return w.controllers.find((c) => c.kind === kind && c.namespace === namespace && c.name === name);
}

/** Running pods in `namespace` whose labels match `selector`, in model order. */
export function selectPods(w: Workloads, namespace: string, selector: Labels | null): Pod[] {
  return w.pods.filter((p) => p.node !== null && p.namespace === namespace && matchesSelector(selector, p.labels));
}

/** The pods of a controller. */
export function podsOf(w: Workloads, c: Pick<Controller, 'kind' | 'namespace' | 'name'>): Pod[] {
  return w.pods.filter((p) => p.owner !== null && p.owner.kind === c.kind && p.owner.name === c.name && p.namespace === c.namespace);
}

/** Running pods grouped by node name (built in one pass; use it instead of filtering per node). */
export function podsByNode(w: Workloads): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const p of w.pods) {
    if (p.node === null) continue;
    const list = out.get(p.node);
    if (list) list.push(p);
    else out.set(p.node, [p]);
  }
  return out;
}

/** Pod-network pods by IP (hostNetwork pods share their node's IP and are not in it). */
export function podsByIp(w: Workloads): Map<string, Pod> {
  const out = new Map<string, Pod>();
  for (const p of w.pods) if (p.ip !== null && !p.hostNetwork) out.set(p.ip, p);
  return out;
}

export function servicesByClusterIp(w: Workloads): Map<string, Service> {
  return new Map(w.services.map((s) => [s.clusterIP, s]));
}

/** A service port's target on one backend pod, or undefined when a named targetPort is not a port of the pod. */
export function resolveTargetPort(sp: ServicePort, pod: Pod): number | undefined {
  if (typeof sp.targetPort === 'number') return sp.targetPort;
  for (const c of pod.containers) for (const cp of c.ports) if (cp.name === sp.targetPort && cp.protocol === sp.protocol) return cp.containerPort;
  return undefined;
}

export interface Backend {
  readonly pod: Pod;
  readonly port: number;
  readonly protocol: Protocol;
}

/**
 * Service → backends (what kube-proxy / Cilium's service LB translate to): the running pods its selector matches,
 * with the target port of the service port that matches `port` (the first port when omitted) and `protocol`.
 * Empty for services without selector or without matching pods.
 */
export function serviceBackends(w: Workloads, svc: Service, port?: number, protocol?: Protocol): Backend[] {
  const sp = svc.ports.find((p) => (port === undefined || p.port === port) && (protocol === undefined || p.protocol === protocol));
  if (!sp) return [];
  const out: Backend[] = [];
  for (const pod of selectPods(w, svc.namespace, svc.selector)) {
    const target = resolveTargetPort(sp, pod);
    if (target !== undefined) out.push({ pod, port: target, protocol: sp.protocol });
  }
  return out;
}

/** FNV-1a 32-bit over a string (same as doc.ts's; kept local so this module has no imports). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Kubernetes' "safe" alphabet for generated names (no vowels, no 0/1/3). */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString(fmt.Sprint(hash)): how Kubernetes spells a pod-template-hash. */
export function templateHashOf(text: string): string {
  const digits = String(hash32(text));
  let out = '';
  for (let i = 0; i < digits.length; i++) out += SAFE_ALPHABET[digits.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** A 5-character name suffix from a seed string (the generateName part, deterministic here). */
export function nameSuffix(seed: string): string {
  let h = hash32(seed) % SAFE_ALPHABET.length ** 5;
  let out = '';
  for (let i = 0; i < 5; i++) {
    out += SAFE_ALPHABET[h % SAFE_ALPHABET.length];
    h = Math.floor(h / SAFE_ALPHABET.length);
  }
  return out;
}

/** A stable uid (UUID-shaped) for an object. */
export function uidOf(seed: string): string {
  const hex = [0, 1, 2, 3].map((i) => hash32(`${i}:${seed}`).toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
