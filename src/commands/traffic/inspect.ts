/**
 * `aks-wg traffic inspect`: run flows through the simulated fabric and report, flow by flow, what crossed the wire
 * and whether it was encrypted. Cross-flag checks and file checks happen before anything runs; the run reads the
 * cluster, its workloads and the Cilium agents' configuration; the sessions and the clock are saved after it.
 */
import * as path from 'node:path';
import type { CommandContext, CommandSpec } from '../../cli/command.js';
import { ArgumentParseError, CommandError, ValidationError } from '../../errors.js';
import { parseDuration } from '../../cluster/duration.js';
import { CLUSTER_NAME, num, RESOURCE_GROUP, str } from '../common.js';
import type { L4Protocol } from '../../fabric/packets.js';
import type { InspectReport } from '../../fabric/types.js';
import { flowTable } from '../../fabric/report.js';
import { fabricThreads, ShardThreads } from '../../platform/fabric-workers.js';
import { hubbleTable, INSIGHT_FLAGS, insightRequested, isHubbleResult, printedSummaries } from './insight-flags.js';
import { checkLabFlags, crossCheckExit, crossCheckTable, isCrossCheck, LAB_FLAGS, labRequested } from './lab-inspect.js';

export const MAX_SAMPLE = 100_000_000;

/** Flows at which a summary-only `--all-pairs` run is split over threads. */
export const SHARD_MIN_FLOWS = 50_000;

/** $AKS_WG_THREADS set explicitly shards any eligible run; otherwise only big ones are worth the threads' start-up. */
export function shardMinFlows(vars: Readonly<Record<string, string | undefined>>): number {
  return vars['AKS_WG_THREADS'] !== undefined ? 1 : SHARD_MIN_FLOWS;
}

/**
 * What the options alone say about sharding: a big `--all-pairs` run that keeps no flows and writes no capture or
 * key log (each shard has its own wire). `pairCount`, once the cluster is read, bounds the flows per round.
 */
export function mayShard(o: InspectOptions, minFlows: number, pairCount = Infinity): boolean {
  const rounds = o.durationMs === undefined ? 1 : Math.ceil(o.durationMs / (o.intervalMs ?? 1000));
  return (
    o.allPairs &&
    !o.keep &&
    o.capture === undefined &&
    o.keylog === undefined &&
    o.onPacket === undefined &&
    Math.min(o.sample ?? Infinity, pairCount) * rounds >= minFlows
  );
}

/** The parsed, checked options of one inspect run (nothing has run yet). */
export interface InspectOptions {
  resourceGroup: string;
  name: string;
  from?: string;
  to?: string;
  port?: number;
  protocol?: L4Protocol;
  allPairs: boolean;
  sample?: number;
  flowsFile?: string;
  capture?: string;
  keylog?: string;
  failOnUnencrypted: boolean;
  durationMs?: number;
  intervalMs?: number;
  /** Keep per-flow objects (false when the output is none and there is no query). */
  keep: boolean;
  /** Every packet on any eth0 (for --export-hubble and -o hubble). */
  onPacket?: (timeMs: number, packet: Uint8Array, node: string) => void;
}

/**
 * argv → options: the cross-flag rules, durations, and the output paths' directories.
 * @throws ArgumentParseError (2) for flags that do not go together; ValidationError (1) for bad values and paths.
 */
export function inspectOptions(ctx: Pick<CommandContext, 'args' | 'env'>): InspectOptions {
  const a = ctx.args;
  const from = str(a['from']);
  const to = str(a['to']);
  const allPairs = a['allPairs'] === true;
  const flowsFile = str(a['flows']);
  const port = num(a['port']);
  const protocol = str(a['protocol']) as L4Protocol | undefined;
  const sample = num(a['sample']);
  if ((from === undefined) !== (to === undefined)) throw new ArgumentParseError(from === undefined ? '--to requires --from' : '--from requires --to');
  const modes = [from !== undefined ? '--from/--to' : '', allPairs ? '--all-pairs' : '', flowsFile !== undefined ? '--flows' : ''].filter(Boolean);
  if (modes.length > 1) throw new ArgumentParseError(`${modes.join(', ')} cannot be used together; choose one way to select flows`);
  if ((port !== undefined || protocol !== undefined) && from === undefined) throw new ArgumentParseError('--port and --protocol go with --from/--to');
  if (port !== undefined && (port < 1 || port > 65535)) throw new ValidationError(`--port must be from 1 to 65535, got ${port}`);
  if (port !== undefined && protocol === 'ICMP') throw new ArgumentParseError('--port cannot be used with --protocol ICMP');
  if (sample !== undefined && !allPairs) throw new ArgumentParseError('--sample goes with --all-pairs');
  if (sample !== undefined && (sample < 1 || sample > MAX_SAMPLE)) throw new ValidationError(`--sample must be from 1 to ${MAX_SAMPLE}, got ${sample}`);
  const durationText = str(a['duration']);
  const intervalText = str(a['interval']);
  if (intervalText !== undefined && durationText === undefined) throw new ArgumentParseError('--interval goes with --duration');
  const durationMs = durationText === undefined ? undefined : duration('--duration', durationText);
  const intervalMs = intervalText === undefined ? undefined : duration('--interval', intervalText);
  if (durationMs !== undefined && durationMs <= 0) throw new ValidationError('--duration must be longer than 0s');
  if (intervalMs !== undefined && intervalMs <= 0) throw new ValidationError('--interval must be longer than 0s');
  if (durationMs !== undefined && durationMs / (intervalMs ?? 1000) > 1_000_000) throw new ValidationError('--duration / --interval is more than 1,000,000 rounds');
  const capture = outputPath(ctx, '--capture', str(a['capture']));
  const keylog = outputPath(ctx, '--keylog', str(a['keylog']));
  if (capture !== undefined && capture === keylog) throw new ValidationError('--capture and --keylog name the same file');
  const output = str(a['output']) ?? 'table';
  return {
    resourceGroup: str(a['resourceGroup'])!,
    name: str(a['name'])!,
    from,
    to,
    port,
    protocol,
    allPairs,
    sample,
    flowsFile: flowsFile === undefined ? undefined : path.resolve(ctx.env.cwd, flowsFile),
    capture,
    keylog,
    failOnUnencrypted: a['failOnUnencrypted'] === true,
    durationMs,
    intervalMs,
    keep: keepsFlows(output, str(a['query'])),
  };
}

/**
 * Whether the per-flow objects are needed: not for `-o none`, and not when the query only reads the summary (so
 * `--all-pairs --sample 1000000 --query summary` streams a million flows without holding them).
 */
export function keepsFlows(output: string, query: string | undefined): boolean {
  if (query !== undefined) return !/^\s*summary(\s*$|\.|\s*\|)/.test(query);
  return output !== 'none';
}

function duration(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (e) {
    throw new ValidationError(`${flag}: ${(e as Error).message}`);
  }
}

/** An output file's absolute path, after checking that its directory exists and it is not a directory itself. */
function outputPath(ctx: Pick<CommandContext, 'env'>, flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === '') throw new ValidationError(`${flag}: empty file name`);
  const file = path.resolve(ctx.env.cwd, value);
  const dir = path.dirname(file);
  let st;
  try {
    st = ctx.env.fs.statSync(dir);
  } catch {
    throw new ValidationError(`${flag} ${value}: directory ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new ValidationError(`${flag} ${value}: ${dir} is not a directory`);
  try {
    if (ctx.env.fs.statSync(file).isDirectory()) throw new ValidationError(`${flag} ${value}: is a directory`);
  } catch (e) {
    if (e instanceof ValidationError) throw e;
  }
  return file;
}

export const trafficInspect: CommandSpec = {
  path: ['traffic', 'inspect'],
  summary: 'Run flows through the simulated Cilium fabric and show which ones WireGuard encrypted, from the packets on the wire.',
  flags: [
    RESOURCE_GROUP,
    CLUSTER_NAME,
    { long: 'from', kind: 'string', help: 'Source of one flow: NS/POD, pod/NS/POD, node/NAME or an IP. Needs --to.' },
    { long: 'to', kind: 'string', help: 'Destination of one flow: NS/POD, pod/NS/POD, node/NAME, svc/NS/NAME or an IP. Needs --from.' },
    { long: 'port', kind: 'int', help: "Destination port (with --from/--to). Default: the pod's first declared port, the service's first port, 80." },
    { long: 'protocol', kind: 'enum', choices: ['TCP', 'UDP', 'ICMP'], help: 'Protocol (with --from/--to). Default: TCP (a service: its port\'s protocol).' },
    { long: 'all-pairs', kind: 'switch', help: 'Every ordered pair of running pods.' },
    { long: 'sample', kind: 'int', help: 'With --all-pairs: a deterministic sample of this many pairs, spread evenly over all pairs.' },
    { long: 'flows', kind: 'string', help: 'A YAML or JSON file with a list of {from, to, protocol, port}.' },
    { long: 'capture', kind: 'string', help: "Write every packet seen on the nodes' eth0 to this classic pcap file." },
    { long: 'keylog', kind: 'string', help: 'Write a Wireshark WireGuard key log (wg.keylog_file) for the handshakes in this run (mode 0600).' },
    { long: 'fail-on-unencrypted', kind: 'switch', help: 'Exit 1 when any inter-node pod-to-pod flow was not encrypted (a CI gate).' },
    { long: 'duration', kind: 'string', help: 'Keep the flows running for this long in simulated time (e.g. 90s, 10m); sessions rekey every 120 s.' },
    { long: 'interval', kind: 'string', help: 'With --duration: how often the flows repeat. Default: 1s.' },
    ...INSIGHT_FLAGS,
    ...LAB_FLAGS,
  ],
  output: { default: 'table', table: (r) => (isHubbleResult(r) ? hubbleTable(r) : isCrossCheck(r) ? crossCheckTable(r) : flowTable(r)), extraFormats: ['hubble'] },
  examples: [
    'aks-wg traffic inspect -g RG -n C',
    'aks-wg traffic inspect -g RG -n C --from default/client --to svc/default/web -o json',
    'aks-wg traffic inspect -g RG -n C --all-pairs --capture cap.pcap --keylog keys.txt --fail-on-unencrypted -o none',
    'aks-wg traffic inspect -g RG -n C --duration 10m --interval 1s --query summary',
    'sudo aks-wg traffic inspect -g RG -n C --dataplane lab --capture lab.pcap',
    'sudo aks-wg traffic inspect -g RG -n C --cross-check',
  ],
  async run(ctx) {
    const options = inspectOptions(ctx);
    if (labRequested(ctx.args)) {
      checkLabFlags(ctx.args, insightRequested(ctx.args));
      const { runLabInspect } = await import('./lab-inspect.js');
      return runLabInspect(ctx, options);
    }
    if (insightRequested(ctx.args)) {
      const { inspect } = await import('./run-inspect.js');
      const { runInsight } = await import('./insight.js');
      return runInsight(ctx, options, inspect);
    }
    // a run that may shard starts its threads first, so they load the fabric while this thread loads it too and
    // reads the cluster (the cluster's size decides later whether they get any work)
    const threads = fabricThreads(ctx.env.vars);
    const pool = threads > 1 && mayShard(options, shardMinFlows(ctx.env.vars)) ? ShardThreads.start(threads) : undefined;
    try {
      const { inspect } = await import('./run-inspect.js');
      return await inspect(ctx, options, pool);
    } finally {
      pool?.close();
    }
  },
  exitCode(result, ctx) {
    if (isCrossCheck(result)) return crossCheckExit(result, ctx);
    const r = (typeof result === 'object' ? result : printedSummaries.has(ctx.args) ? { summary: printedSummaries.get(ctx.args) } : undefined) as InspectReport | undefined;
    if (ctx.args['failOnUnencrypted'] === true && r && r.summary.unencryptedInterNodePod > 0) {
      const n = r.summary.unencryptedInterNodePod;
      ctx.env.stderr.write(`ERROR: ${n} inter-node pod-to-pod flow${n === 1 ? ' was' : 's were'} not encrypted (--fail-on-unencrypted)\n`);
      return 1;
    }
    return 0;
  },
};

export { CommandError };
