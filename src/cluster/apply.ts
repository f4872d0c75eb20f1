/**
 * `kubectl apply` and `kubectl delete` on the workload model: pure functions over (cluster document, workloads,
 * validated manifests). Apply validates every object against the cluster before it changes anything, then
 * changes the model and reconciles once; the caller writes the result only when nothing threw.
 */
import { clusterNow } from './clock.js';
import type { ClusterDoc } from './doc.js';
import { cidrContains, isIPv4, parseCidr, parseIPv4 } from '../net/ip.js';
import { KubeError, pluralName, resourceName, type ControllerManifest, type Manifest, type NamespaceManifest, type PodManifest, type ServiceManifest } from './manifest.js';
import { canonicalJson, hashTemplate, newService, reconcileWorkloads } from './schedule.js';
import { BUILTIN_NAMESPACES, findController, findService, listNamespaces, type Pod, type Workloads } from './workloads.js';

const json = (v: unknown): string => JSON.stringify(v);
const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/** One output line per object, as kubectl prints them: `pod/web created`, `deployment.apps/web unchanged`. */
export function applyManifests(doc: ClusterDoc, w: Workloads, manifests: readonly Manifest[], source: string): string[] {
  // 1. Checks against the cluster, all before any change.
  const nodes = new Set(doc.nodes.map((n) => n.name));
  const svcCidr = parseCidr(doc.managedCluster.networkProfile.serviceCidr);
  const newIps = new Map<string, string>();
  for (const m of manifests) {
    if (m.kind === 'Pod' && m.nodeName !== undefined && !nodes.has(m.nodeName)) {
      const cluster = doc.managedCluster.name;
      throw new KubeError(`Error from server (Invalid): error when creating ${json(source)}: Pod ${json(m.name)} is invalid: spec.nodeName: Not found: ${json(m.nodeName)} (no such node in cluster ${cluster})`);
    }
    if (m.kind === 'Service' && m.clusterIP !== undefined) checkClusterIp(doc, w, m, svcCidr, newIps, source);
  }
  // 2. Changes, in file order; later objects see earlier ones.
  const now = clusterNow(doc);
  const lines: string[] = [];
  const pods = podIndex(w);
  for (const m of manifests) {
    const verb =
      m.kind === 'Pod'
        ? applyPod(w, pods, m, now, source)
        : m.kind === 'Service'
          ? applyService(doc, w, m, source)
          : m.kind === 'Namespace'
            ? applyNamespace(w, m, now)
            : applyController(w, m, now, source);
    lines.push(`${resourceName(m.kind)}/${m.name} ${verb}`);
  }
  reconcileWorkloads(doc, w);
  return lines;
}

function checkClusterIp(doc: ClusterDoc, w: Workloads, m: ServiceManifest, cidr: ReturnType<typeof parseCidr>, claimed: Map<string, string>, source: string): void {
  const ip = m.clusterIP!;
  const who = `${m.namespace}/${m.name}`;
  const fail = (why: string): KubeError =>
    new KubeError(`Error from server (Invalid): error when creating ${json(source)}: Service ${json(m.name)} is invalid: spec.clusterIPs: Invalid value: []string{${json(ip)}}: ${why}`);
  if (!isIPv4(ip)) throw fail('must be a valid IP address');
  const existing = findService(w, m.namespace, m.name);
  if (existing) {
    if (existing.clusterIP !== ip) {
      throw new KubeError(`The Service ${json(m.name)} is invalid: spec.clusterIPs[0]: Invalid value: []string{${json(ip)}}: may not change once set`);
    }
    return;
  }
  if (!cidrContains(cidr, parseIPv4(ip))) {
    throw fail(`failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${doc.managedCluster.networkProfile.serviceCidr}`);
  }
  const taken = w.services.some((s) => s.clusterIP === ip) || (claimed.has(ip) && claimed.get(ip) !== who) || ip === doc.managedCluster.networkProfile.dnsServiceIp;
  if (taken) throw fail(`failed to allocate IP ${ip}: provided IP is already allocated`);
  claimed.set(ip, who);
}

/** Pods by `namespace/name`: one pass, so applying or deleting many pods stays linear. */
function podIndex(w: Workloads): Map<string, Pod> {
  return new Map(w.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
}

function applyPod(w: Workloads, index: Map<string, Pod>, m: PodManifest, now: number, source: string): string {
  const existing = index.get(`${m.namespace}/${m.name}`);
  if (!existing) {
    const pod: Pod = {
      namespace: m.namespace,
      name: m.name,
      node: null,
      ip: null,
      hostNetwork: m.hostNetwork,
      ...(m.nodeName !== undefined ? { nodeName: m.nodeName } : {}),
      labels: m.labels,
      containers: m.containers,
      owner: null,
      system: false,
      createdMs: now,
    };
    w.pods.push(pod);
    index.set(`${m.namespace}/${m.name}`, pod);
    return 'created';
  }
  const withoutImages = (cs: PodManifest['containers']) => cs.map((c) => ({ ...c, image: '' }));
  const specSame =
    existing.hostNetwork === m.hostNetwork &&
    (m.nodeName === undefined || m.nodeName === (existing.nodeName ?? existing.node)) &&
    same(withoutImages(existing.containers), withoutImages(m.containers));
  if (!specSame) {
    throw new KubeError(
      `The Pod ${json(m.name)} is invalid: spec: Forbidden: pod updates may not change fields other than \`spec.containers[*].image\`,\`spec.initContainers[*].image\`,\`spec.activeDeadlineSeconds\`,\`spec.tolerations\` (only additions to existing tolerations),\`spec.terminationGracePeriodSeconds\` (allow it to be set to 1 if it was previously negative) (from ${json(source)})`,
    );
  }
  if (same(existing.labels, m.labels) && same(existing.containers, m.containers)) return 'unchanged';
  existing.labels = m.labels;
  existing.containers = m.containers;
  return 'configured';
}

function applyController(w: Workloads, m: ControllerManifest, now: number, source: string): string {
  const existing = findController(w, m.kind, m.namespace, m.name);
  const templateHash = hashTemplate(m.template);
  if (!existing) {
    w.controllers.push({
      kind: m.kind,
      namespace: m.namespace,
      name: m.name,
      labels: m.labels,
      selector: m.selector,
      template: m.template,
      replicas: m.replicas,
      system: false,
      systemPoolsOnly: false,
      createdMs: now,
      generation: 1,
      templateHash,
      nextSeq: 0,
    });
    return 'created';
  }
  if (!same(existing.selector, m.selector)) {
    throw new KubeError(
      `The ${m.kind} ${json(m.name)} is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:${json(m.selector)}}: field is immutable (from ${json(source)})`,
    );
  }
  const specSame = existing.templateHash === templateHash && (m.kind === 'DaemonSet' || existing.replicas === m.replicas);
  if (specSame && same(existing.labels, m.labels) && !existing.system) return 'unchanged';
  if (!specSame) existing.generation++;
  existing.labels = m.labels;
  existing.template = m.template;
  existing.templateHash = templateHash;
  existing.replicas = m.replicas;
  existing.system = false;
  existing.systemPoolsOnly = false;
  return 'configured';
}

function applyService(doc: ClusterDoc, w: Workloads, m: ServiceManifest, _source: string): string {
  const existing = findService(w, m.namespace, m.name);
  if (!existing) {
    w.services.push(newService(doc, w, { namespace: m.namespace, name: m.name, labels: m.labels, selector: m.selector, ports: [...m.ports], ...(m.clusterIP ? { clusterIP: m.clusterIP } : {}) }));
    return 'created';
  }
  if (same(existing.labels, m.labels) && same(existing.selector, m.selector) && same(existing.ports, m.ports) && !existing.system) return 'unchanged';
  existing.labels = m.labels;
  existing.selector = m.selector;
  existing.ports = [...m.ports];
  existing.system = false;
  return 'configured';
}

function applyNamespace(w: Workloads, m: NamespaceManifest, now: number): string {
  if (BUILTIN_NAMESPACES.includes(m.name) || (w.namespaces ?? []).some((n) => n.name === m.name)) return 'unchanged';
  // A namespace objects already use implicitly becomes explicit.
  (w.namespaces ??= []).push({ name: m.name, createdMs: now });
  return 'created';
}

/** Delete a namespace and everything in it. Built-in namespaces cannot be deleted. */
function deleteNamespace(w: Workloads, name: string): boolean {
  if (BUILTIN_NAMESPACES.includes(name)) {
    throw new KubeError(`Error from server (Forbidden): namespaces ${json(name)} is forbidden: this namespace may not be deleted`);
  }
  if (!listNamespaces(w, 0).some((n) => n.name === name)) return false;
  w.namespaces = (w.namespaces ?? []).filter((n) => n.name !== name);
  w.pods = w.pods.filter((p) => p.namespace !== name);
  w.services = w.services.filter((s) => s.namespace !== name);
  w.controllers = w.controllers.filter((c) => c.namespace !== name);
  return true;
}

export interface DeleteResult {
  /** `pod "web" deleted` lines. */
  readonly deleted: string[];
  /** `Error from server (NotFound): ...` lines. */
  readonly errors: string[];
}

/** What delete needs of an object: a manifest, or `kubectl delete TYPE NAME`. */
export type ObjectRef = Pick<Manifest, 'kind' | 'namespace' | 'name'>;

/**
 * kubectl delete: remove each object that exists (a controller takes its pods with it, a namespace everything in
 * it), then reconcile. `source` is the file (-f) for the NotFound wording, undefined for TYPE NAME.
 * @throws KubeError when asked to delete a built-in namespace.
 */
export function deleteManifests(doc: ClusterDoc, w: Workloads, manifests: readonly ObjectRef[], source: string | undefined, ignoreNotFound = false): DeleteResult {
  const deleted: string[] = [];
  const errors: string[] = [];
  let pods = podIndex(w);
  const gonePods = new Set<Pod>();
  for (const m of manifests) {
    let found = false;
    if (m.kind === 'Namespace') {
      found = deleteNamespace(w, m.name);
      if (found) pods = podIndex(w);
    }
    else if (m.kind === 'Pod') {
      const key = `${m.namespace}/${m.name}`;
      const p = pods.get(key);
      if (p) {
        gonePods.add(p);
        pods.delete(key);
      }
      found = Boolean(p);
    } else if (m.kind === 'Service') {
      const s = findService(w, m.namespace, m.name);
      if (s) w.services = w.services.filter((x) => x !== s);
      found = Boolean(s);
    } else {
      const c = findController(w, m.kind, m.namespace, m.name);
      if (c) w.controllers = w.controllers.filter((x) => x !== c);
      found = Boolean(c);
    }
    if (found) deleted.push(`${resourceName(m.kind)} ${json(m.name)} deleted`);
    else if (!ignoreNotFound) {
      const where = source === undefined ? '' : `error when deleting ${json(source)}: `;
      errors.push(`Error from server (NotFound): ${where}${pluralName(m.kind)} ${json(m.name)} not found`);
    }
  }
  if (gonePods.size > 0) w.pods = w.pods.filter((p) => !gonePods.has(p));
  if (deleted.length > 0) reconcileWorkloads(doc, w);
  return { deleted, errors };
}
