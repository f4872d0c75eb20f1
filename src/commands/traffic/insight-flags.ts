/**
 * The flags `traffic inspect` takes for issue 5's views (Hubble input, the what-if comparison, the matrix, the HTML
 * report, Hubble export), and the light helpers inspect.ts needs at start-up: whether any of them was given, the
 * table of a Hubble result, and where a self-printed result leaves its summary for --fail-on-unencrypted. The work is
 * in insight.ts, imported only when one of these flags is used.
 */
import type { CommandContext, FlagSpec } from '../command.js';

export const INSIGHT_FLAGS: readonly FlagSpec[] = [
  {
    long: 'hubble',
    kind: 'string',
    help: 'Evaluate the flows of a `hubble observe -o json` log (FILE, or - for stdin) against this cluster instead of running simulated flows.',
  },
  {
    long: 'compare',
    kind: 'switch',
    help: 'Compare coverage side by side: none, WireGuard as AKS ships it, WireGuard + node encryption, Azure VNet encryption, WireGuard + VNet.',
  },
  { long: 'view', kind: 'enum', choices: ['matrix'], help: 'Draw a node x node matrix of the share of pod-to-pod flows encrypted.' },
  { long: 'report', kind: 'string', help: 'Write a self-contained HTML page (topology, flows, summary, comparison) to this file.' },
  { long: 'export-hubble', kind: 'string', help: "Write the run's packets and flow deliveries as Hubble flows (hubble observe -o json lines) to this file." },
];

/** Was any of the insight flags (or `-o hubble`) given? */
export function insightRequested(args: CommandContext['args']): boolean {
  return (
    args['hubble'] !== undefined ||
    args['compare'] === true ||
    args['view'] !== undefined ||
    args['report'] !== undefined ||
    args['exportHubble'] !== undefined ||
    args['output'] === 'hubble'
  );
}

/** The summary of a result the insight code printed itself, for inspect's --fail-on-unencrypted exit code. */
export const printedSummaries = new WeakMap<object, { unencryptedInterNodePod: number }>();

/** A Hubble analysis result (`--hubble`), as opposed to the fabric's report. */
export function isHubbleResult(r: unknown): r is { hubble: unknown; flows: HubbleFlowRow[] } {
  return typeof r === 'object' && r !== null && 'hubble' in r;
}

interface HubbleFlowRow {
  source: { kind: string; name: string | null; namespace: string | null; ip: string };
  destination: { kind: string; name: string | null; namespace: string | null; ip: string };
  service: string | null;
  protocol: string;
  destinationPort: number;
  path: string;
  encrypted: boolean;
  direction: string;
  requests: number;
  replies: number;
  verdicts: Record<string, number>;
}

const text = (e: HubbleFlowRow['source']): string => (e.kind === 'pod' && e.name ? `${e.namespace}/${e.name}` : e.name && e.kind === 'node' && !e.namespace ? e.name : e.name && e.namespace ? `${e.namespace}/${e.name}` : e.ip);

/** `-o table` of a Hubble result: one row per distinct flow. */
export function hubbleTable(result: { flows: HubbleFlowRow[] }): unknown {
  return result.flows.map((f) => ({
    Source: text(f.source),
    Destination: `${text(f.destination)}${f.service ? ` (svc ${f.service})` : ''}`,
    Protocol: f.protocol,
    Port: f.destinationPort || '',
    Direction: f.direction.replace('TRAFFIC_DIRECTION_UNKNOWN', '?'),
    Path: f.path,
    Encrypted: f.encrypted ? 'yes' : 'no',
    Seen: f.requests + f.replies,
    Verdict: Object.keys(f.verdicts).join(','),
  }));
}
