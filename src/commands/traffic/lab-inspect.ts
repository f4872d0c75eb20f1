/**
 * `traffic inspect --dataplane lab` and `--cross-check`: the same flows (the same selectors, the same resolver) sent
 * as real packets through the cluster's running lab (lab/inspect.ts), and, for the cross-check, through the simulated
 * fabric too, side by side. This module is light at load time: inspect.ts imports it for the flags and the table.
 */
import type { CommandContext, FlagSpec } from '../command.js';
import { ArgumentParseError } from '../../errors.js';
import type { FlowReport, InspectReport, ReportSummary } from '../../fabric/types.js';
import { endpointText } from '../../fabric/report.js';
import type { InspectOptions } from './options.js';

export const LAB_FLAGS: readonly FlagSpec[] = [
  {
    long: 'dataplane',
    kind: 'enum',
    choices: ['simulated', 'lab'],
    help: "Where the flows run: the simulated fabric (default), or the cluster's lab on real Linux networking (`aks-wg lab up`; needs root), verdicts read from the capture.",
  },
  { long: 'cross-check', kind: 'switch', help: 'Run the flows on both dataplanes, print both verdicts per flow and `agree N/N`; exit 1 on any disagreement (needs a lab).' },
];

export function labRequested(args: CommandContext['args']): boolean {
  return args['dataplane'] === 'lab' || args['crossCheck'] === true;
}

/** Flags that only the simulated dataplane has. @throws ArgumentParseError */
export function checkLabFlags(args: CommandContext['args'], insight: boolean): void {
  const which = args['crossCheck'] === true ? '--cross-check' : '--dataplane lab';
  const bad = [
    args['keylog'] !== undefined ? '--keylog' : '',
    args['duration'] !== undefined ? '--duration' : '',
    insight ? '--hubble/--compare/--view/--report/--export-hubble' : '',
    args['output'] === 'hubble' ? '-o hubble' : '',
  ].filter(Boolean);
  if (bad.length) throw new ArgumentParseError(`${bad.join(', ')} cannot be used with ${which} (the lab has no WireGuard key log and runs in real time)`);
}

export interface LabReport extends InspectReport {
  dataplane: 'lab';
}

export interface CrossCheckRow {
  source: FlowReport['source'];
  destination: FlowReport['destination'];
  service: string | null;
  protocol: FlowReport['protocol'];
  port: number | null;
  path: FlowReport['path'];
  simulated: Verdicts;
  lab: Verdicts & { reason: string };
  agree: boolean;
}
interface Verdicts {
  encrypted: boolean;
  verdict: FlowReport['verdict'];
  interface: FlowReport['interface'];
  dropReason: string | null;
}

export interface CrossCheckReport {
  dataplane: 'cross-check';
  flows: CrossCheckRow[];
  summary: { total: number; agree: number; disagree: number; simulated: ReportSummary; lab: ReportSummary };
}

export function isCrossCheck(r: unknown): r is CrossCheckReport {
  return typeof r === 'object' && r !== null && (r as { dataplane?: unknown }).dataplane === 'cross-check';
}

const verdictWord = (v: Verdicts) => `${v.verdict === 'DROPPED' ? 'dropped' : v.encrypted ? 'encrypted' : 'plaintext'} (${v.interface})`;

export function crossCheckTable(r: CrossCheckReport): unknown {
  return r.flows.map((f) => ({
    Source: endpointText(f.source),
    Destination: `${endpointText(f.destination)}${f.service ? ` (svc ${f.service})` : ''}`,
    Protocol: f.protocol,
    Port: f.port ?? '',
    Path: f.path,
    Simulated: verdictWord(f.simulated),
    Lab: verdictWord(f.lab) + (f.lab.reason.startsWith('not sent') ? ' (not sent)' : ''),
    Agree: f.agree ? 'yes' : 'NO',
  }));
}

/** Exit code of a cross-check (1 on any disagreement), with the `agree N/N` line on stderr. */
export function crossCheckExit(r: CrossCheckReport, ctx: Pick<CommandContext, 'env'>): number {
  const s = r.summary;
  ctx.env.stderr.write(`agree ${s.agree}/${s.total}\n`);
  if (s.disagree > 0) {
    ctx.env.stderr.write(`ERROR: the simulated and the lab dataplane disagree on ${s.disagree} flow${s.disagree === 1 ? '' : 's'} (--cross-check)\n`);
    return 1;
  }
  return 0;
}

/** Run the flows in the lab (and, for a cross-check, in the simulated fabric). */
export async function runLabInspect(ctx: CommandContext, o: InspectOptions): Promise<LabReport | CrossCheckReport> {
  const { checkPrerequisites, withLabLock } = await import('../lab/shared.js');
  checkPrerequisites();
  return withLabLock(ctx.env, () => runLocked(ctx, o));
}

async function runLocked(ctx: CommandContext, o: InspectOptions): Promise<LabReport | CrossCheckReport> {
  const { labModel, labFiles } = await import('../lab/shared.js');
  const { labUp, requireLab } = await import('../lab/lab.js');
  const { runLabFlows } = await import('../../lab/inspect.js');
  const { chooseFlows, topologyOf, inspect } = await import('./run-inspect.js');
  const { Resolver } = await import('../../fabric/select.js');
  const { nodeShell, labAgentPath, nodeBinary } = await import('../../platform/lab-shell.js');
  const model = labModel(ctx.env, o.resourceGroup, o.name);
  let { record } = requireLab(ctx, model.plan.resourceGroup, model.plan.name);
  if (record.fingerprint !== model.fingerprint) {
    // the model changed since `lab up` (nodes, pods, keys, WireGuard on/off, rollout): the lab follows it
    ctx.ui.info(`The cluster changed since its lab was built: reconfiguring the lab of ${model.plan.name}`);
    record = await labUp(ctx, model.plan.resourceGroup, model.plan.name);
  }
  const resolver = new Resolver(topologyOf(model.doc, model.workloads, model.cilium));
  const flows = [...(await chooseFlows(ctx, o, resolver))()];
  const lab = await ctx.ui.spin(`Sending ${flows.length} flows through the lab ..`, () =>
    runLabFlows(record, flows, { sh: nodeShell, files: labFiles(ctx.env, record.plan), node: nodeBinary(), agent: labAgentPath(), captureFile: o.capture }),
  );
  if (ctx.args['crossCheck'] !== true) return { dataplane: 'lab', flows: lab.flows, summary: lab.summary };
  const sim = await inspect(ctx, { ...o, capture: undefined, keep: true });
  const rows: CrossCheckRow[] = lab.flows.map((l, i) => {
    const s = sim.flows[i]!;
    const simulated: Verdicts = { encrypted: s.encrypted, verdict: s.verdict, interface: s.interface, dropReason: s.dropReason };
    const same = s.source.ip === l.source.ip && s.destination.ip === l.destination.ip && s.protocol === l.protocol && s.port === l.port;
    return {
      source: l.source,
      destination: l.destination,
      service: l.service,
      protocol: l.protocol,
      port: l.port,
      path: l.path,
      simulated,
      lab: { encrypted: l.encrypted, verdict: l.verdict, interface: l.interface, dropReason: l.dropReason, reason: l.reason },
      agree: same && s.path === l.path && s.encrypted === l.encrypted && s.verdict === l.verdict && s.interface === l.interface,
    };
  });
  const agree = rows.filter((r) => r.agree).length;
  return { dataplane: 'cross-check', flows: rows, summary: { total: rows.length, agree, disagree: rows.length - agree, simulated: sim.summary, lab: lab.summary } };
}
