/**
 * The typed options of `aks-wg traffic inspect` (argv → options: the cross-flag rules, durations, output paths) and
 * what the options alone say about splitting a run over threads. Nothing here runs flows; inspect.ts (the verb),
 * run-inspect.ts (the fabric run) and insight.ts (Hubble, --compare, views) all read these options.
 */
import * as path from 'node:path';
import type { CommandContext } from '../command.js';
import { ArgumentParseError, ValidationError } from '../../errors.js';
import { num, str } from '../common.js';
import { podFilterOptions, type PodFilterOptions } from './pod-filter.js';
import type { L4Protocol } from '../../fabric/packets.js';

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
  /** --namespace, --selector, --exclude-host-network: the pods --all-pairs and the default flows use. */
  podFilter?: PodFilterOptions;
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
  if (port !== undefined && protocol === 'ICMP') throw new ArgumentParseError('--port cannot be used with --protocol ICMP');
  if (sample !== undefined && !allPairs) throw new ArgumentParseError('--sample goes with --all-pairs');
  // --port and --sample ranges, and durations, are checked as arguments (cli/args.ts): out of range exits 1
  const durationMs = num(a['duration']);
  const intervalMs = num(a['interval']);
  if (intervalMs !== undefined && durationMs === undefined) throw new ArgumentParseError('--interval goes with --duration');
  if (durationMs !== undefined && durationMs <= 0) throw new ValidationError('--duration must be longer than 0s');
  if (intervalMs !== undefined && intervalMs <= 0) throw new ValidationError('--interval must be longer than 0s');
  if (durationMs !== undefined && durationMs / (intervalMs ?? 1000) > 1_000_000) throw new ValidationError('--duration / --interval is more than 1,000,000 rounds');
  const capture = outputPath(ctx, '--capture', str(a['capture']));
  const keylog = outputPath(ctx, '--keylog', str(a['keylog']));
  if (capture !== undefined && capture === keylog) throw new ValidationError('--capture and --keylog name the same file');
  const output = str(a['output']) ?? 'table';
  const podFilter = podFilterOptions(a, { fromTo: from !== undefined, flowsFile: flowsFile !== undefined });
  if (podFilter && a['hubble'] !== undefined) throw new ArgumentParseError('--namespace, --selector and --exclude-host-network choose simulated flows; they cannot be used with --hubble');
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
    ...(podFilter ? { podFilter } : {}),
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
