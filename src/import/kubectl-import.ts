/**
 * Reading a real cluster's inventory: `kubectl get nodes,pods,services -o json` (a `v1 List`) and, optionally,
 * `kubectl get ciliumnodes -o json` (a `v1 List` of cilium.io/v2 CiliumNode). Pure: text in, an ImportPlan out.
 *
 * What is taken:
 *   Node      metadata.name; status.addresses[type=InternalIP]; spec.podCIDR / spec.podCIDRs; labels `agentpool`
 *             (or `kubernetes.azure.com/agentpool`) for the pool, `kubernetes.azure.com/mode` for its mode,
 *             `node.kubernetes.io/instance-type` for the VM size, `topology.kubernetes.io/region` for the location,
 *             `node-role.kubernetes.io/control-plane` (opted out of node encryption); status.nodeInfo.kubeletVersion.
 *   Pod       namespace, name, labels, spec.nodeName, spec.hostNetwork, status.podIP, containers' ports, the owner
 *             (a ReplicaSet's Deployment, a DaemonSet); pods that finished (Succeeded/Failed) are skipped.
 *   Service   type ClusterIP (NodePort and LoadBalancer services keep their ClusterIP), spec.clusterIP, selector, ports.
 *   CiliumNode  spec.ipam.podCIDRs and the `network.cilium.io/wg-pub-key` (or `io.cilium.network.wg-pub-key`)
 *             annotation; spec.encryption.key 0 marks a node that opted out.
 * Anything else becomes a diagnostic that names the object (`items[7] ConfigMap kube-system/foo`): a warning when the
 * object is skipped or partly used, an error when the input itself is wrong (not JSON, not a v1 List, a pod on a node
 * that is not in the list).
 */
import { jsonErrorPosition, lineColumn } from '../json-position.js';
import { cidrContains, formatIPv4, isIPv4, parseCidr, parseIPv4 } from '../net/ip.js';

export interface Diagnostic {
  severity: 'warning' | 'error';
  /** `FILE:LINE:COL` for syntax errors, else `FILE items[3] Pod default/web-1`. */
  location: string;
  message: string;
}

export interface ImportedNode {
  name: string;
  ip: string;
  podCidrs: string[];
  pool: string;
  mode: 'System' | 'User' | null;
  vmSize: string | null;
  region: string | null;
  kubeletVersion: string | null;
  controlPlane: boolean;
  labels: Record<string, string>;
  createdMs: number | null;
  /** From the CiliumNode: the published WireGuard public key (base64), and whether it opted out. */
  wgPublicKey: string | null;
  encryptionKey: number | null;
}

export interface ImportedContainer {
  name: string;
  image: string;
  ports: { name?: string; containerPort: number; protocol: 'TCP' | 'UDP' | 'SCTP' }[];
}

export interface ImportedPod {
  namespace: string;
  name: string;
  node: string | null;
  ip: string | null;
  hostNetwork: boolean;
  labels: Record<string, string>;
  containers: ImportedContainer[];
  owner: { kind: 'Deployment' | 'DaemonSet'; name: string; hash: string | null } | null;
  createdMs: number | null;
}

export interface ImportedService {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  clusterIP: string;
  selector: Record<string, string> | null;
  ports: { name?: string; port: number; targetPort: number | string; protocol: 'TCP' | 'UDP' | 'SCTP' }[];
  createdMs: number | null;
}

export interface ImportPlan {
  nodes: ImportedNode[];
  pods: ImportedPod[];
  services: ImportedService[];
  diagnostics: Diagnostic[];
  /** How many CiliumNode objects matched a node. */
  ciliumNodes: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const strMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (isObj(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
};
const time = (v: unknown): number | null => {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : null;
};
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const protocolOf = (v: unknown): 'TCP' | 'UDP' | 'SCTP' | null => {
  const p = typeof v === 'string' ? v.toUpperCase() : 'TCP';
  return (PROTOCOLS as readonly string[]).includes(p) ? (p as 'TCP' | 'UDP' | 'SCTP') : null;
};

/**
 * Parse a `v1 List` document.
 * @returns the items, or a diagnostic saying why the file is not one (with line:col for JSON syntax errors).
 */
export function parseList(text: string, file: string, what: string): { items: unknown[] } | { error: Diagnostic } {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return { error: { severity: 'error', location: file, message: `the file is empty; expected the JSON of ${what}` } };
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    const msg = (e as Error).message;
    const offset = jsonErrorPosition(body) ?? body.length;
    const endOfInput = offset >= body.length;
    const at = lineColumn(body, offset);
    const where = `${file}:${at.line}:${at.column}`;
    const hint = endOfInput ? 'the file ends in the middle of the document (truncated?)' : 'not valid JSON';
    const detail = msg.replace(/^JSON\.parse: /, '').replace(/, "[\s\S]*" is not valid JSON$/, '');
    const yamlHint = /^\s*(apiVersion|kind|items)\s*:/m.test(body) && !body.trimStart().startsWith('{') ? ' (this looks like YAML: use -o json)' : '';
    return { error: { severity: 'error', location: where, message: `${hint}: ${detail}${yamlHint}` } };
  }
  if (!isObj(doc)) return { error: { severity: 'error', location: file, message: `expected a JSON object (a v1 List from ${what}), found ${Array.isArray(doc) ? 'an array' : typeof doc}` } };
  if (doc['kind'] !== 'List' || !Array.isArray(doc['items'])) {
    const kind = str(doc['kind']);
    const got = kind ? `kind ${kind}${doc['apiVersion'] ? ` (${String(doc['apiVersion'])})` : ''}` : 'an object without "kind"';
    const hint = kind && kind !== 'List' ? `; a single object cannot be imported — run ${what} so that kubectl prints a List` : '';
    return { error: { severity: 'error', location: file, message: `expected a v1 List (kind: List with "items"), found ${got}${hint}` } };
  }
  if (doc['apiVersion'] !== undefined && doc['apiVersion'] !== 'v1') {
    return { error: { severity: 'error', location: file, message: `expected apiVersion v1 for the List, found ${String(doc['apiVersion'])}` } };
  }
  return { items: doc['items'] as unknown[] };
}

function describe(item: unknown, i: number, file: string): string {
  if (!isObj(item)) return `${file} items[${i}]`;
  const md = isObj(item['metadata']) ? item['metadata'] : {};
  const name = str(md['name']) ?? '<no name>';
  const ns = str(md['namespace']);
  return `${file} items[${i}] ${str(item['kind']) ?? '<no kind>'} ${ns ? `${ns}/` : ''}${name}`;
}

interface ObjectParts {
  md: Obj;
  name: string;
  namespace: string;
  spec: Obj;
  status: Obj;
}

/** The parts of a Kubernetes object every reader needs; undefined (with a warning) when it has no name. */
function objectParts(item: Obj, where: string, warn: (l: string, m: string) => void): ObjectParts | undefined {
  const md = isObj(item['metadata']) ? item['metadata'] : {};
  const name = str(md['name']);
  if (!name) {
    warn(where, 'metadata.name is missing; skipped');
    return undefined;
  }
  const spec = isObj(item['spec']) ? item['spec'] : {};
  const status = isObj(item['status']) ? item['status'] : {};
  return { md, name, namespace: str(md['namespace']) ?? 'default', spec, status };
}

/** A ReplicaSet's Deployment: `web-7d9f8b6c5d` → `web` (Kubernetes names ReplicaSets `<deployment>-<hash>`). */
function deploymentOf(replicaSet: string, hash: string | null): string {
  if (hash && replicaSet.endsWith(`-${hash}`)) return replicaSet.slice(0, -hash.length - 1);
  const dash = replicaSet.lastIndexOf('-');
  return dash > 0 ? replicaSet.slice(0, dash) : replicaSet;
}

/**
 * Read nodes, pods and services (and optionally CiliumNodes) into an import plan.
 * Never throws on bad input: every problem is a diagnostic. A plan without nodes is unusable (the caller fails).
 */
export function planImport(kubectl: { text: string; file: string }, cilium?: { text: string; file: string }): ImportPlan {
  const plan: ImportPlan = { nodes: [], pods: [], services: [], diagnostics: [], ciliumNodes: 0 };
  const warn = (location: string, message: string) => plan.diagnostics.push({ severity: 'warning', location, message });
  const error = (location: string, message: string) => plan.diagnostics.push({ severity: 'error', location, message });
  const list = parseList(kubectl.text, kubectl.file, '`kubectl get nodes,pods,services -A -o json`');
  if ('error' in list) {
    plan.diagnostics.push(list.error);
    return plan;
  }
  const podItems: { item: Obj; where: string }[] = [];
  const serviceItems: { item: Obj; where: string }[] = [];
  const seenNodes = new Set<string>();
  list.items.forEach((item, i) => {
    const where = describe(item, i, kubectl.file);
    if (!isObj(item)) return warn(where, 'not an object; skipped');
    const kind = item['kind'];
    if (kind === 'Node') {
      const node = readNode(item, where, warn);
      if (!node) return;
      if (seenNodes.has(node.name)) return warn(where, `a second Node named ${node.name}; skipped`);
      seenNodes.add(node.name);
      plan.nodes.push(node);
    } else if (kind === 'Pod') podItems.push({ item, where });
    else if (kind === 'Service') serviceItems.push({ item, where });
    else warn(where, `kind ${str(kind) ?? '(none)'} is not imported (only Node, Pod and Service); skipped`);
  });

  if (cilium) applyCiliumNodes(plan, cilium, warn, error);
  fillMissingPodCidrs(plan, warn);

  const nodesByName = new Map(plan.nodes.map((n) => [n.name, n]));
  const podNames = new Set<string>();
  for (const { item, where } of podItems) {
    const pod = readPod(item, where, warn);
    if (!pod) continue;
    const key = `${pod.namespace}/${pod.name}`;
    if (podNames.has(key)) {
      warn(where, `a second Pod named ${key}; skipped`);
      continue;
    }
    if (pod.node !== null && !nodesByName.has(pod.node)) {
      error(where, `its node ${pod.node} is not in the list (export nodes and pods together: kubectl get nodes,pods,services -A -o json); pod skipped`);
      continue;
    }
    if (pod.node !== null && pod.ip !== null && pod.hostNetwork) {
      const node = nodesByName.get(pod.node)!;
      if (pod.ip !== node.ip) warn(where, `hostNetwork pod IP ${pod.ip} is not its node's InternalIP ${node.ip}; using the node's`);
      pod.ip = node.ip;
    } else if (pod.node !== null && pod.ip !== null) {
      const node = nodesByName.get(pod.node)!;
      const v = parseIPv4(pod.ip);
      const inside = node.podCidrs.some((c) => cidrContains(parseCidr(c, true), v));
      if (!inside) warn(where, `pod IP ${pod.ip} is outside node ${node.name}'s pod CIDR ${node.podCidrs.join(', ')}; kept (flows are looked up by IP)`);
    }
    podNames.add(key);
    plan.pods.push(pod);
  }
  const svcNames = new Set<string>();
  for (const { item, where } of serviceItems) {
    const svc = readService(item, where, warn);
    if (!svc) continue;
    const key = `${svc.namespace}/${svc.name}`;
    if (svcNames.has(key)) {
      warn(where, `a second Service named ${key}; skipped`);
      continue;
    }
    svcNames.add(key);
    plan.services.push(svc);
  }
  if (plan.nodes.length === 0 && !plan.diagnostics.some((d) => d.severity === 'error' && d.location === kubectl.file)) {
    error(kubectl.file, 'no usable Node in the list; include nodes: kubectl get nodes,pods,services -A -o json');
  }
  return plan;
}

function readNode(item: Obj, where: string, warn: (l: string, m: string) => void): ImportedNode | undefined {
  const parts = objectParts(item, where, warn);
  if (!parts) return undefined;
  const { md, name, spec, status } = parts;
  const addresses = Array.isArray(status['addresses']) ? status['addresses'] : [];
  const internal = addresses.filter(isObj).find((a) => a['type'] === 'InternalIP' && isIPv4(String(a['address'])));
  if (!internal) {
    warn(where, 'no IPv4 InternalIP in status.addresses; skipped');
    return undefined;
  }
  const labels = strMap(md['labels']);
  const cidrs: string[] = [];
  const rawCidrs = Array.isArray(spec['podCIDRs']) ? spec['podCIDRs'] : spec['podCIDR'] !== undefined ? [spec['podCIDR']] : [];
  for (const c of rawCidrs) {
    if (typeof c === 'string' && c.includes(':')) continue; // IPv6 half of a dual-stack node: not simulated
    try {
      const parsed = parseCidr(String(c), true);
      const text = `${formatIPv4(parsed.base)}/${parsed.bits}`;
      if (!cidrs.includes(text)) cidrs.push(text);
    } catch {
      warn(where, `spec.podCIDR ${JSON.stringify(c)} is not an IPv4 CIDR; ignored`);
    }
  }
  const pool = labels['agentpool'] ?? labels['kubernetes.azure.com/agentpool'] ?? /^aks-([a-z][a-z0-9]{0,11})-\d{8}-vmss[0-9a-z]{6}$/.exec(name)?.[1];
  if (!pool) warn(where, 'no agentpool label; put in pool "imported"');
  const mode = labels['kubernetes.azure.com/mode'];
  const info = isObj(status['nodeInfo']) ? status['nodeInfo'] : {};
  return {
    name,
    ip: String(internal['address']),
    podCidrs: cidrs,
    pool: (pool ?? 'imported').toLowerCase(),
    mode: mode?.toLowerCase() === 'system' ? 'System' : mode?.toLowerCase() === 'user' ? 'User' : null,
    vmSize: labels['node.kubernetes.io/instance-type'] ?? labels['beta.kubernetes.io/instance-type'] ?? null,
    region: labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? null,
    kubeletVersion: str(info['kubeletVersion']),
    controlPlane: 'node-role.kubernetes.io/control-plane' in labels || 'node-role.kubernetes.io/master' in labels,
    labels,
    createdMs: time(md['creationTimestamp']),
    wgPublicKey: null,
    encryptionKey: null,
  };
}

function readPod(item: Obj, where: string, warn: (l: string, m: string) => void): ImportedPod | undefined {
  const parts = objectParts(item, where, warn);
  if (!parts) return undefined;
  const { md, name, namespace, spec, status } = parts;
  const phase = str(status['phase']);
  if (phase === 'Succeeded' || phase === 'Failed') {
    warn(where, `phase ${phase}: the pod has finished; skipped`);
    return undefined;
  }
  const hostNetwork = spec['hostNetwork'] === true;
  let node = str(spec['nodeName']);
  let ip = str(status['podIP']);
  if (ip !== null && !isIPv4(ip)) {
    const v4 = Array.isArray(status['podIPs']) ? status['podIPs'].filter(isObj).map((p) => String(p['ip'])).find(isIPv4) : undefined;
    if (v4) ip = v4;
    else {
      warn(where, `status.podIP ${ip} is not IPv4; imported as Pending`);
      ip = null;
    }
  }
  if (node !== null && ip === null && !hostNetwork) {
    warn(where, `on node ${node} but without status.podIP (still starting?); imported as Pending`);
    node = null;
  }
  if (node === null) ip = null;
  const labels = strMap(md['labels']);
  const containers: ImportedContainer[] = [];
  for (const c of Array.isArray(spec['containers']) ? spec['containers'].filter(isObj) : []) {
    const ports: ImportedContainer['ports'] = [];
    for (const p of Array.isArray(c['ports']) ? c['ports'].filter(isObj) : []) {
      const port = p['containerPort'];
      const protocol = protocolOf(p['protocol']);
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535 || !protocol) {
        warn(where, `container ${str(c['name']) ?? '?'}: port ${JSON.stringify(p)} is not a valid container port; ignored`);
        continue;
      }
      ports.push({ ...(str(p['name']) ? { name: str(p['name'])! } : {}), containerPort: port, protocol });
    }
    containers.push({ name: str(c['name']) ?? 'container', image: str(c['image']) ?? '', ports });
  }
  let owner: ImportedPod['owner'] = null;
  const refs = Array.isArray(md['ownerReferences']) ? md['ownerReferences'].filter(isObj) : [];
  const ref = refs.find((r) => r['controller'] === true) ?? refs[0];
  if (ref) {
    const kind = ref['kind'];
    const refName = str(ref['name']);
    if (kind === 'ReplicaSet' && refName) {
      const hash = labels['pod-template-hash'] ?? null;
      owner = { kind: 'Deployment', name: deploymentOf(refName, hash), hash };
    } else if (kind === 'DaemonSet' && refName) owner = { kind: 'DaemonSet', name: refName, hash: labels['controller-revision-hash'] ?? null };
  }
  return { namespace, name, node, ip, hostNetwork, labels, containers, owner, createdMs: time(md['creationTimestamp']) };
}

function readService(item: Obj, where: string, warn: (l: string, m: string) => void): ImportedService | undefined {
  const parts = objectParts(item, where, warn);
  if (!parts) return undefined;
  const { md, name, namespace, spec } = parts;
  const type = str(spec['type']) ?? 'ClusterIP';
  if (type === 'ExternalName') {
    warn(where, 'type ExternalName has no cluster IP; skipped');
    return undefined;
  }
  const clusterIP = str(spec['clusterIP']);
  if (clusterIP === 'None') {
    warn(where, 'headless service (clusterIP: None): clients reach the pods directly; skipped');
    return undefined;
  }
  if (clusterIP === null || !isIPv4(clusterIP)) {
    warn(where, `spec.clusterIP ${clusterIP === null ? 'is missing' : `${clusterIP} is not IPv4`}; skipped`);
    return undefined;
  }
  if (type !== 'ClusterIP') warn(where, `type ${type}: imported as its ClusterIP only (node ports and load balancers are not simulated)`);
  const selectorMap = strMap(spec['selector']);
  const ports: ImportedService['ports'] = [];
  for (const p of Array.isArray(spec['ports']) ? spec['ports'].filter(isObj) : []) {
    const port = p['port'];
    const protocol = protocolOf(p['protocol']);
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535 || !protocol) {
      warn(where, `port ${JSON.stringify(p)} is not a valid service port; ignored`);
      continue;
    }
    const tp = p['targetPort'];
    const targetPort = typeof tp === 'number' || (typeof tp === 'string' && tp !== '') ? (typeof tp === 'string' && /^\d+$/.test(tp) ? Number(tp) : tp) : port;
    ports.push({ ...(str(p['name']) ? { name: str(p['name'])! } : {}), port, targetPort, protocol });
  }
  return {
    namespace,
    name,
    labels: strMap(md['labels']),
    clusterIP,
    selector: Object.keys(selectorMap).length > 0 ? selectorMap : null,
    ports,
    createdMs: time(md['creationTimestamp']),
  };
}

const WG_ANNOTATIONS = ['network.cilium.io/wg-pub-key', 'io.cilium.network.wg-pub-key'];

function applyCiliumNodes(
  plan: ImportPlan,
  cilium: { text: string; file: string },
  warn: (l: string, m: string) => void,
  error: (l: string, m: string) => void,
): void {
  const list = parseList(cilium.text, cilium.file, '`kubectl get ciliumnodes -o json`');
  if ('error' in list) {
    plan.diagnostics.push(list.error);
    return;
  }
  const byName = new Map(plan.nodes.map((n) => [n.name, n]));
  const keys = new Map<string, string>();
  list.items.forEach((item, i) => {
    const where = describe(item, i, cilium.file);
    if (!isObj(item) || item['kind'] !== 'CiliumNode') return warn(where, 'not a CiliumNode; skipped');
    const md = isObj(item['metadata']) ? item['metadata'] : {};
    const name = str(md['name']);
    const node = name ? byName.get(name) : undefined;
    if (!node) return warn(where, `no Node named ${name ?? '(none)'} in the kubectl list; skipped`);
    plan.ciliumNodes++;
    const spec = isObj(item['spec']) ? item['spec'] : {};
    const ipam = isObj(spec['ipam']) ? spec['ipam'] : {};
    for (const c of Array.isArray(ipam['podCIDRs']) ? ipam['podCIDRs'] : []) {
      try {
        const parsed = parseCidr(String(c), true);
        const text = `${formatIPv4(parsed.base)}/${parsed.bits}`;
        if (!node.podCidrs.includes(text)) node.podCidrs.push(text);
      } catch {
        if (!String(c).includes(':')) warn(where, `spec.ipam.podCIDRs entry ${JSON.stringify(c)} is not an IPv4 CIDR; ignored`);
      }
    }
    const annotations = strMap(md['annotations']);
    const key = WG_ANNOTATIONS.map((a) => annotations[a]).find((k) => k !== undefined);
    const enc = isObj(spec['encryption']) && typeof spec['encryption']['key'] === 'number' ? spec['encryption']['key'] : null;
    node.encryptionKey = enc;
    if (key !== undefined) {
      const bytes = Buffer.from(key, 'base64');
      if (bytes.length !== 32 || Buffer.from(bytes).toString('base64') !== key) {
        warn(where, `annotation ${WG_ANNOTATIONS[0]} is not a base64 32-byte key; the node is imported without a key`);
      } else if (bytes.every((b) => b === 0)) {
        warn(where, 'the all-zero WireGuard key is never valid for a node; imported without a key');
      } else if (keys.has(key)) {
        error(where, `detected duplicate public key. node "${node.name}" uses same key as existing node "${keys.get(key)}"; imported without a key`);
      } else {
        keys.set(key, node.name);
        node.wgPublicKey = key;
      }
    }
  });
}

/** A node without a pod CIDR (kubectl and CiliumNode both silent) gets a free /24 of 10.244.0.0/16, with a warning. */
function fillMissingPodCidrs(plan: ImportPlan, warn: (l: string, m: string) => void): void {
  const used = new Set<number>();
  for (const n of plan.nodes) for (const c of n.podCidrs) used.add(parseCidr(c, true).base >>> 8);
  let next = parseIPv4('10.244.0.0') >>> 8;
  for (const n of plan.nodes) {
    if (n.podCidrs.length > 0) continue;
    while (used.has(next)) next++;
    used.add(next);
    const cidr = `${formatIPv4((next << 8) >>> 0)}/24`;
    n.podCidrs.push(cidr);
    warn(`Node ${n.name}`, `no pod CIDR in spec.podCIDR(s) or its CiliumNode; assumed ${cidr} (pod IPs are still looked up exactly)`);
  }
}
