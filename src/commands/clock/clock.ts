/**
 * The cluster's simulated clock: `clock show` and `clock advance DURATION`. The cluster is `-g RG -n NAME`, else
 * `--context`, else the current context (as for kubectl). A bad duration is a usage error (exit 2) naming the
 * argument, as az reports a value its argument type rejects.
 */
import type { CommandContext, CommandSpec } from '../command.js';
import { advanceClusterClock, clusterCreatedMs, clusterNow } from '../../cluster/clock.js';
import type { ContextRef } from '../../repo/context.js';
import type { ClusterDoc } from '../../cluster/doc.js';
import { formatDuration, humanDuration, rfc3339 } from '../../cluster/duration.js';
import { loadCluster, openStore, readCluster, writeCluster } from '../../repo/cluster.js';
import { durationArgument, TARGET_FLAGS, targetCluster } from '../common.js';

const FLAGS = TARGET_FLAGS;

export interface ClockView {
  cluster: string;
  resourceGroup: string;
  /** RFC 3339, UTC. */
  time: string;
  createdTime: string;
  /** kubectl-style age of the cluster on its clock: `10m`, `1h30m`. */
  age: string;
  elapsed: string;
  elapsedMs: number;
  timeMs: number;
}

export function clockView(doc: ClusterDoc): ClockView {
  const now = clusterNow(doc);
  const created = clusterCreatedMs(doc);
  return {
    cluster: doc.managedCluster.name,
    resourceGroup: doc.managedCluster.resourceGroup,
    time: rfc3339(now),
    createdTime: rfc3339(created),
    age: humanDuration(now - created),
    elapsed: formatDuration(now - created),
    elapsedMs: now - created,
    timeMs: now,
  };
}

const table = (r: unknown): unknown => {
  const v = r as ClockView;
  return [{ Cluster: `${v.resourceGroup}/${v.cluster}`, Time: v.time, Age: v.age, Created: v.createdTime }];
};

/** -g/-n, else --context / the current context. */
function target(ctx: CommandContext): ContextRef {
  const { rg, name } = targetCluster(openStore(ctx.env), ctx.args);
  return { resourceGroup: rg, cluster: name };
}

export const clockShow: CommandSpec = {
  path: ['clock', 'show'],
  summary: "Show a cluster's simulated time and how long ago (on that clock) it was created.",
  flags: FLAGS,
  output: { default: 'table', table },
  examples: ['aks-wg clock show -g RG -n C', 'aks-wg clock show -o json'],
  run(ctx) {
    const ref = target(ctx);
    return clockView(loadCluster(openStore(ctx.env), ref.resourceGroup, ref.cluster));
  },
};

export const clockAdvance: CommandSpec = {
  path: ['clock', 'advance'],
  summary: "Move a cluster's simulated clock forward by DURATION (90s, 10m, 1h, 1h30m, 500ms).",
  flags: FLAGS,
  positionals: [{ name: 'DURATION', required: true }],
  output: { default: 'table', table },
  examples: ['aks-wg clock advance 10m', 'aks-wg clock advance 1h30m -g RG -n C'],
  async run(ctx) {
    const ms = durationArgument('DURATION', ctx.positionals[0]!);
    const ref = target(ctx);
    return openStore(ctx.env).mutate((tx) => {
      const doc = readCluster(tx, ref.resourceGroup, ref.cluster);
      advanceClusterClock(doc, ms);
      writeCluster(tx, doc);
      return clockView(doc);
    });
  },
};
