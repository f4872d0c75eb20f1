/**
 * Hubble flow logs against the cluster model: reads `hubble observe -o json` lines (one `GetFlowsResponse` JSON
 * object per line; api/v1/observer/observer.proto, flow/flow.proto) from an async iterable, so a multi-gigabyte log
 * streams in constant memory, and answers per observed flow: its path class, whether WireGuard as configured would
 * encrypt it, and what each --compare option would do.
 *
 * Line handling:
 *   {"flow": {...}}           a flow; de-duplicated by protocol and 5-tuple and counted (the same connection seen
 *                             at several observation points and on both nodes, EGRESS at one end and INGRESS at the
 *                             other, is one flow; `direction` is the first one seen). A reply (`is_reply: true`, or
 *                             the deprecated `reply: true`) folds into its request: its tuple is reversed before the
 *                             look-up. When the line does not say (no `is_reply`, no `reply`: Hubble's BoolValue is
 *                             absent when unknown), a line whose reversed tuple is a flow already seen is its reply.
 * Grading (result()): a flow is encrypted when WireGuard as configured would encrypt its path and it was forwarded;
 * a flow Hubble only saw DROPPED never crossed the wire, and a strict-mode drop (`drop_reason_desc`
 * UNENCRYPTED_TRAFFIC) is proof the datapath had no key for it: neither counts as encrypted, and both are counted
 * apart (`dropped`, `strictModeDrops`). Each flow carries a one-line `reason`, as `traffic inspect` gives one.
 *   {"node_status": ...}      counted and skipped; so are `lost_events`, `agent_event` and `debug_event`.
 *   blank lines               ignored.
 *   anything else             malformed: counted, the first `maxReported` reported with their line number, skipped.
 * Outer WireGuard packets (`IP.encrypted: true`, or UDP 51871 → 51871 between two nodes) are the tunnel, not a
 * workload flow: they are counted as proof that encryption is on the wire and not classified.
 *
 * Memory: one map entry per distinct flow, up to `maxFlows` (default 100,000); flows beyond that are still
 * classified and counted in the coverage totals, but not listed one by one (`overflowObservations`); their keys are
 * remembered in a second set of the same bound, so past 2 × maxFlows distinct flows a flow can be counted twice.
 * Lines are parsed whole (JSON.parse), so any malformation is caught.
 */
import {
  configuredScenario,
  CoverageAccumulator,
  flowNamespace,
  nodeFacts,
  type NodeFacts,
  SCENARIO_BIT,
  wouldEncrypt,
  type ScenarioCoverage,
} from './coverage.js';
import { classifyPath, type PathClass } from '../cluster/path.js';
import { ipv4Number } from '../net/ip.js';
import { API_SERVER_NAME } from '../cluster/system.js';
import { externalEndpoint, nodeEndpoint, podEndpoint, type Endpoint, type IndexedModel } from './model.js';

/** What readLines yields for a line longer than MAX_LINE_CHARS. */
const OVERLONG = '\u0000<overlong>';

/** Cilium's WireGuard UDP port (source = destination). */
export const WIREGUARD_PORT = 51871;

/** Reserved security identities (pkg/identity/numericidentity.go). */
export const RESERVED_IDENTITY = { host: 1, world: 2, unmanaged: 3, health: 4, init: 5, 'remote-node': 6, 'kube-apiserver': 7, ingress: 8 } as const;

export type Protocol = 'TCP' | 'UDP' | 'SCTP' | 'ICMPv4' | 'ICMPv6' | 'other';

export interface HubbleEndpoint extends Endpoint {
  /** The Hubble identity, when the log gave one. */
  readonly identity: number | null;
}

/** One distinct observed flow (request direction), with its counts. */
export interface ObservedFlow {
  source: HubbleEndpoint;
  destination: HubbleEndpoint;
  sourcePort: number;
  destinationPort: number;
  protocol: Protocol;
  direction: string;
  /** "ns/name" when the destination was a ClusterIP service (translated to a backend by the model). */
  service: string | null;
  path: PathClass;
  /** Would WireGuard as the cluster is configured encrypt this flow? */
  encrypted: boolean;
  /** Scenario bits (coverage.ts SCENARIO_BIT) that would encrypt it. */
  scenarios: number;
  /** Request lines and reply lines folded into this flow. */
  requests: number;
  replies: number;
  verdicts: Record<string, number>;
  dropReasons: Record<string, number>;
  /** observation points seen (TO_ENDPOINT, TO_NETWORK, ...). */
  observationPoints: string[];
  /** Hubble node names that reported it. */
  nodes: string[];
  firstTime: string | null;
  lastTime: string | null;
  /** lastTime as timeValue() (ms since the epoch, µs in the fraction); -Infinity when no time was seen. */
  lastTimeValue: number;
  /** The addresses as the log shows them (request direction): the key; `destination.ip` is a service's backend. */
  wireSource: string;
  wireDestination: string;
  /** An address outside every known CIDR that Hubble did not mark as world. */
  unknownAddress: boolean;
  /** A ClusterIP service without a backend in the model. */
  unresolvedService: boolean;
  /** Why the flow is (not) encrypted, in words (set by result()). */
  reason: string;
}

export interface MalformedLine {
  line: number;
  message: string;
}

export interface HubbleStats {
  lines: number;
  /** Flow lines classified (requests + replies). */
  flowLines: number;
  replies: number;
  distinctFlows: number;
  /** Flow lines whose flow was not listed because maxFlows was reached (still in the coverage totals). */
  overflowObservations: number;
  nodeStatus: number;
  lostEvents: number;
  otherEvents: number;
  /** Flows without an IP layer (L7-only records, ARP): counted, not classified. */
  noIp: number;
  /** Outer WireGuard packets seen (IP.encrypted, or UDP 51871 between nodes). */
  tunnelPackets: number;
  malformed: number;
  /** Flows with an address outside every known CIDR that Hubble did not mark as world (classified external). */
  unknownAddresses: number;
  /** Flows to a ClusterIP with no backend in the model (classified external). */
  unresolvedServices: number;
}

/** Listed flows that did not cross the wire as the model would have it. */
export interface HubbleGrading {
  /** Flows Hubble saw only as DROPPED (never encrypted). */
  dropped: number;
  /** Flows dropped by Cilium's strict mode (`drop_reason_desc` UNENCRYPTED_TRAFFIC): left unencrypted, so dropped. */
  strictModeDrops: number;
}

export interface HubbleResult {
  stats: HubbleStats;
  grading: HubbleGrading;
  malformed: MalformedLine[];
  flows: ObservedFlow[];
  /** Coverage per scenario, counting each distinct flow once. */
  coverage: ScenarioCoverage[];
  /** The scenario the cluster is configured as. */
  configured: string;
}

export interface HubbleOptions {
  /** How many malformed lines to list (the rest are counted). Default 10. */
  maxReported?: number;
  /** How many distinct flows to keep one by one. Default 100,000. */
  maxFlows?: number;
}

interface Raw {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto: Protocol;
  reply: boolean;
}

/**
 * A copy of a string that does not keep its source alive: V8 hands out JSON string values as slices of the parsed
 * line, itself a slice of a 1 MiB read chunk, so one retained time or node name would pin a whole chunk per flow.
 */
const fresh = (s: string): string => (' ' + s).slice(1);

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function l4Of(l4: unknown): { proto: Protocol; sport: number; dport: number } {
  if (!l4 || typeof l4 !== 'object') return { proto: 'other', sport: 0, dport: 0 };
  const o = l4 as Record<string, Record<string, unknown> | undefined>;
  const p = o['TCP'] ?? o['UDP'] ?? o['SCTP'];
  if (p) {
    const proto: Protocol = o['TCP'] ? 'TCP' : o['UDP'] ? 'UDP' : 'SCTP';
    return { proto, sport: num(p['source_port']), dport: num(p['destination_port']) };
  }
  // ICMP has no ports: a flow is its addresses, so an echo request and its reply fold together
  if (o['ICMPv4']) return { proto: 'ICMPv4', sport: 0, dport: 0 };
  if (o['ICMPv6']) return { proto: 'ICMPv6', sport: 0, dport: 0 };
  return { proto: 'other', sport: 0, dport: 0 };
}

/** The identity number, reserved labels considered (`reserved:host` without an identity field is 1). */
function identityOf(ep: Record<string, unknown> | undefined): number | null {
  if (!ep) return null;
  if (typeof ep['identity'] === 'number') return ep['identity'];
  const labels = ep['labels'];
  if (Array.isArray(labels)) {
    for (const l of labels) {
      if (typeof l !== 'string' || !l.startsWith('reserved:')) continue;
      const id = (RESERVED_IDENTITY as Record<string, number>)[l.slice(9)];
      if (id !== undefined) return id;
    }
  }
  return null;
}

/** Streams lines into the model and returns the result when the input ends. */
export class HubbleAnalyzer {
  readonly stats: HubbleStats = {
    lines: 0,
    flowLines: 0,
    replies: 0,
    distinctFlows: 0,
    overflowObservations: 0,
    nodeStatus: 0,
    lostEvents: 0,
    otherEvents: 0,
    noIp: 0,
    tunnelPackets: 0,
    malformed: 0,
    unknownAddresses: 0,
    unresolvedServices: 0,
  };
  readonly malformed: MalformedLine[] = [];
  private readonly flows = new FlowTable();
  /** Coverage of the flows past maxFlows (the listed ones are counted in result()). */
  private readonly overflowCoverage = new CoverageAccumulator();
  private readonly facts;
  private readonly maxReported: number;
  private readonly maxFlows: number;
  private readonly configuredBit: number;
  /** Key → placement of flows past maxFlows (bounded by the same limit, then cleared). */
  private readonly overflow = new Map<string, number>();

  constructor(
    private readonly index: IndexedModel,
    opts: HubbleOptions = {},
  ) {
    this.facts = nodeFacts(index);
    this.maxReported = opts.maxReported ?? 10;
    this.maxFlows = opts.maxFlows ?? 100_000;
    this.configuredBit = SCENARIO_BIT[configuredScenario(index.model)];
  }

  /** Few distinct values (directions, observation points, node names): one fresh copy each. */
  private readonly interned = new Map<string, string>();
  private intern(s: string): string {
    let v = this.interned.get(s);
    if (v === undefined) {
      v = fresh(s);
      if (this.interned.size < 10_000) this.interned.set(v, v);
    }
    return v;
  }

  private bad(line: number, message: string | (() => string)): void {
    this.stats.malformed++;
    if (this.malformed.length < this.maxReported) this.malformed.push({ line, message: fresh(typeof message === 'string' ? message : message()) });
  }

  /** Feed one line (without its newline). `lineNo` is 1-based. */
  addLine(text: string, lineNo: number): void {
    this.stats.lines++;
    if (text.length === 0 || (text.charCodeAt(0) !== 123 && /^\s*$/.test(text))) return;
    if (this.malformed.length >= this.maxReported) {
      // Past the listed ones, a line that cannot be a JSON object is only counted: no parse, no error message
      // (a million garbage lines cost a scan each, not an exception each).
      const first = text.charCodeAt(0);
      const last = text.charCodeAt(text.length - 1);
      const space = (c: number) => c === 32 || c === 9 || c === 13;
      if ((first !== 123 && !space(first)) || (last !== 125 && !space(last))) {
        this.stats.malformed++;
        return;
      }
    }
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      if (text === OVERLONG) {
        this.bad(lineNo, `line longer than ${MAX_LINE_CHARS / 1048576} MiB; skipped to the next newline`);
        return;
      }
      this.bad(lineNo, () => {
        const msg = (e as Error).message.replace(/^JSON\.parse: /, '');
        return text.trimEnd().endsWith('}') ? `not JSON: ${msg}` : `not JSON (truncated?): ${msg}`;
      });
      return;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      this.bad(lineNo, 'not a JSON object');
      return;
    }
    const o = obj as Record<string, unknown>;
    const flow = o['flow'];
    if (flow === undefined) {
      if ('node_status' in o) this.stats.nodeStatus++;
      else if ('lost_events' in o) this.stats.lostEvents++;
      else if ('agent_event' in o || 'debug_event' in o) this.stats.otherEvents++;
      else this.bad(lineNo, 'no "flow", "node_status" or "lost_events" field');
      return;
    }
    if (flow === null || typeof flow !== 'object' || Array.isArray(flow)) {
      this.bad(lineNo, '"flow" is not an object');
      return;
    }
    this.addFlow(flow as Record<string, unknown>, str(o['node_name']), str(o['time']), lineNo);
  }

  /** Feed one parsed flow object. */
  addFlow(f: Record<string, unknown>, lineNode: string | null, lineTime: string | null, lineNo: number): void {
    const ip = f['IP'] as Record<string, unknown> | undefined;
    if (!ip || typeof ip !== 'object') {
      this.stats.noIp++;
      return;
    }
    const src = str(ip['source']);
    const dst = str(ip['destination']);
    if (src === null || dst === null) {
      this.bad(lineNo, '"flow.IP" has no source or destination address');
      return;
    }
    const { proto, sport, dport } = l4Of(f['l4']);
    if (ip['encrypted'] === true) {
      this.stats.tunnelPackets++;
      return;
    }
    if (proto === 'UDP' && sport === WIREGUARD_PORT && dport === WIREGUARD_PORT) {
      const a = this.index.lookup(src);
      const b = this.index.lookup(dst);
      if (a.type === 'node' && b.type === 'node') {
        this.stats.tunnelPackets++;
        return;
      }
    }
    const said = f['is_reply'] ?? f['reply'];
    let reply = said === true;
    const td = f['traffic_direction'];
    const direction =
      td === 'EGRESS' ? 'EGRESS' : td === 'INGRESS' ? 'INGRESS' : td === undefined ? 'TRAFFIC_DIRECTION_UNKNOWN' : this.intern(str(td) ?? 'TRAFFIC_DIRECTION_UNKNOWN');
    this.stats.flowLines++;
    let entry = reply ? this.flows.get(proto, dst, dport, src, sport) : this.flows.get(proto, src, sport, dst, dport);
    if (!entry && typeof said !== 'boolean') {
      // the line does not say whether it is a reply: it is one when its reversed tuple is a flow already seen
      const request = this.flows.get(proto, dst, dport, src, sport);
      if (request) {
        entry = request;
        reply = true;
      } else if (this.overflow.has(`${proto} ${dst}:${dport} ${src}:${sport}`)) {
        this.stats.replies++;
        this.stats.overflowObservations++;
        return;
      }
    }
    if (reply) this.stats.replies++;
    if (!entry) {
      const raw: Raw = reply
        ? { src: dst, dst: src, sport: dport, dport: sport, proto, reply }
        : { src, dst, sport, dport, proto, reply };
      const key = `${proto} ${raw.src}:${raw.sport} ${raw.dst}:${raw.dport}`;
      const overflowMask = this.overflow.get(key);
      if (overflowMask !== undefined) {
        this.stats.overflowObservations++;
        return;
      }
      const srcEp = f[reply ? 'destination' : 'source'] as Record<string, unknown> | undefined;
      const dstEp = f[reply ? 'source' : 'destination'] as Record<string, unknown> | undefined;
      entry = this.classify(raw, direction, srcEp, dstEp);
      if (this.flows.size >= this.maxFlows) {
        // not listed: graded by this first line (a drop is not encrypted as configured)
        const mask = f['verdict'] === 'DROPPED' ? entry.scenarios & ~this.configuredBit : entry.scenarios;
        this.overflowCoverage.add(entry.path, flowNamespace(entry.source, entry.destination), mask);
        if (entry.unknownAddress) this.stats.unknownAddresses++;
        if (entry.unresolvedService) this.stats.unresolvedServices++;
        if (this.overflow.size >= this.maxFlows) this.overflow.clear();
        this.overflow.set(key, entry.scenarios);
        this.stats.overflowObservations++;
        return;
      }
      this.flows.add(entry);
    }
    if (reply) entry.replies++;
    else entry.requests++;
    const verdict = f['verdict'];
    // the common verdicts by name (a keyed store with a parsed string would re-internalise it on every line)
    if (verdict === 'FORWARDED') entry.verdicts['FORWARDED'] = (entry.verdicts['FORWARDED'] ?? 0) + 1;
    else if (verdict === 'DROPPED') entry.verdicts['DROPPED'] = (entry.verdicts['DROPPED'] ?? 0) + 1;
    else {
      const v = str(verdict) ?? 'VERDICT_UNKNOWN';
      entry.verdicts[v] = (entry.verdicts[v] ?? 0) + 1;
    }
    const drop = str(f['drop_reason_desc']);
    if (drop) entry.dropReasons[drop] = (entry.dropReasons[drop] ?? 0) + 1;
    const point = str(f['trace_observation_point']);
    if (point && entry.observationPoints[0] !== point && !entry.observationPoints.includes(point) && entry.observationPoints.length < 16) {
      entry.observationPoints.push(this.intern(point));
    }
    const node = str(f['node_name']) ?? lineNode;
    if (node && entry.nodes[0] !== node && !entry.nodes.includes(node) && entry.nodes.length < 16) entry.nodes.push(this.intern(node));
    const time = str(f['time']) ?? lineTime;
    if (time) {
      if (entry.firstTime === null || time < entry.firstTime) entry.firstTime = fresh(time);
      // logs are mostly in time order: remember the latest time as a number, its text only in result()
      const t = timeValue(time);
      if (t > entry.lastTimeValue) {
        entry.lastTimeValue = t;
        entry.lastTime = null;
      }
    }
  }

  /** Where an address is, in the model first, else from what Hubble says about it. */
  private endpoint(ip: string, ep: Record<string, unknown> | undefined, role: 'src' | 'dst'): { ep: HubbleEndpoint; service: string | null; unknown: boolean; unresolved: boolean } {
    const identity = identityOf(ep);
    const ns = str(ep?.['namespace']);
    const pod = str(ep?.['pod_name']);
    const hubbleNs = ns === null ? null : this.intern(ns);
    const hubblePod = pod === null ? null : fresh(pod);
    const with_ = (e: Endpoint): HubbleEndpoint => ({ ...e, identity });
    const hit = this.index.lookup(ip);
    switch (hit.type) {
      case 'pod':
        return { ep: with_(podEndpoint(hit.pod)), service: null, unknown: false, unresolved: false };
      case 'node': {
        // A hostNetwork pod shares its node's IP: Hubble's pod name tells which one it was.
        if (hubblePod && hubbleNs) {
          return {
            ep: { kind: 'node', ip, node: hit.node.name, namespace: hubbleNs, name: hubblePod, hostNetwork: true, identity },
            service: null,
            unknown: false,
            unresolved: false,
          };
        }
        return { ep: with_(nodeEndpoint(hit.node, ip)), service: null, unknown: false, unresolved: false };
      }
      case 'pod-cidr':
        // the node's Cilium router (cilium_host, CiliumInternalIP) is the host itself: Hubble says host or remote-node
        if (identity === RESERVED_IDENTITY.host || identity === RESERVED_IDENTITY['remote-node']) {
          return { ep: with_(nodeEndpoint(hit.node, ip)), service: null, unknown: false, unresolved: false };
        }
        // its health endpoint is the agent's too (as traffic inspect models it: not a pod in the peer's AllowedIPs)
        if (identity === RESERVED_IDENTITY.health) {
          return { ep: { kind: 'node', ip, node: hit.node.name, namespace: null, name: 'cilium-health', hostNetwork: false, identity }, service: null, unknown: false, unresolved: false };
        }
        return {
          ep: { kind: 'pod', ip, node: hit.node.name, namespace: hubbleNs, name: hubblePod, hostNetwork: false, identity },
          service: null,
          unknown: false,
          unresolved: false,
        };
      case 'service': {
        const svc = hit.service;
        const name = `${svc.namespace}/${svc.name}`;
        // AKS runs the API server outside the cluster: the kubernetes service's ClusterIP leads out of it
        if (name === API_SERVER_SERVICE) return { ep: with_({ ...externalEndpoint(ip), name: API_SERVER_NAME }), service: name, unknown: false, unresolved: false };
        const backends = this.index.backends(svc);
        // Prefer the backend Hubble names; else the one a hash of the address picks (as a load balancer would).
        const named = hubblePod ? backends.find((p) => p.name === hubblePod && p.namespace === (hubbleNs ?? svc.namespace)) : undefined;
        const pick = named ?? backends[hashString(`${ip}/${role}`) % Math.max(1, backends.length)];
        if (pick) return { ep: with_(podEndpoint(pick)), service: name, unknown: false, unresolved: false };
        return { ep: with_(externalEndpoint(ip)), service: name, unknown: false, unresolved: true };
      }
      default: {
        const world = identity === RESERVED_IDENTITY.world || identity === RESERVED_IDENTITY['kube-apiserver'];
        // outside the model: external for the classification, but keep the names Hubble gave it
        const ep = hubblePod
          ? { ...externalEndpoint(ip), namespace: hubbleNs, name: hubblePod }
          : identity === RESERVED_IDENTITY['kube-apiserver']
            ? { ...externalEndpoint(ip), name: API_SERVER_NAME }
            : externalEndpoint(ip);
        return { ep: with_(ep), service: null, unknown: !world, unresolved: false };
      }
    }
  }

  private classify(raw: Raw, direction: string, srcEp: Record<string, unknown> | undefined, dstEp: Record<string, unknown> | undefined): ObservedFlow {
    const s = this.endpoint(raw.src, srcEp, 'src');
    const d = this.endpoint(raw.dst, dstEp, 'dst');
    const scenarios = wouldEncrypt(s.ep, d.ep, this.facts);
    return {
      source: s.ep,
      destination: d.ep,
      sourcePort: raw.sport,
      destinationPort: raw.dport,
      protocol: raw.proto,
      direction,
      service: d.service ?? s.service,
      path: classifyPath(s.ep, d.ep),
      encrypted: (scenarios & this.configuredBit) !== 0,
      scenarios,
      requests: 0,
      replies: 0,
      verdicts: {},
      dropReasons: {},
      observationPoints: [],
      nodes: [],
      firstTime: null,
      lastTime: null,
      lastTimeValue: -Infinity,
      wireSource: fresh(raw.src),
      wireDestination: fresh(raw.dst),
      unknownAddress: s.unknown || d.unknown,
      unresolvedService: s.unresolved || d.unresolved,
      reason: '',
    };
  }

  result(): HubbleResult {
    const coverage = new CoverageAccumulator();
    coverage.absorb(this.overflowCoverage.data());
    const stats = { ...this.stats, distinctFlows: this.flows.size };
    const grading: HubbleGrading = { dropped: 0, strictModeDrops: 0 };
    for (const f of this.flows.values()) {
      if (f.lastTime === null && f.lastTimeValue > -Infinity) f.lastTime = timeText(f.lastTimeValue);
      const g = this.grade(f);
      if (g.strict) grading.strictModeDrops++;
      if (g.dropped) grading.dropped++;
      coverage.add(f.path, flowNamespace(f.source, f.destination), g.mask);
      if (f.unknownAddress) stats.unknownAddresses++;
      if (f.unresolvedService) stats.unresolvedServices++;
    }
    return {
      stats,
      grading,
      malformed: [...this.malformed],
      flows: [...this.flows.values()],
      coverage: coverage.result(),
      configured: configuredScenario(this.index.model),
    };
  }

  /**
   * What the log says happened to a flow, against what the configuration would do: encrypted only when forwarded on
   * a path WireGuard as configured encrypts; never when Hubble saw it only DROPPED or strict mode dropped it. Sets
   * `encrypted` and `reason`; `mask` is the flow's scenario bits with the configured one cleared when it was not.
   */
  private grade(f: ObservedFlow): { mask: number; dropped: boolean; strict: boolean } {
    const strict = (f.dropReasons['UNENCRYPTED_TRAFFIC'] ?? 0) > 0;
    const verdicts = Object.keys(f.verdicts);
    const dropped = verdicts.length > 0 && verdicts.every((v) => v === 'DROPPED');
    const would = (f.scenarios & this.configuredBit) !== 0;
    f.encrypted = would && !dropped && !strict;
    f.reason = observedReason(f, { dropped, strict, wireguard: this.index.model.wireguard, facts: this.facts });
    return { mask: would && !f.encrypted ? f.scenarios & ~this.configuredBit : f.scenarios, dropped, strict };
  }
}

/** Why an observed flow is encrypted or not, in the words `traffic inspect` uses for simulated flows. */
export function observedReason(
  f: Pick<ObservedFlow, 'source' | 'destination' | 'path' | 'encrypted' | 'service' | 'dropReasons' | 'nodes' | 'unknownAddress' | 'unresolvedService'>,
  g: { dropped: boolean; strict: boolean; wireguard: boolean; facts: ReadonlyMap<string, NodeFacts> },
): string {
  const src = f.source;
  const dst = f.destination;
  const at = f.nodes[0] ?? src.node;
  if (g.strict) return `strict mode: dropped with UNENCRYPTED_TRAFFIC${at ? ` on ${at}` : ''} (the packet would have left the node unencrypted)`;
  if (g.dropped) {
    const why = Object.keys(f.dropReasons).join(', ');
    return `dropped${why ? ` (${why})` : ''}${at ? ` on ${at}` : ''}: it never crossed the wire`;
  }
  if (f.encrypted) {
    return f.path === 'inter-node'
      ? `pod to pod across nodes: ${src.node} and ${dst.node} are WireGuard peers (both publish a key), so it crossed eth0 only as WireGuard UDP ${WIREGUARD_PORT}`
      : `between two nodes with Cilium node encryption on: WireGuard UDP ${WIREGUARD_PORT} on eth0`;
  }
  switch (f.path) {
    case 'external':
      if (f.service === API_SERVER_SERVICE || dst.name === API_SERVER_NAME) {
        return `to the Kubernetes API server (${dst.ip}), which runs outside the cluster on AKS: no WireGuard peer owns it; protected by TLS, not WireGuard`;
      }
      if (f.unresolvedService) return `to ClusterIP service ${f.service} with no backend in the model: treated as outside the cluster`;
      if (src.kind === 'external') return `from outside the cluster (${src.ip}${f.unknownAddress ? ', an address in no cluster range' : ''}): no WireGuard peer owns the source`;
      return `to outside the cluster (${dst.ip}${f.unknownAddress ? ', an address in no cluster range' : ''}): no WireGuard peer owns the destination`;
    case 'same-node':
      return `pod to pod on the same node (${src.node}): delivered over the lxc veth, never on eth0`;
    case 'node-originated':
      return `from ${src.hostNetwork ? `hostNetwork pod ${src.namespace}/${src.name}` : `node ${src.node}`}: the source is the host, which WireGuard on AKS does not encrypt (node encryption off)`;
    case 'to-node':
      if (dst.name === 'cilium-health') return `to ${dst.node}'s Cilium health endpoint (${dst.ip}), an address of the node's agent, not a pod: outside the peer's pod AllowedIPs (node encryption off)`;
      return `to ${dst.hostNetwork ? `hostNetwork pod ${dst.namespace}/${dst.name}` : `node ${dst.node} (${dst.ip})`}: node addresses carry no WireGuard key (node encryption off)`;
    case 'inter-node': {
      if (!g.wireguard) return 'WireGuard transit encryption is off on this cluster: sent in plaintext on eth0';
      const keyless = [src.node, dst.node].find((n) => n !== null && g.facts.get(n)?.wireguard === false);
      return keyless ? `${keyless} publishes no WireGuard key (its CiliumNode has none): no peer, sent in plaintext on eth0` : 'not encrypted: sent in plaintext on eth0';
    }
  }
}

/** The `kubernetes` service in `default`: its ClusterIP is the API server, which AKS runs outside the cluster. */
export const API_SERVER_SERVICE = 'default/kubernetes';

/** The de-duplication key of a flow as text (the request direction's protocol and 5-tuple). */
export function flowKey(f: Pick<ObservedFlow, 'protocol' | 'wireSource' | 'sourcePort' | 'wireDestination' | 'destinationPort'>): string {
  return `${f.protocol} ${f.wireSource}:${f.sourcePort} ${f.wireDestination}:${f.destinationPort}`;
}

const PROTO_INDEX: Readonly<Record<string, number>> = { TCP: 0, UDP: 1, SCTP: 2, ICMPv4: 3, ICMPv6: 4, other: 5 };

/**
 * Distinct flows by protocol and 5-tuple. IPv4 flows are found through two maps with number keys (source address
 * and port; destination address, port and protocol: each under 2^53), which costs a fraction of hashing a text key
 * per line; anything else (IPv6) uses a text key.
 */
class FlowTable {
  private readonly bySource = new Map<number, Map<number, ObservedFlow>>();
  private readonly byText = new Map<string, ObservedFlow>();
  private readonly all: ObservedFlow[] = [];

  get size(): number {
    return this.all.length;
  }

  private keys(proto: string, src: string, sport: number, dst: string, dport: number): [number, number] | undefined {
    const a = ipv4Number(src);
    const b = ipv4Number(dst);
    const p = PROTO_INDEX[proto];
    if (Number.isNaN(a) || Number.isNaN(b) || p === undefined || sport > 65535 || dport > 65535) return undefined;
    return [a * 65536 + sport, (b * 65536 + dport) * 8 + p];
  }

  get(proto: string, src: string, sport: number, dst: string, dport: number): ObservedFlow | undefined {
    const k = this.keys(proto, src, sport, dst, dport);
    if (k) return this.bySource.get(k[0])?.get(k[1]);
    return this.byText.get(`${proto} ${src}:${sport} ${dst}:${dport}`);
  }

  add(f: ObservedFlow): void {
    this.all.push(f);
    const k = this.keys(f.protocol, f.wireSource, f.sourcePort, f.wireDestination, f.destinationPort);
    if (!k) {
      this.byText.set(flowKey(f), f);
      return;
    }
    let inner = this.bySource.get(k[0]);
    if (!inner) this.bySource.set(k[0], (inner = new Map()));
    inner.set(k[1], f);
  }

  values(): readonly ObservedFlow[] {
    return this.all;
  }
}

const d = (s: string, i: number): number => s.charCodeAt(i) - 48;

/**
 * An RFC 3339 UTC time (`2026-11-25T14:02:00.123456789Z`, as Hubble prints them) as ms since the epoch with the
 * microseconds in the fraction, by arithmetic on the characters (no Date, no allocation); NaN for other shapes.
 */
export function timeValue(s: string): number {
  if (s.length < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(s.length - 1) !== 90) return NaN;
  let y = d(s, 0) * 1000 + d(s, 1) * 100 + d(s, 2) * 10 + d(s, 3);
  const m = d(s, 5) * 10 + d(s, 6);
  const day = d(s, 8) * 10 + d(s, 9);
  const secs = (d(s, 11) * 10 + d(s, 12)) * 3600 + (d(s, 14) * 10 + d(s, 15)) * 60 + d(s, 17) * 10 + d(s, 18);
  // days from 1970-01-01 (civil calendar, H. Hinnant's days_from_civil)
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  let frac = 0;
  if (s.charCodeAt(19) === 46) {
    let scale = 100;
    for (let i = 20; i < s.length - 1 && scale >= 0.001; i++, scale /= 10) frac += d(s, i) * scale;
  }
  return (days * 86400 + secs) * 1000 + frac;
}

/** timeValue's number back as RFC 3339 text (microsecond precision, nanosecond digits). */
export function timeText(v: number): string {
  const ms = Math.floor(v);
  const micro = Math.round((v - ms) * 1000);
  return `${new Date(ms).toISOString().slice(0, 23)}${String(micro).padStart(3, '0')}000Z`;
}

function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Analyse a stream of lines (e.g. readline over a file or stdin).
 * @param onProgress called every `progressEvery` lines (default 100,000) with the line count so far.
 */
export async function analyzeHubble(
  lines: AsyncIterable<string | readonly string[]>,
  index: IndexedModel,
  opts: HubbleOptions & { onProgress?: (lines: number) => void; progressEvery?: number } = {},
): Promise<HubbleResult> {
  const a = new HubbleAnalyzer(index, opts);
  const every = opts.progressEvery ?? 100_000;
  let n = 0;
  for await (const item of lines) {
    if (typeof item === 'string') {
      n++;
      a.addLine(item, n);
      if (opts.onProgress && n % every === 0) opts.onProgress(n);
      continue;
    }
    for (let i = 0; i < item.length; i++) {
      n++;
      a.addLine(item[i]!, n);
      if (opts.onProgress && n % every === 0) opts.onProgress(n);
    }
  }
  return a.result();
}

/** Lines longer than this are not held: they are reported as malformed and skipped to the next newline. */
export const MAX_LINE_CHARS = 16 << 20;

/** Read chunk for a file given to readLines (small chunks keep the young generation, and so the RSS, small). */
export const READ_CHUNK_BYTES = 64 << 10;

/**
 * The lines of a stream of text (or byte) chunks, in batches (one batch per chunk: an `await` per line would cost
 * more than parsing it). Constant memory: a chunk and at most one partial line are held. A trailing `\r` is removed
 * (CRLF files); a line longer than MAX_LINE_CHARS comes out as a placeholder that is reported as malformed. Byte
 * chunks are decoded as UTF-8 across chunk boundaries; a text stream (`encoding: 'utf8'`, decoded natively by the
 * stream) is the fastest input.
 */
export async function* readLines(stream: AsyncIterable<string | Uint8Array>): AsyncGenerator<string[]> {
  // the standard decoder (not node:string_decoder: analysis/ imports no node:*); ignoreBOM keeps a BOM, as before
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let rest = '';
  let overlong = false;
  for await (const chunk of stream) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const s = rest.length > 0 ? rest + text : text;
    const batch: string[] = [];
    let i = 0;
    let j: number;
    while ((j = s.indexOf('\n', i)) >= 0) {
      if (overlong) {
        batch.push(OVERLONG);
        overlong = false;
      } else batch.push(s.charCodeAt(j - 1) === 13 && j > i ? s.slice(i, j - 1) : s.slice(i, j));
      i = j + 1;
    }
    rest = s.slice(i);
    if (rest.length > MAX_LINE_CHARS) {
      overlong = true;
      rest = '';
    }
    if (batch.length > 0) yield batch;
  }
  rest += decoder.decode();
  if (overlong) yield [OVERLONG];
  else if (rest.length > 0) yield [rest.charCodeAt(rest.length - 1) === 13 ? rest.slice(0, -1) : rest];
}
