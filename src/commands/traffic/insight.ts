/**
 * `traffic inspect` with issue 5's flags: `--hubble FILE|-` (evaluate a real cluster's flow log instead of running
 * simulated flows), `--compare` (five encryption options side by side), `--view matrix`, `--report FILE.html`,
 * `--export-hubble FILE` and `-o hubble`. Loaded only when one of them is given.
 *
 * Output: with --hubble the result is `{hubble: {file, stats, malformed}, flows, summary, comparison?}`; without it,
 * the fabric's report plus `comparison` when --compare is on. Views that are text (--view matrix, the comparison
 * as a table, -o hubble's compact lines) are printed here.
 */
import { plural } from '../../plural.js';
import * as path from 'node:path';
import type { CommandContext } from '../command.js';
import { PRINTED } from '../command.js';
import { publishedKey } from '../../cilium/agents.js';
import { loadCilium } from '../../repo/cilium-doc.js';
import { clusterNow } from '../../cluster/clock.js';
import type { ClusterDoc } from '../../cluster/doc.js';
import { loadCluster, openStore } from '../../repo/cluster.js';
import { loadWorkloads } from '../../repo/workloads.js';
import type { Workloads } from '../../cluster/workloads.js';
import { ArgumentParseError, CommandError, ValidationError } from '../../errors.js';
import { parsePacket, protocolName } from '../../fabric/packets.js';
import { wireGuardMessageType } from '../../fabric/fabric.js';
import type { FlowReport, InspectReport } from '../../fabric/types.js';
import { formatIPv4 } from '../../net/ip.js';
import {
  configuredScenario,
  CoverageAccumulator,
  flowNamespace,
  nodeFacts,
  optionNotes,
  renderComparison,
  SCENARIO_BIT,
  withNotes,
  wouldEncrypt,
  type Scenario,
  type ScenarioCoverage,
} from '../../analysis/coverage.js';
import { wireguardConfigured } from '../../aks/model.js';
import { PATH_CLASSES, type PathClass } from '../../cluster/path.js';
import { modelFromCluster } from '../../analysis/from-cluster.js';
import { analyzeHubble, READ_CHUNK_BYTES, readLines, RESERVED_IDENTITY, type HubbleResult, type ObservedFlow } from '../../analysis/hubble.js';
import { compactLine, deliveryEvent, endpointJson, hubbleTime, packetEvents, type HubbleEndpointJson, type HubbleLine } from '../../analysis/hubble-export.js';
import type { NodeKeyFacts } from '../../cluster/imported.js';
import { loadImported } from '../../repo/imported.js';
import { renderMatrix, type MatrixFlow } from '../../analysis/matrix.js';
import { indexModel, type Endpoint, type IndexedModel } from '../../analysis/model.js';
import { renderReport, type ReportInput } from '../../analysis/report-html.js';
import type { InspectOptions } from './options.js';
import { printedSummaries } from './insight-flags.js';

type FabricInspect = (ctx: CommandContext, o: InspectOptions & { onPacket?: (t: number, packet: Uint8Array, node: string) => void }) => Promise<InspectReport>;

interface Loaded {
  doc: ClusterDoc;
  workloads: Workloads;
  index: IndexedModel;
  /** What each --compare option needs the cluster to change first. */
  notes: Partial<Record<Scenario, string>>;
}

/** The cluster as the classifiers see it, with each node's WireGuard state from its Cilium agent now. */
function loadModel(ctx: CommandContext, o: InspectOptions): Loaded {
  const store = openStore(ctx.env);
  const doc = loadCluster(store, o.resourceGroup, o.name);
  const workloads = loadWorkloads(store, doc);
  const cilium = loadCilium(store, o.resourceGroup, o.name);
  const imported = loadImported(store, o.resourceGroup, o.name);
  const now = clusterNow(doc);
  const keys: Record<string, NodeKeyFacts> = {};
  for (const n of doc.nodes) {
    keys[n.name] = { publicKey: publishedKey(doc, cilium, n.name, now), optedOut: imported?.nodes[n.name]?.optedOut ?? false };
  }
  const model = modelFromCluster(doc, workloads, keys);
  if (imported) {
    // pod CIDRs beyond a node's first (from CiliumNodes) still belong to that node
    model.nodes.forEach((n) => (n.podCidrs as string[]).push(...(imported.nodes[n.name]?.extraPodCidrs ?? [])));
  }
  const mc = doc.managedCluster;
  const notes = optionNotes({
    resourceGroup: mc.resourceGroup,
    name: mc.name,
    networkPlugin: mc.networkProfile.networkPlugin,
    networkDataplane: mc.networkProfile.networkDataplane,
    wireguard: wireguardConfigured(mc),
  });
  return { doc, workloads, index: indexModel(model), notes };
}

function summaryOf(flows: Iterable<{ path: PathClass; encrypted: boolean }>): InspectReport['summary'] {
  const byPath = Object.fromEntries(PATH_CLASSES.map((p) => [p, 0])) as Record<PathClass, number>;
  let total = 0;
  let encrypted = 0;
  let unencryptedInterNodePod = 0;
  for (const f of flows) {
    total++;
    byPath[f.path]++;
    if (f.encrypted) encrypted++;
    else if (f.path === 'inter-node') unencryptedInterNodePod++;
  }
  return { total, encrypted, byPath, unencryptedInterNodePod, dropped: 0, strictModeDrops: 0 };
}

/** An output file: its directory must exist. @throws ValidationError */
function outputFile(ctx: CommandContext, flag: string, value: string): string {
  if (value === '') throw new ValidationError(`${flag}: empty file name`);
  const file = path.resolve(ctx.env.cwd, value);
  try {
    if (!ctx.env.fs.statSync(path.dirname(file)).isDirectory()) throw new Error();
  } catch {
    throw new ValidationError(`${flag} ${value}: directory ${path.dirname(file)} does not exist`);
  }
  return file;
}

/** A write-only file written in large chunks (constant memory). */
class LineFile {
  private fd: number;
  private buf: string[] = [];
  private size = 0;
  constructor(
    private readonly ctx: CommandContext,
    private readonly flag: string,
    readonly file: string,
  ) {
    try {
      this.fd = ctx.env.fs.openSync(file, 'w', 0o644);
    } catch (e) {
      throw new ValidationError(`${flag} ${file}: ${(e as Error).message}`);
    }
  }
  line(text: string): void {
    this.buf.push(text, '\n');
    this.size += text.length + 1;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.buf.length === 0) return;
    const bytes = Buffer.from(this.buf.join(''), 'utf8');
    this.buf = [];
    this.size = 0;
    try {
      for (let off = 0; off < bytes.length; ) off += this.ctx.env.fs.writeSync(this.fd, bytes, off, bytes.length - off);
    } catch (e) {
      throw new CommandError(`${this.flag} ${this.file}: ${(e as Error).message}`);
    }
  }
  close(): void {
    this.flush();
    this.ctx.env.fs.closeSync(this.fd);
  }
}

export async function runInsight(ctx: CommandContext, o: InspectOptions, fabricInspect: FabricInspect): Promise<unknown> {
  const a = ctx.args;
  const hubbleFile = a['hubble'] as string | undefined;
  const compare = a['compare'] === true;
  const view = a['view'] as string | undefined;
  const output = (a['output'] as string | undefined) ?? 'table';
  const reportFile = a['report'] === undefined ? undefined : outputFile(ctx, '--report', a['report'] as string);
  const exportFile = a['exportHubble'] === undefined ? undefined : outputFile(ctx, '--export-hubble', a['exportHubble'] as string);
  if (hubbleFile !== undefined) {
    const other = [o.from !== undefined ? '--from/--to' : '', o.allPairs ? '--all-pairs' : '', o.flowsFile !== undefined ? '--flows' : '', o.durationMs !== undefined ? '--duration' : '', o.capture !== undefined ? '--capture' : '', o.keylog !== undefined ? '--keylog' : '', exportFile !== undefined ? '--export-hubble' : ''].filter(Boolean);
    if (other.length > 0) throw new ArgumentParseError(`--hubble evaluates a recorded flow log; it cannot be used with ${other.join(', ')}, which run simulated flows`);
  }
  const loaded = loadModel(ctx, o);
  const result = hubbleFile !== undefined ? await hubbleMode(ctx, loaded, hubbleFile, compare) : await fabricMode(ctx, o, loaded, fabricInspect, compare, exportFile);

  if (reportFile !== undefined) {
    const input = reportInput(loaded, result, hubbleFile);
    ctx.env.fs.writeFileSync(reportFile, renderReport(input), { mode: 0o644 });
    ctx.ui.info(`Wrote ${reportFile}`);
  }
  printedSummaries.set(ctx.args, result.summary);

  // Text views.
  const texts: string[] = [];
  if (view === 'matrix') texts.push(matrixText(ctx, loaded, result));
  if (output === 'hubble') {
    const lines = result.hubbleLines();
    texts.push(lines.map((l) => compactLine(l)).join('\n') + (lines.length ? '\n' : ''));
  }
  if (compare && (output === 'table' || view !== undefined || output === 'hubble')) {
    for (const [title, cov] of result.comparisons) texts.push(renderComparison(title, cov));
  }
  const json = result.json;
  if (texts.length > 0 || output === 'hubble') {
    ctx.env.stdout.write(texts.join('\n'));
    return PRINTED;
  }
  return json;
}

interface ModeResult {
  json: Record<string, unknown>;
  summary: InspectReport['summary'];
  comparisons: [string, ScenarioCoverage[]][];
  /** Pod-to-pod flows for the matrix (computed only for --view matrix). */
  matrix: () => MatrixFlow[];
  hubbleLines: () => HubbleLine[];
  /** Flows for the HTML report. */
  reportFlows: () => ReportInput['flows'];
}

async function hubbleMode(ctx: CommandContext, loaded: Loaded, file: string, compare: boolean): Promise<ModeResult> {
  const { env, ui } = ctx;
  let stream: AsyncIterable<string | Uint8Array>;
  let shown = file;
  if (file === '-') {
    stream = env.stdin;
    shown = '<stdin>';
  } else {
    const abs = path.resolve(env.cwd, file);
    try {
      if (env.fs.statSync(abs).isDirectory()) throw new ValidationError(`--hubble ${file}: is a directory`);
    } catch (e) {
      if (e instanceof ValidationError) throw e;
      throw new ValidationError(`--hubble ${file}: no such file`);
    }
    stream = env.fs.createReadStream(abs, { encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<string>;
  }
  const r: HubbleResult = await ui.spin(`Reading ${shown} ..`, async (s) => {
    const onProgress = (n: number) => s.text(`Reading ${shown}: ${n.toLocaleString('en-US')} lines ..`);
    return analyzeHubble(readLines(stream), loaded.index, { onProgress });
  });
  for (const m of r.malformed) ui.warn(`${shown}:${m.line}: ${m.message}; line skipped`);
  if (r.stats.malformed > r.malformed.length) ui.warn(`${shown}: ${r.stats.malformed} malformed lines skipped in all (the first ${r.malformed.length} are listed)`);
  if (r.stats.unknownAddresses > 0) {
    ui.warn(`${r.stats.unknownAddresses} flow${r.stats.unknownAddresses === 1 ? ' has' : 's have'} an address outside every CIDR of the cluster (and Hubble did not mark it as world): classified as external`);
  }
  if (r.stats.unresolvedServices > 0) ui.warn(`${plural(r.stats.unresolvedServices, 'flow')} went to a ClusterIP service without a backend in the model: classified as external`);
  if (r.stats.overflowObservations > 0) ui.warn(`more than ${r.flows.length} distinct flows: the rest are counted in the summary and comparison but not listed`);
  if (r.stats.flowLines === 0 && r.stats.tunnelPackets === 0) {
    const why = r.stats.malformed > 0 ? `all ${r.stats.malformed} non-empty lines were malformed` : r.stats.lines === 0 ? 'it is empty' : 'it has no flow lines';
    throw new CommandError(`--hubble ${shown}: no flow could be read (${why}); expected the output of \`hubble observe -o json\``);
  }
  ui.info(
    `${shown}: ${plural(r.stats.lines, 'line')}, ${plural(r.stats.flowLines, 'flow record')} (${plural(r.stats.replies, 'reply', 'replies')} folded), ` +
      `${plural(r.stats.distinctFlows, 'distinct flow')}; skipped ${r.stats.nodeStatus} node_status, ${r.stats.lostEvents} lost_events, ${r.stats.malformed} malformed; ` +
      `${plural(r.stats.tunnelPackets, 'outer WireGuard packet')} seen`,
  );
  // -o none without --query prints nothing: do not build a million flow objects for it
  const quiet = ctx.args['output'] === 'none' && ctx.args['query'] === undefined;
  const flows = quiet ? [] : r.flows.map(observedJson);
  const summary = summaryOf(r.flows);
  // The listed flows may be fewer than all (maxFlows): the coverage totals count all of them.
  const configured = r.coverage.find((c) => c.scenario === r.configured)!;
  summary.total = configured.total;
  summary.encrypted = configured.encrypted;
  for (const p of PATH_CLASSES) summary.byPath[p] = configured.byPath[p].total;
  summary.unencryptedInterNodePod = configured.byPath['inter-node'].total - configured.byPath['inter-node'].encrypted;
  // dropped flows are in the totals, never among the encrypted: say how many there were, strict mode's apart
  summary.dropped = r.grading.dropped;
  summary.strictModeDrops = r.grading.strictModeDrops;
  const json: Record<string, unknown> = {
    hubble: { file: shown, stats: r.stats, malformed: r.malformed, configured: r.configured },
    flows,
    summary,
  };
  const coverage = withNotes(r.coverage, loaded.notes);
  if (compare) json['comparison'] = coverage;
  if (quiet) delete json['flows'];
  return {
    json,
    summary,
    comparisons: [[`Hubble flows (${shown}): distinct flows encrypted on the wire, by option`, coverage]],
    matrix: () =>
      r.flows
        .filter((f) => f.source.kind === 'pod' && f.destination.kind === 'pod' && f.source.node && f.destination.node)
        .map((f) => ({ sourceNode: f.source.node!, destinationNode: f.destination.node!, encrypted: f.encrypted })),
    hubbleLines: () => r.flows.map((f) => observedLine(loaded.index, f)),
    reportFlows: () =>
      r.flows.map((f) => ({ source: f.source, destination: f.destination, path: f.path, encrypted: f.encrypted, count: f.requests + f.replies, label: `${f.protocol} ${f.destinationPort || ''}`.trim() })),
  };
}

function observedJson(f: ObservedFlow): Record<string, unknown> {
  const ep = (e: ObservedFlow['source']) => ({ kind: e.kind, name: e.name, namespace: e.namespace, node: e.node, ip: e.ip, hostNetwork: e.hostNetwork, identity: e.identity });
  return {
    source: ep(f.source),
    destination: ep(f.destination),
    service: f.service,
    protocol: f.protocol,
    sourcePort: f.sourcePort,
    destinationPort: f.destinationPort,
    direction: f.direction,
    path: f.path,
    encrypted: f.encrypted,
    reason: f.reason,
    wouldEncrypt: Object.fromEntries(Object.entries(SCENARIO_BIT).map(([s, bit]) => [s, (f.scenarios & bit) !== 0])),
    requests: f.requests,
    replies: f.replies,
    verdicts: f.verdicts,
    dropReasons: f.dropReasons,
    observationPoints: f.observationPoints,
    nodes: f.nodes,
    firstTime: f.firstTime,
    lastTime: f.lastTime,
  };
}

/** The identity the log gave, where it gave one (the model's own guess otherwise). */
/** Hubble's endpoint for an observed end: what the log said (name, identity) first, the model's view otherwise. */
function observedEndpoint(index: IndexedModel, e: ObservedFlow['source'], observer: string): HubbleEndpointJson {
  if (e.name && e.namespace) {
    const model = endpointJson(index, e.ip, observer);
    return { identity: e.identity ?? model.identity, namespace: e.namespace, labels: model.pod_name === e.name ? model.labels : [], pod_name: e.name };
  }
  const reserved = Object.entries(RESERVED_IDENTITY).find(([, id]) => id === e.identity)?.[0];
  if (reserved) return { identity: e.identity!, labels: [`reserved:${reserved}`] };
  const model = endpointJson(index, e.ip, observer);
  return e.identity === null ? model : { ...model, identity: e.identity, labels: model.labels.filter((l) => !l.startsWith('reserved:')) };
}

/** An observed flow back as a Hubble line (for -o hubble): its request direction, first seen. */
function observedLine(index: IndexedModel, f: ObservedFlow): HubbleLine {
  const node = f.nodes[0] ?? f.source.node ?? '';
  const time = f.firstTime ?? hubbleTime(0);
  const l4 =
    f.protocol === 'TCP' || f.protocol === 'UDP' || f.protocol === 'SCTP'
      ? { [f.protocol]: { source_port: f.sourcePort, destination_port: f.destinationPort } }
      : f.protocol === 'ICMPv4' || f.protocol === 'ICMPv6'
        ? { [f.protocol]: {} }
        : undefined;
  const dropped = (f.verdicts['DROPPED'] ?? 0) > 0 && Object.keys(f.verdicts).length === 1;
  const drop = Object.keys(f.dropReasons)[0];
  return {
    flow: {
      time,
      verdict: dropped ? 'DROPPED' : 'FORWARDED',
      ...(dropped && drop ? { drop_reason_desc: drop } : {}),
      IP: { source: f.source.ip, destination: f.destination.ip, ipVersion: 'IPv4' },
      ...(l4 ? { l4 } : {}),
      source: observedEndpoint(index, f.source, node),
      destination: observedEndpoint(index, f.destination, node),
      Type: 'L3_L4',
      node_name: node,
      event_type: { type: dropped ? 1 : 4 },
      traffic_direction: f.direction === 'INGRESS' ? 'INGRESS' : 'EGRESS',
      trace_observation_point: f.observationPoints[0] ?? 'TO_STACK',
      is_reply: false,
      Summary: `${f.protocol}${f.requests + f.replies > 1 ? ` (${f.requests + f.replies} records)` : ''}`,
    },
    node_name: node,
    time,
  };
}

async function fabricMode(ctx: CommandContext, o: InspectOptions, loaded: Loaded, fabricInspect: FabricInspect, compare: boolean, exportFile: string | undefined): Promise<ModeResult> {
  const wantLines = (ctx.args['output'] as string | undefined) === 'hubble';
  const exporter = exportFile !== undefined ? new LineFile(ctx, '--export-hubble', exportFile) : undefined;
  const lines: HubbleLine[] = [];
  let lastMs = clusterNow(loaded.doc);
  let events = 0;
  const emit = (l: HubbleLine): void => {
    events++;
    exporter?.line(JSON.stringify(l));
    if (wantLines) lines.push(l);
  };
  const onPacket =
    exporter || wantLines
      ? (t: number, packet: Uint8Array, node: string): void => {
          lastMs = t;
          const p = parsePacket(packet);
          if (!p) return;
          const payload = p.protocol === 17 ? p.payload : null;
          const wire = {
            src: formatIPv4(p.src),
            dst: formatIPv4(p.dst),
            protocol: protocolName(p.protocol),
            srcPort: p.srcPort,
            dstPort: p.dstPort,
            flags: p.flags,
            wireguard: payload !== null && wireGuardMessageType(payload) !== 0,
          };
          for (const l of packetEvents(loaded.index, t, wire, node)) emit(l);
        }
      : undefined;
  let report: InspectReport;
  try {
    report = await fabricInspect(ctx, { ...o, keep: true, onPacket });
    for (const f of report.flows) emit(deliveryEvent(loaded.index, lastMs, f));
  } finally {
    exporter?.close();
  }
  if (exporter) ctx.ui.info(`Wrote ${events} Hubble flow${events === 1 ? '' : 's'} to ${exporter.file}`);
  const facts = nodeFacts(loaded.index);
  const acc = new CoverageAccumulator();
  for (const f of report.flows) {
    const src = asEndpoint(f.source);
    const dst = asEndpoint(f.destination);
    acc.add(f.path, flowNamespace(src, dst), wouldEncrypt(src, dst, facts));
  }
  const coverage = withNotes(acc.result(), loaded.notes);
  const json: Record<string, unknown> = { flows: report.flows, summary: report.summary };
  if (compare) json['comparison'] = coverage;
  return {
    json,
    summary: report.summary,
    comparisons: [['Simulated flows: encrypted on the wire, by option', coverage]],
    matrix: () =>
      report.flows
        .filter((f) => f.source.kind === 'pod' && !f.source.hostNetwork && f.destination.kind === 'pod' && !f.destination.hostNetwork && f.source.node && f.destination.node)
        .map((f) => ({ sourceNode: f.source.node!, destinationNode: f.destination.node!, encrypted: f.encrypted })),
    hubbleLines: () => lines,
    reportFlows: () => report.flows.map((f) => ({ source: asEndpoint(f.source), destination: asEndpoint(f.destination), path: f.path, encrypted: f.encrypted, count: 1, label: `${f.protocol}${f.port ? ` ${f.port}` : ''}` })),
  };
}

/** The fabric's endpoints call a hostNetwork pod a pod; the classifiers call it a node (it is the host). */
function asEndpoint(e: FlowReport['source']): Endpoint {
  return { kind: e.kind === 'pod' && e.hostNetwork ? 'node' : e.kind, ip: e.ip, node: e.node, namespace: e.namespace, name: e.name, hostNetwork: e.hostNetwork };
}

function matrixText(ctx: CommandContext, loaded: Loaded, r: ModeResult): string {
  const width = Math.max(40, Math.min(ctx.env.stdout.columns ?? 80, 80));
  return renderMatrix(
    loaded.doc.nodes.map((n) => ({ name: n.name, pool: n.pool })),
    r.matrix(),
    { chalk: ctx.ui.chalk, width },
  );
}

function reportInput(loaded: Loaded, r: ModeResult, hubbleFile: string | undefined): ReportInput {
  const mc = loaded.doc.managedCluster;
  return {
    title: `${mc.resourceGroup}/${mc.name}`,
    source: hubbleFile !== undefined ? `Hubble flows from ${hubbleFile === '-' ? 'stdin' : hubbleFile}` : 'simulated flows (aks-wg traffic inspect)',
    configured: configuredScenario(loaded.index.model),
    nodes: loaded.doc.nodes.map((n) => ({ name: n.name, pool: n.pool, ip: n.ip, vmSize: n.vmSize, podCidr: n.podCidr })),
    pods: loaded.workloads.pods.filter((p) => p.node !== null).map((p) => ({ name: p.name, namespace: p.namespace, node: p.node!, ip: p.ip ?? '', hostNetwork: p.hostNetwork })),
    flows: r.reportFlows(),
    summary: r.summary,
    comparison: r.json['comparison'] as ScenarioCoverage[] | undefined,
  };
}
