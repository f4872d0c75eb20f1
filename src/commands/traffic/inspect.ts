/**
 * `aks-wg traffic inspect`: run flows through the simulated fabric and report, flow by flow, what crossed the wire
 * and whether it was encrypted. Cross-flag checks and file checks happen before anything runs (options.ts); the run
 * reads the cluster, its workloads and the Cilium agents' configuration; the sessions and the clock are saved after it.
 */
import type { CommandSpec } from '../command.js';
import { CommandError } from '../../errors.js';
import { TARGET_FLAGS, targetCluster } from '../common.js';
import { openStore } from '../../repo/cluster.js';
import type { InspectReport } from '../../fabric/types.js';
import { flowTable } from '../../fabric/report.js';
import { inspectTableText } from './table.js';
import type { ShardInput, ShardOutput } from '../../fabric/shard.js';
import { threadCount, WorkerPool } from '../../platform/thread-pool.js';
import { hubbleTable, INSIGHT_FLAGS, insightRequested, isHubbleResult, printedSummaries } from './insight-flags.js';
import { inspectOptions, MAX_SAMPLE, mayShard, shardMinFlows } from './options.js';
import { POD_FILTER_FLAGS } from './pod-filter.js';
import { checkLabFlags, crossCheckExit, crossCheckTable, isCrossCheck, LAB_FLAGS, labRequested } from './lab-inspect.js';

/**
 * `traffic inspect`. `fabricWorker`: the worker entry script of a sharded run (cli/workers/fabric-worker.ts, compiled);
 * the CLI hands it over, as this layer may not import the CLI's.
 */
export const trafficInspectSpec = (fabricWorker: URL): CommandSpec => ({
  path: ['traffic', 'inspect'],
  summary: 'Run flows through the simulated Cilium fabric and show which ones WireGuard encrypted, from the packets on the wire.',
  flags: [
    ...TARGET_FLAGS,
    { long: 'from', kind: 'string', help: 'Source of one flow: NS/POD, pod/NS/POD, node/NAME or an IP. Needs --to.' },
    { long: 'to', kind: 'string', help: 'Destination of one flow: NS/POD, pod/NS/POD, node/NAME, svc/NS/NAME or an IP. Needs --from.' },
    { long: 'port', kind: 'int', range: [1, 65535], help: "Destination port (with --from/--to). Default: the pod's first declared port, the service's first port, 80." },
    { long: 'protocol', kind: 'enum', choices: ['TCP', 'UDP', 'ICMP'], help: 'Protocol (with --from/--to). Default: TCP (a service: its port\'s protocol).' },
    { long: 'all-pairs', kind: 'switch', help: 'Every ordered pair of running pods.' },
    { long: 'sample', kind: 'int', range: [1, MAX_SAMPLE], help: 'With --all-pairs: a deterministic sample of this many pairs, spread evenly over all pairs.' },
    { long: 'flows', kind: 'string', help: 'A YAML or JSON file with a list of {from, to, protocol, port}.' },
    { long: 'capture', kind: 'string', help: "Write every packet seen on the nodes' eth0 to this classic pcap file." },
    { long: 'keylog', kind: 'string', help: 'Write a Wireshark WireGuard key log (wg.keylog_file) for the handshakes in this run (mode 0600).' },
    { long: 'fail-on-unencrypted', kind: 'switch', help: 'Exit 1 when any inter-node pod-to-pod flow was not encrypted (a CI gate).' },
    { long: 'duration', kind: 'duration', help: 'Keep the flows running for this long in simulated time (e.g. 90s, 10m); sessions rekey every 120 s.' },
    { long: 'interval', kind: 'duration', help: 'With --duration: how often the flows repeat. Default: 1s.' },
    ...POD_FILTER_FLAGS,
    ...INSIGHT_FLAGS,
    ...LAB_FLAGS,
  ],
  output: {
    default: 'table',
    table: (r) => (isHubbleResult(r) ? hubbleTable(r) : isCrossCheck(r) ? crossCheckTable(r) : flowTable(r)),
    tableText: (r, term) => (isCrossCheck(r) ? term.fit(crossCheckTable(r) as Record<string, unknown>[], {}) : inspectTableText(r, term)),
    extraFormats: ['hubble', 'wide'],
  },
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
    // the cluster: -g/-n, else --context, else the current context (after the flags' own checks)
    const target = targetCluster(openStore(ctx.env), ctx.args);
    options.resourceGroup = target.rg;
    options.name = target.name;
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
    const threads = threadCount(fabricWorker, ctx.env.vars);
    const pool = threads > 1 && mayShard(options, shardMinFlows(ctx.env.vars)) ? WorkerPool.start<ShardInput, ShardOutput>(fabricWorker, threads - 1) : undefined;
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
      ctx.ui.error(`${n} inter-node pod-to-pod flow${n === 1 ? ' was' : 's were'} not encrypted (--fail-on-unencrypted)`);
      return 1;
    }
    return 0;
  },
});

export { CommandError };
