/**
 * Running a set of flows through a fabric, once or repeatedly in simulated time (`--duration`, `--interval`), and
 * collecting the report. Flows come from a factory so a million of them can be generated, run and counted without
 * being held; only a kept report (json/yaml/table output) materialises per-flow objects.
 */
import type { Fabric } from './datapath.js';
import { FlowOutcome } from './wire-record.js';
import { countFlow, emptySummary, flowReport, type ReasonContext } from './report.js';
import type { FabricSetup, Flow, FlowReport, InspectReport } from './types.js';

export interface RunPlan {
  /** The flows of one round (called once per round). */
  readonly flows: () => Iterable<Flow>;
  /** Keep every flow's report (false: summary only). */
  readonly keep: boolean;
  /** Keep flows running for this long (simulated ms), one round every `intervalMs`; undefined: one round now. */
  readonly durationMs?: number;
  readonly intervalMs?: number;
  /** The configuration at a later instant, when it can change during the run (a rolling restart); else undefined. */
  readonly setupAt?: (atMs: number) => FabricSetup;
  /** Called after each flow (e.g. a progress counter). */
  readonly onFlow?: (flow: Flow, out: FlowOutcome) => void;
}

export interface RunResult extends InspectReport {
  /** Simulated time at the end of the run. */
  readonly endMs: number;
  readonly rounds: number;
}

/** Run the plan from the fabric clock's current time. */
export function runFlows(fabric: Fabric, plan: RunPlan, reasons: (atMs: number) => ReasonContext): RunResult {
  const start = fabric.clock.now();
  const summary = emptySummary();
  const flows: FlowReport[] = [];
  const out = new FlowOutcome();
  const interval = plan.intervalMs ?? 1000;
  const end = plan.durationMs === undefined ? start : start + plan.durationMs;
  let rounds = 0;
  for (let t = start; rounds === 0 || t < end; t += interval) {
    fabric.advanceTo(t);
    if (plan.setupAt && rounds > 0) fabric.configure(plan.setupAt(t));
    const ctx = plan.keep ? reasons(t) : undefined;
    for (const flow of plan.flows()) {
      fabric.run(flow, out);
      countFlow(summary, out);
      if (ctx) flows.push(flowReport(flow, out, ctx));
      plan.onFlow?.(flow, out);
    }
    rounds++;
    if (plan.durationMs === undefined || interval <= 0) break;
  }
  if (end > fabric.clock.now()) fabric.advanceTo(end);
  return { flows, summary, endMs: fabric.clock.now(), rounds };
}
