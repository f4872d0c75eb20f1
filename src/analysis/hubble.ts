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
 *
 * This file folds lines into flows; the rest is by job: hubble-read.ts (lines, field readers, times),
 * hubble-endpoints.ts (where each address is; a new flow's path and options), hubble-flows.ts (the flow table),
 * hubble-grade.ts (encrypted or not, and why), hubble-types.ts (the shapes), hubble-export.ts (simulated runs as
 * Hubble flows).
 */
import { configuredScenario, CoverageAccumulator, flowNamespace, nodeFacts, SCENARIO_BIT } from './coverage.js';
import { FlowPlacer, type Raw } from './hubble-endpoints.js';
import { FlowTable } from './hubble-flows.js';
import { gradeFlow, type GradeContext } from './hubble-grade.js';
import { fresh, Interner, l4Of, MAX_LINE_CHARS, OVERLONG, str, timeText, timeValue } from './hubble-read.js';
import {
  WIREGUARD_PORT,
  type HubbleGrading,
  type HubbleOptions,
  type HubbleResult,
  type HubbleStats,
  type MalformedLine,
} from './hubble-types.js';
import type { IndexedModel } from './model.js';

export { MAX_LINE_CHARS, READ_CHUNK_BYTES, readLines, timeText, timeValue } from './hubble-read.js';
export { flowKey } from './hubble-flows.js';
export { observedReason } from './hubble-grade.js';
export * from './hubble-types.js';

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
  private readonly maxReported: number;
  private readonly maxFlows: number;
  private readonly configuredBit: number;
  /** Key → placement of flows past maxFlows (bounded by the same limit, then cleared). */
  private readonly overflow = new Map<string, number>();
  /** Few distinct values (directions, observation points, node names): one fresh copy each. */
  private readonly strings = new Interner();
  private readonly placer: FlowPlacer;
  private readonly grading: GradeContext;

  constructor(
    private readonly index: IndexedModel,
    opts: HubbleOptions = {},
  ) {
    const facts = nodeFacts(index);
    this.maxReported = opts.maxReported ?? 10;
    this.maxFlows = opts.maxFlows ?? 100_000;
    this.configuredBit = SCENARIO_BIT[configuredScenario(index.model)];
    this.placer = new FlowPlacer(index, facts, this.configuredBit, this.strings);
    this.grading = { configuredBit: this.configuredBit, wireguard: index.model.wireguard, facts };
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
      td === 'EGRESS' ? 'EGRESS' : td === 'INGRESS' ? 'INGRESS' : td === undefined ? 'TRAFFIC_DIRECTION_UNKNOWN' : this.strings.intern(str(td) ?? 'TRAFFIC_DIRECTION_UNKNOWN');
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
      entry = this.placer.place(raw, direction, srcEp, dstEp);
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
      entry.observationPoints.push(this.strings.intern(point));
    }
    const node = str(f['node_name']) ?? lineNode;
    if (node && entry.nodes[0] !== node && !entry.nodes.includes(node) && entry.nodes.length < 16) entry.nodes.push(this.strings.intern(node));
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

  result(): HubbleResult {
    const coverage = new CoverageAccumulator();
    coverage.absorb(this.overflowCoverage.data());
    const stats = { ...this.stats, distinctFlows: this.flows.size };
    const grading: HubbleGrading = { dropped: 0, strictModeDrops: 0 };
    for (const f of this.flows.values()) {
      if (f.lastTime === null && f.lastTimeValue > -Infinity) f.lastTime = timeText(f.lastTimeValue);
      const g = gradeFlow(f, this.grading);
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
