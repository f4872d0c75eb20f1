/**
 * Which flows `traffic inspect` runs: selectors (`NS/POD`, `pod/NS/POD`, `node/NAME`, `svc/NS/NAME`, an IP) resolved
 * against the cluster's nodes, pods and ClusterIP services; one flow, a flows file, every pod pair (optionally a
 * deterministic sample), or by default a representative set covering every path class present in the cluster.
 * A flow addressed to a service is translated to a backend pod here, before the datapath (as Cilium's service
 * load balancer does): `--to svc/NS/NAME` and flows files give one flow per backend (never the source pod itself);
 * the representative set takes one, by a deterministic choice. The `kubernetes` service leads to the API server,
 * which AKS runs outside the cluster; a node's Cilium router (.1 of its pod CIDR) and health (.2) addresses are
 * that node's own, not pods.
 */
import { cidrContains, formatCidr, formatIPv4, isIPv4, parseCidr, parseIPv4, type Cidr } from '../net/ip.js';
import { HEALTH_HOST, ROUTER_HOST } from '../cluster/schedule.js';
import { API_SERVER_IP, API_SERVER_NAME } from '../cluster/system.js';
import { hash32, serviceBackends, type Pod, type Service, type Workloads } from '../cluster/workloads.js';
import { ValidationError } from '../errors.js';
import { nodeEndpoint } from './machines.js';
import type { L4Protocol } from './packets.js';
import type { Endpoint, FabricNode, Flow } from './types.js';
import { classifyPath, type PathClass } from '../cluster/path.js';

export const PROTOCOLS: readonly L4Protocol[] = ['TCP', 'UDP', 'ICMP'];
/** An address outside every cluster range, for the default "external" flow. */
export const DEFAULT_EXTERNAL_IP = '1.1.1.1';
export const DEFAULT_EXTERNAL_PORT = 443;
export const DEFAULT_POD_PORT = 80;
/** The kubelet's port: what a pod usually talks to on a node. */
export const DEFAULT_NODE_PORT = 10250;

export interface Topology {
  readonly nodes: readonly FabricNode[];
  readonly workloads: Workloads;
  /** Address ranges that belong to the cluster (node subnet, pod CIDR, service CIDR): an unknown IP in them is an error. */
  readonly clusterRanges: readonly string[];
  readonly rogue?: { readonly name: string; readonly ip: string };
}

/** What a selector names. */
export type Target = { readonly kind: 'endpoint'; readonly endpoint: Endpoint } | { readonly kind: 'service'; readonly service: Service };

export interface FlowRequest {
  readonly from: string;
  readonly to: string;
  readonly protocol?: L4Protocol;
  readonly port?: number;
}

export class Resolver {
  /** Running pods, sorted by namespace then name. */
  readonly pods: Pod[];
  private readonly podEndpoints = new Map<Pod, Endpoint>();
  private readonly nodeEndpoints = new Map<string, Endpoint>();
  private podIndexes: { byKey: Map<string, Pod>; byIp: Map<string, Pod> } | undefined;
  private readonly nodeByIp = new Map<string, FabricNode>();
  private readonly serviceByKey = new Map<string, Service>();
  private readonly serviceByIp = new Map<string, Service>();
  private readonly ranges: Cidr[];
  private readonly rogueEndpoint: Endpoint | undefined;
  /** Each node's Cilium router (.1) and health (.2) addresses, as endpoints of that node. */
  private readonly agentAddresses = new Map<string, Endpoint>();

  constructor(private readonly topo: Topology) {
    this.pods = topo.workloads.pods
      .filter((p) => p.node !== null && p.ip !== null)
      .sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.pairEndpoints = new Array<Endpoint | undefined>(this.pods.length);
    this.pairPorts = new Int32Array(this.pods.length);
    for (const n of topo.nodes) {
      this.nodeEndpoints.set(n.name, nodeEndpoint(n));
      this.nodeByIp.set(n.ip, n);
      // the node's Cilium router (cilium_host, CiliumInternalIP) and health endpoint: addresses of the node's agent
      const base = parseCidr(n.podCidr, true).base;
      for (const [host, name] of [[ROUTER_HOST, n.name], [HEALTH_HOST, 'cilium-health']] as const) {
        const ip = formatIPv4(base + host);
        this.agentAddresses.set(ip, { kind: 'node', name, namespace: null, node: n.name, ip, hostNetwork: false, ipNum: base + host });
      }
    }
    for (const s of topo.workloads.services) {
      this.serviceByKey.set(`${s.namespace}/${s.name}`, s);
      this.serviceByIp.set(s.clusterIP, s);
    }
    this.ranges = topo.clusterRanges.map((r) => parseCidr(r, true));
    if (topo.rogue) {
      this.rogueEndpoint = { kind: 'external', name: topo.rogue.name, namespace: null, node: null, ip: topo.rogue.ip, hostNetwork: false, ipNum: parseIPv4(topo.rogue.ip), rogue: true };
    }
  }
  /** Pods by "namespace/name" and pod-network pods by IP, built on first use (--all-pairs never needs them). */
  private get podByKey(): Map<string, Pod> {
    return this.indexes().byKey;
  }
  private get podByIp(): Map<string, Pod> {
    return this.indexes().byIp;
  }
  private indexes(): { byKey: Map<string, Pod>; byIp: Map<string, Pod> } {
    if (!this.podIndexes) {
      const byKey = new Map<string, Pod>();
      const byIp = new Map<string, Pod>();
      for (const p of this.pods) {
        byKey.set(`${p.namespace}/${p.name}`, p);
        if (!p.hostNetwork) byIp.set(p.ip!, p);
      }
      this.podIndexes = { byKey, byIp };
    }
    return this.podIndexes;
  }


  /** A running pod's endpoint (cached: the same object every time). */
  podEndpoint(p: Pod): Endpoint {
    let e = this.podEndpoints.get(p);
    if (!e) {
      e = { kind: 'pod', name: p.name, namespace: p.namespace, node: p.node, ip: p.ip!, hostNetwork: p.hostNetwork, ipNum: parseIPv4(p.ip!) };
      this.podEndpoints.set(p, e);
    }
    return e;
  }

  nodeEndpoint(name: string): Endpoint | undefined {
    return this.nodeEndpoints.get(name);
  }

  get rogue(): Endpoint | undefined {
    return this.rogueEndpoint;
  }

  /**
   * Resolve a selector.
   * @throws ValidationError naming the flag (`what`) for malformed selectors and unknown pods, nodes and services.
   */
  resolve(selector: string, what: string): Target {
    const sel = selector.trim();
    const fail = (msg: string): never => {
      throw new ValidationError(`${what} '${selector}': ${msg}`);
    };
    if (sel === '') fail('empty selector (expected NS/POD, pod/NS/POD, node/NAME, svc/NS/NAME or an IP)');
    const parts = sel.split('/');
    if (parts.some((p) => p === '')) fail('malformed selector (expected NS/POD, pod/NS/POD, node/NAME, svc/NS/NAME or an IP)');
    if (parts.length === 1) {
      if (!/^[0-9.]+$/.test(sel)) fail('not a selector (expected NS/POD, pod/NS/POD, node/NAME, svc/NS/NAME or an IP)');
      if (!isIPv4(sel)) fail('not a valid IPv4 address');
      return this.resolveIp(sel, fail);
    }
    const kind = parts[0]!.toLowerCase();
    if (parts.length === 2 && (kind === 'node' || kind === 'nodes' || kind === 'no')) {
      const name = parts[1]!;
      const ep = this.nodeEndpoints.get(name);
      if (ep) return { kind: 'endpoint', endpoint: ep };
      if (this.rogueEndpoint && this.rogueEndpoint.name === name) return { kind: 'endpoint', endpoint: this.rogueEndpoint };
      return fail(`no node named '${name}' in the cluster`);
    }
    if (parts.length === 3 && (kind === 'svc' || kind === 'service' || kind === 'services')) {
      const s = this.serviceByKey.get(`${parts[1]}/${parts[2]}`);
      if (!s) return fail(`no service '${parts[2]}' in namespace '${parts[1]}'`);
      return { kind: 'service', service: s };
    }
    if (parts.length === 3 && (kind === 'pod' || kind === 'pods' || kind === 'po')) return this.podTarget(parts[1]!, parts[2]!, fail);
    if (parts.length === 2) return this.podTarget(parts[0]!, parts[1]!, fail);
    return fail('malformed selector (expected NS/POD, pod/NS/POD, node/NAME, svc/NS/NAME or an IP)');
  }

  private podTarget(ns: string, name: string, fail: (m: string) => never): Target {
    const p = this.podByKey.get(`${ns}/${name}`);
    if (!p) {
      const pending = this.topo.workloads.pods.find((q) => q.namespace === ns && q.name === name);
      return fail(pending ? `pod '${name}' in namespace '${ns}' is Pending (not scheduled on a node)` : `no pod '${name}' in namespace '${ns}'`);
    }
    return { kind: 'endpoint', endpoint: this.podEndpoint(p) };
  }

  private resolveIp(ip: string, fail: (m: string) => never): Target {
    const pod = this.podByIp.get(ip);
    if (pod) return { kind: 'endpoint', endpoint: this.podEndpoint(pod) };
    const node = this.nodeByIp.get(ip);
    if (node) return { kind: 'endpoint', endpoint: this.nodeEndpoints.get(node.name)! };
    const svc = this.serviceByIp.get(ip);
    if (svc) return { kind: 'service', service: svc };
    const agent = this.agentAddresses.get(ip);
    if (agent) return { kind: 'endpoint', endpoint: agent };
    if (this.rogueEndpoint && this.rogueEndpoint.ip === ip) return { kind: 'endpoint', endpoint: this.rogueEndpoint };
    const n = parseIPv4(ip);
    const range = this.ranges.find((r) => cidrContains(r, n));
    if (range) return fail(`no pod, node or service has this address (it is inside the cluster range ${formatCidr(range)})`);
    return { kind: 'endpoint', endpoint: externalEndpoint(ip) };
  }

  /**
   * One flow from two selectors (to a service: one backend, never the source).
   * @throws ValidationError for unknown or unusable selectors, a service without backends or port, ICMP to a service.
   */
  flow(req: FlowRequest, what = ''): Flow {
    const w = what ? `${what}: ` : '';
    const src = this.resolve(req.from, `${w}from`);
    const dst = this.resolve(req.to, `${w}to`);
    if (src.kind === 'service') throw new ValidationError(`${w}from '${req.from}': a service cannot send traffic; select a pod or a node`);
    return this.flowBetween(src.endpoint, dst, req, w);
  }

  /**
   * The flows two selectors name: one, or to a service one per backend (every backend but the source pod itself,
   * in pod order), as a client's connections spread over them.
   * @throws ValidationError as flow() does; and when the source is the service's only backend.
   */
  flows(req: FlowRequest, what = ''): Flow[] {
    const w = what ? `${what}: ` : '';
    const src = this.resolve(req.from, `${w}from`);
    const dst = this.resolve(req.to, `${w}to`);
    if (src.kind === 'service') throw new ValidationError(`${w}from '${req.from}': a service cannot send traffic; select a pod or a node`);
    if (dst.kind === 'endpoint') return [this.flowBetween(src.endpoint, dst, req, w)];
    const { svc, sp, backends, name } = this.serviceTarget(src.endpoint, dst.service, req, w);
    if (backends.length === 0) return [this.apiServerFlow(src.endpoint, name, sp.port)];
    return backends.map((b) => ({ src: src.endpoint, dst: this.podEndpoint(b.pod), service: `${svc.namespace}/${svc.name}`, protocol: sp.protocol as L4Protocol, port: b.port }));
  }

  /**
   * A service's port for a request and its backends other than the source (none for the API server's service).
   * @throws ValidationError for ICMP, a missing port, SCTP, no backends, or the source as the only backend.
   */
  private serviceTarget(src: Endpoint, svc: Service, req: { to?: string; protocol?: L4Protocol; port?: number }, w: string) {
    const name = `${svc.namespace}/${svc.name}`;
    if (req.protocol === 'ICMP') throw new ValidationError(`${w}to '${req.to ?? name}': ClusterIP services do not answer ICMP; use TCP or UDP`);
    const sp = svc.ports.find((p) => (req.port === undefined || p.port === req.port) && (req.protocol === undefined || p.protocol === req.protocol));
    if (!sp) {
      const ports = svc.ports.map((p) => `${p.port}/${p.protocol}`).join(', ') || 'none';
      throw new ValidationError(`${w}to '${req.to ?? name}': service ${name} has no port ${req.port ?? ''}${req.protocol ? `/${req.protocol}` : ''} (ports: ${ports})`.replace(' port /', ' port '));
    }
    if (sp.protocol === 'SCTP') throw new ValidationError(`${w}to '${req.to ?? name}': SCTP is not simulated`);
    if (isApiServer(svc)) return { svc, sp, backends: [], name };
    const all = serviceBackends(this.topo.workloads, svc, sp.port, sp.protocol).filter((b) => b.pod.ip !== null);
    if (all.length === 0) throw new ValidationError(`${w}to '${req.to ?? name}': service ${name} has no running backend pods`);
    const isSource = (p: Pod) => src.kind !== 'external' && src.namespace === p.namespace && src.name === p.name;
    const backends = all.filter((b) => !isSource(b.pod));
    if (backends.length === 0) {
      throw new ValidationError(`${w}to '${req.to ?? name}': the source is the only backend of service ${name}; a flow needs two different endpoints`);
    }
    return { svc, sp, backends, name };
  }

  /** A flow to the `kubernetes` service: out of the cluster, to the API server (port 443, TLS). */
  private apiServerFlow(src: Endpoint, service: string, port: number): Flow {
    const dst: Endpoint = { ...externalEndpoint(API_SERVER_IP), name: API_SERVER_NAME };
    return { src, dst, service, protocol: 'TCP', port };
  }

  /** A flow from an endpoint to a target; a service is translated to a backend pod. */
  flowBetween(src: Endpoint, dst: Target, req: { to?: string; protocol?: L4Protocol; port?: number }, w = ''): Flow {
    if (dst.kind === 'endpoint') {
      const d = dst.endpoint;
      if (d === src || (d.ip === src.ip && d.kind === src.kind && d.node === src.node && d.name === src.name)) {
        throw new ValidationError(`${w}a flow needs two different endpoints ('${req.to ?? d.ip}' is the source)`);
      }
      if (src.kind === 'external' && d.kind === 'external') throw new ValidationError(`${w}both ends are outside the cluster`);
      if (d.rogue) throw new ValidationError(`${w}to '${req.to ?? d.ip}': the rogue machine only sends`);
      const protocol = req.protocol ?? 'TCP';
      const port = protocol === 'ICMP' ? null : (req.port ?? this.defaultPort(d, protocol));
      return { src, dst: d, service: null, protocol, port };
    }
    const { sp, backends, name } = this.serviceTarget(src, dst.service, req, w);
    if (backends.length === 0) return this.apiServerFlow(src, name, sp.port);
    const pick = backends[hash32(`${src.ip}>${name}:${sp.port}`) % backends.length]!;
    return { src, dst: this.podEndpoint(pick.pod), service: name, protocol: sp.protocol as L4Protocol, port: pick.port };
  }

  /** The port a flow to `d` uses when none is given: the pod's first declared port of that protocol, else a default. */
  defaultPort(d: Endpoint, protocol: L4Protocol): number {
    if (d.kind === 'external') return DEFAULT_EXTERNAL_PORT;
    if (d.kind === 'node') return DEFAULT_NODE_PORT;
    const p = d.namespace !== null && d.name !== null ? this.podByKey.get(`${d.namespace}/${d.name}`) : undefined;
    return p ? podPort(p, protocol) : DEFAULT_POD_PORT;
  }

  /** Number of ordered pod pairs (`--all-pairs`). */
  get pairCount(): number {
    const n = this.pods.length;
    return n * (n - 1);
  }

  /** The i-th ordered pair of distinct running pods (source-major, in pod order). */
  pair(i: number): Flow {
    const n = this.pods.length;
    const s = Math.floor(i / (n - 1));
    let t = i % (n - 1);
    if (t >= s) t++;
    const src = this.pairEndpoint(s);
    const dst = this.pairEndpoint(t);
    return { src, dst, service: null, protocol: 'TCP', port: this.pairPorts[t]! };
  }

  /** Pod index → its endpoint and default TCP port (0: not yet known), filled as --all-pairs reaches each pod. */
  private readonly pairEndpoints: (Endpoint | undefined)[];
  private readonly pairPorts: Int32Array;

  private pairEndpoint(i: number): Endpoint {
    let e = this.pairEndpoints[i];
    if (e === undefined) {
      const pod = this.pods[i]!;
      e = this.podEndpoint(pod);
      this.pairEndpoints[i] = e;
      this.pairPorts[i] = podPort(pod, 'TCP');
    }
    return e;
  }

  /**
   * Every ordered pod pair, or a deterministic sample of `sample` of them spread evenly over the pair space, optionally
   * only the pairs `keep` accepts (by index into `pods`). A generator: a million flows are never held at once.
   */
  *allPairs(sample?: number, keep?: (sourcePod: number, destinationPod: number) => boolean): Generator<Flow> {
    const total = this.pairCount;
    if (total <= 0) return;
    const n = this.pods.length;
    const count = sample === undefined || sample >= total ? total : sample;
    for (let k = 0; k < count; k++) {
      const i = count === total ? k : Math.floor((k * total) / count);
      if (keep) {
        // decide from the pod indices before building the flow (a shard skips most pairs)
        const s = Math.floor(i / (n - 1));
        let t = i % (n - 1);
        if (t >= s) t++;
        if (!keep(s, t)) continue;
      }
      yield this.pair(i);
    }
  }

  /**
   * A representative set: at least one flow of every path class the cluster has, and the traffic table's rows —
   * pod → pod across nodes (directly and through a ClusterIP service), pod → pod on the same node, node and
   * hostNetwork pod → pod, pod → node IP and → hostNetwork pod, pod → outside; plus the rogue machine → a pod.
   */
  defaultFlows(): Flow[] {
    const out: Flow[] = [];
    const podNet = this.pods.filter((p) => !p.hostNetwork);
    const hostNet = this.pods.filter((p) => p.hostNetwork);
    // user pods first: what the user deployed is what they want to see
    const ordered = [...podNet.filter((p) => !p.system), ...podNet.filter((p) => p.system)];
    const add = (f: Flow | undefined) => {
      if (f) out.push(f);
    };
    const ep = (p: Pod) => this.podEndpoint(p);
    const plain = (src: Endpoint, dst: Endpoint, protocol: L4Protocol = 'TCP'): Flow => ({
      src,
      dst,
      service: null,
      protocol,
      port: protocol === 'ICMP' ? null : this.defaultPort(dst, protocol),
    });
    // inter-node, both directions, and an ICMP echo
    const a = ordered[0];
    const b = a && ordered.find((p) => p.node !== a.node);
    if (a && b) {
      add(plain(ep(a), ep(b)));
      add(plain(ep(b), ep(a)));
      add(plain(ep(a), ep(b), 'ICMP'));
    }
    // inter-node through a service (user services first), and UDP through one if there is a UDP port (DNS)
    const services = [...this.topo.workloads.services].sort((x, y) => Number(x.system) - Number(y.system));
    for (const wantUdp of [false, true]) {
      let found: Flow | undefined;
      for (const svc of services) {
        const sp = svc.ports.find((p) => (wantUdp ? p.protocol === 'UDP' : p.protocol === 'TCP'));
        if (!sp) continue;
        for (const s of ordered) {
          let f: Flow;
          try {
            f = this.flowBetween(ep(s), { kind: 'service', service: svc }, { port: sp.port, protocol: sp.protocol as L4Protocol });
          } catch {
            break; // no backends for this port
          }
          if (f.dst.node !== f.src.node) {
            found = f;
            break;
          }
        }
        if (found) break;
      }
      add(found);
    }
    // same node
    const byNode = new Map<string, Pod[]>();
    for (const p of ordered) byNode.set(p.node!, [...(byNode.get(p.node!) ?? []), p]);
    const sameNode = [...byNode.values()].find((list) => list.length >= 2);
    if (sameNode) add(plain(ep(sameNode[0]!), ep(sameNode[1]!)));
    // node-originated: the node itself, and a hostNetwork pod, to a pod on another node; node to node
    const nodes = this.topo.nodes;
    if (a && nodes.length > 0) {
      const other = nodes.find((n) => n.name !== a.node);
      if (other) add(plain(this.nodeEndpoints.get(other.name)!, ep(a)));
      const h = hostNet.find((p) => p.node !== a.node);
      if (h) add(plain(ep(h), ep(a)));
    }
    if (nodes.length >= 2) add(plain(this.nodeEndpoints.get(nodes[0]!.name)!, this.nodeEndpoints.get(nodes[1]!.name)!));
    // to-node: a pod to another node's IP, and to a hostNetwork pod on another node
    if (a) {
      const other = nodes.find((n) => n.name !== a.node);
      if (other) add(plain(ep(a), this.nodeEndpoints.get(other.name)!));
      const h = hostNet.find((p) => p.node !== a.node);
      if (h) add(plain(ep(a), ep(h)));
      // external
      add(plain(ep(a), externalEndpoint(DEFAULT_EXTERNAL_IP)));
    }
    // the rogue machine → a pod
    if (this.rogueEndpoint && a) add(plain(this.rogueEndpoint, ep(a)));
    return out;
  }
}

/** The `kubernetes` service in `default` (no selector): its endpoint is the API server. */
function isApiServer(svc: Service): boolean {
  return svc.namespace === 'default' && svc.name === 'kubernetes' && svc.selector === null;
}

/** An address outside the cluster. */
export function externalEndpoint(ip: string): Endpoint {
  return { kind: 'external', name: null, namespace: null, node: null, ip, hostNetwork: false, ipNum: parseIPv4(ip) };
}

/** Path classes present in a set of flows. */
export function pathsOf(flows: readonly Flow[]): Set<PathClass> {
  return new Set(flows.map((f) => classifyPath(f.src, f.dst)));
}

/**
 * Parse a flows file's text (YAML or JSON): a list of `{from, to, protocol?, port?}`, or `{flows: [...]}`.
 * @throws ValidationError naming the file and the entry for every problem (YAML syntax errors with their line).
 */
export async function parseFlowsFile(text: string, file: string): Promise<FlowRequest[]> {
  const { parse } = await import('yaml');
  let data: unknown;
  try {
    data = parse(text);
  } catch (e) {
    const err = e as { message?: string; linePos?: { line: number; col: number }[] };
    const pos = err.linePos?.[0];
    const msg = String(err.message ?? e).split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ValidationError(`flows file ${file}: ${pos ? `line ${pos.line} column ${pos.col}: ` : ''}${msg}`);
  }
  if (data && typeof data === 'object' && !Array.isArray(data) && Array.isArray((data as { flows?: unknown }).flows)) data = (data as { flows: unknown }).flows;
  if (!Array.isArray(data)) throw new ValidationError(`flows file ${file}: expected a list of {from, to, protocol, port}`);
  if (data.length === 0) throw new ValidationError(`flows file ${file}: the list is empty`);
  return data.map((item, i) => {
    const where = `flows file ${file}: entry ${i + 1}`;
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw new ValidationError(`${where}: expected a mapping with from and to`);
    const o = item as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!['from', 'to', 'protocol', 'port'].includes(k)) throw new ValidationError(`${where}: unknown field '${k}' (fields: from, to, protocol, port)`);
    if (typeof o['from'] !== 'string' || o['from'] === '') throw new ValidationError(`${where}: 'from' must be a selector string`);
    if (typeof o['to'] !== 'string' || o['to'] === '') throw new ValidationError(`${where}: 'to' must be a selector string`);
    let protocol: L4Protocol | undefined;
    if (o['protocol'] !== undefined) {
      const p = typeof o['protocol'] === 'string' ? PROTOCOLS.find((x) => x === (o['protocol'] as string).toUpperCase()) : undefined;
      if (!p) throw new ValidationError(`${where}: protocol must be one of TCP, UDP, ICMP, got ${JSON.stringify(o['protocol'])}`);
      protocol = p;
    }
    let port: number | undefined;
    if (o['port'] !== undefined) {
      const v = o['port'];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) throw new ValidationError(`${where}: port must be an integer from 1 to 65535, got ${JSON.stringify(v)}`);
      if (protocol === 'ICMP') throw new ValidationError(`${where}: ICMP has no port`);
      port = v;
    }
    return { from: o['from'] as string, to: o['to'] as string, ...(protocol ? { protocol } : {}), ...(port !== undefined ? { port } : {}) };
  });
}

/** A selector string that looks like an IP but is not one fails in resolve(); this only checks the dotted shape. */
export function looksLikeIp(text: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(text);
}

export type { Pod, Service };

/** A pod's first declared container port of `protocol`, else the default a flow to a pod uses. */
function podPort(p: Pod, protocol: L4Protocol): number {
  for (const c of p.containers) for (const cp of c.ports) if (cp.protocol === protocol) return cp.containerPort;
  return DEFAULT_POD_PORT;
}
