/**
 * The work of `traffic inspect` once its options are checked: read the cluster, build the fabric at the cluster's
 * simulated time with every agent's cilium_wg0 (restoring the sessions a previous command left), choose the flows,
 * run them, write the capture and key log, and save the sessions and the clock.
 */
import { wireguardConfigured } from '../../aks/model.js';
import type { CommandContext } from '../command.js';
import {
  ciliumDataplane,
  rogueConfig,
  rolloutInProgress,
  wireguardPlan,
  WG_PORT,
  type CiliumDoc,
} from '../../cilium/agents.js';
import { clusterNow } from '../../cluster/clock.js';
import type { ClusterDoc } from '../../cluster/doc.js';
import { keyReader, loadCilium } from '../../repo/cilium-doc.js';
import { loadCluster, openStore, readCluster, writeCluster } from '../../repo/cluster.js';
import { loadWorkloads } from '../../repo/workloads.js';
import type { Workloads } from '../../cluster/workloads.js';
import { CommandError, ValidationError } from '../../errors.js';
import { Fabric } from '../../fabric/fabric.js';
import { PcapWriter } from '../../fabric/pcap.js';
import type { ReasonContext } from '../../fabric/report.js';
import { runFlows } from '../../fabric/run.js';
import { parseFlowsFile, Resolver, type Topology } from '../../fabric/select.js';
import { loadSessions, readSavedSessions, saveSessions, writeSessions } from '../../repo/sessions.js';
import { mergeSessions, mergeSummaries, savedForShard, shardTopology, type ShardInput } from '../../fabric/shard.js';
import { runShards, shardCount, type ShardPool } from '../../fabric/threads.js';
import { wireGuardSource } from '../../fabric/wg-source.js';
import { toHex } from '../../wireguard/keys.js';
import type { FabricSetup, Flow, InspectReport } from '../../fabric/types.js';
import { SimClock } from '../../platform/clock.js';
import { seededRng } from '../../platform/rng.js';
import { runStreams, VIRTUAL_SHARDS } from '../../fabric/streams.js';
import { sodiumBackend } from '../../wg-host/sodium-backend.js';
import { formatKeyLog, type KeyLogEntry } from '../../wireguard/device.js';
import type { Store, Tx } from '../../state/store.js';
import { mayShard, shardMinFlows, type InspectOptions } from './options.js';
import { compilePodFilter, filterTopology } from './pod-filter.js';

/**
 * The fabric's configuration at `atMs`, from the cluster, its workloads and the Cilium document: the keys the
 * CiliumNodes carry and the key files (a plan the fabric reads lazily, with the rules of cilium/agents.ts
 * wireguardConfigs, so a 5,000-node cluster is not written out as 25 million peer entries).
 */
export function fabricSetup(store: Store, doc: ClusterDoc, workloads: Workloads, cilium: CiliumDoc, atMs: number): FabricSetup {
  const { resourceGroup: rg, name } = doc.managedCluster;
  const input = { cluster: doc, workloads, cilium, readKey: keyReader(store, rg, name) };
  const rogue = cilium.rogue;
  return {
    nodes: doc.nodes.map((n) => ({ name: n.name, ip: n.ip, podCidr: n.podCidr })),
    wireguard: wireguardPlan(input, atMs),
    clusterOff: !ciliumDataplane(doc) ? 'no-cilium' : !wireguardConfigured(doc.managedCluster) ? 'wireguard-off' : null,
    rolloutInProgress: rolloutInProgress(cilium, atMs),
    strictEgressCidr: cilium.strictEgressCidr,
    rogue: rogue
      ? { name: rogue.name, ip: rogue.ip, config: rogueConfig({ ...input, readRogueKey: () => input.readKey(rogue.name) }, atMs) }
      : undefined,
  };
}

export function topologyOf(doc: ClusterDoc, workloads: Workloads, cilium: CiliumDoc): Topology {
  const np = doc.managedCluster.networkProfile;
  return {
    nodes: doc.nodes.map((n) => ({ name: n.name, ip: n.ip, podCidr: n.podCidr })),
    workloads,
    clusterRanges: [doc.nodeSubnet, doc.podCidrPool, ...(np.serviceCidrs?.length ? np.serviceCidrs : [np.serviceCidr])].filter(Boolean),
    rogue: cilium.rogue ? { name: cilium.rogue.name, ip: cilium.rogue.ip } : undefined,
  };
}

/** Choose the flows (every selector resolved now, so a bad one fails before anything runs). */
export async function chooseFlows(ctx: CommandContext, o: InspectOptions, resolver: Resolver): Promise<() => Iterable<Flow>> {
  if (o.from !== undefined && o.to !== undefined) {
    const flows = resolver.flows({ from: o.from, to: o.to, protocol: o.protocol, port: o.port });
    return () => flows;
  }
  if (o.flowsFile !== undefined) {
    let text: string;
    try {
      text = ctx.env.fs.readFileSync(o.flowsFile, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ValidationError(`--flows ${o.flowsFile}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
    }
    const requests = await parseFlowsFile(text, o.flowsFile);
    const flows = requests.flatMap((r, i) => resolver.flows(r, `flows file ${o.flowsFile}: entry ${i + 1}`));
    return () => flows;
  }
  if (o.allPairs) {
    if (resolver.pairCount === 0) {
      throw new ValidationError(`--all-pairs: ${o.podFilter ? 'fewer than two running pods match the filter' : 'the cluster has fewer than two running pods'}`);
    }
    return () => resolver.allPairs(o.sample);
  }
  const flows = resolver.defaultFlows();
  if (flows.length === 0) throw new ValidationError('the cluster has no running pods or nodes to send traffic between');
  return () => flows;
}

/**
 * Run the inspection. `pool`: worker threads the command started ahead for a run that may shard (inspect.ts decides
 * from the options, the cluster's size decides here); the caller closes it.
 */
export async function inspect(ctx: CommandContext, o: InspectOptions, pool?: ShardPool): Promise<InspectReport> {
  const { env } = ctx;
  const store = openStore(env);
  const doc = loadCluster(store, o.resourceGroup, o.name);
  const workloads = loadWorkloads(store, doc);
  const cilium = loadCilium(store, o.resourceGroup, o.name);
  const start = clusterNow(doc);
  const filter = o.podFilter ? await compilePodFilter(o.podFilter) : undefined;
  const topology = filterTopology(topologyOf(doc, workloads, cilium), filter);
  if (filter && !topology.workloads.pods.some((p) => p.node !== null && p.ip !== null)) {
    throw new ValidationError(`no running pod matches ${filter.described}`);
  }
  const resolver = new Resolver(topology);
  const flows = await chooseFlows(ctx, o, resolver);
  if (pool && shardable(o, resolver, cilium, start, shardMinFlows(env.vars))) {
    return inspectSharded(ctx, o, { store, doc, workloads, cilium, topology: shardTopology(topology, resolver.pods), start, pool });
  }

  // the capture file is opened before the run, so a path that cannot be written fails before anything changes
  let captureFd: number | undefined;
  if (o.capture !== undefined) {
    try {
      captureFd = env.fs.openSync(o.capture, 'w', 0o644);
    } catch (e) {
      throw new ValidationError(`--capture ${o.capture}: ${(e as Error).message}`);
    }
  }
  const keyLines: string[] = [];
  try {
    const pcap = captureFd === undefined ? undefined : new PcapWriter((chunk) => writeAll(env, captureFd!, chunk));
    const setup = fabricSetup(store, doc, workloads, cilium, start);
    const fabric = new Fabric(setup, {
      clock: new SimClock(start),
      // the same streams a sharded run would make from this seed: the threads never change the bytes
      streams: runStreams(toHex(env.rng.bytes(16)), seededRng),
      backend: sodiumBackend,
      capture:
        pcap || o.onPacket
          ? (t, p, node) => {
              pcap?.write(t, p);
              o.onPacket?.(t, p, node);
            }
          : undefined,
      keyLog: o.keylog !== undefined ? (e: KeyLogEntry) => keyLines.push(formatKeyLog(e)) : undefined,
      // a key log only holds handshakes made in this run: resumed sessions would leave their packets undecryptable
      freshSessions: o.keylog !== undefined,
      detail: o.keep,
    });
    loadSessions(store, doc, fabric);
    const changing = setupChanges(cilium, o, start);
    const reasons = (atMs: number): ReasonContext => ({
      wgPort: WG_PORT,
      strictEgressCidr: cilium.strictEgressCidr,
      rolloutInProgress: rolloutInProgress(cilium, atMs),
    });
    const result = runFlows(
      fabric,
      {
        flows,
        keep: o.keep,
        durationMs: o.durationMs,
        intervalMs: o.intervalMs,
        setupAt: changing ? (t) => fabricSetup(store, doc, workloads, cilium, t) : undefined,
      },
      reasons,
    );
    pcap?.flush();
    if (o.keylog !== undefined) {
      writeKeyLog(env, o.keylog, keyLines.join(''));
      const pairs = fabric.freshPairs.size;
      if (pairs > 0) {
        ctx.ui.info(
          `--keylog: ${pairs} node pair${pairs === 1 ? '' : 's'} had WireGuard sessions from an earlier run; started fresh handshakes instead of resuming them, so ${o.keylog} decrypts the capture of this run.`,
        );
      }
    }
    // save the sessions and the clock; a cluster changed meanwhile (nodes, keys) keeps its own fields
    await store.mutate((tx) => {
      const fresh = readCluster(tx, o.resourceGroup, o.name);
      advanceClusterClock(tx, fresh, result.endMs);
      saveSessions(tx, fresh, fabric);
    });
    fabric.close();
    return { flows: result.flows, summary: result.summary };
  } finally {
    if (captureFd !== undefined) env.fs.closeSync(captureFd);
  }
}

/** A rolling restart still running during a `--duration` run changes the fabric's configuration as it goes. */
function setupChanges(cilium: CiliumDoc, o: InspectOptions, start: number): boolean {
  return cilium.rollout !== null && o.durationMs !== undefined && cilium.rollout.doneAtMs > start;
}

/** mayShard() with the cluster's pair count, and a configuration that does not change while it runs (in time it may). */
function shardable(o: InspectOptions, resolver: Resolver, cilium: CiliumDoc, start: number, minFlows: number): boolean {
  return mayShard(o, minFlows, resolver.pairCount) && !setupChanges(cilium, o, start);
}

/**
 * The same run split by node pair over threads (fabric/shard.ts): every thread makes the run's streams from one seed
 * drawn from the command's random source, so the bytes are those of a run on one thread; sessions merge back and are
 * saved as in a serial run. This thread runs the first shard itself.
 */
async function inspectSharded(
  ctx: CommandContext,
  o: InspectOptions,
  s: { store: Store; doc: ClusterDoc; workloads: Workloads; cilium: CiliumDoc; topology: Topology; start: number; pool: ShardPool },
): Promise<InspectReport> {
  const setup = fabricSetup(s.store, s.doc, s.workloads, s.cilium, s.start);
  const saved = readSavedSessions(s.store, s.doc);
  const source = wireGuardSource(setup.wireguard);
  const inputs: ShardInput[] = [];
  const shards = shardCount(s.pool);
  const seed = toHex(ctx.env.rng.bytes(16));
  for (let k = 0; k < shards; k++) {
    const part = savedForShard(saved, source, k, shards);
    inputs.push({
      setup,
      topology: s.topology,
      startMs: s.start,
      seed,
      saved: part,
      sample: o.sample,
      durationMs: o.durationMs,
      intervalMs: o.intervalMs,
      shard: k,
      shards,
    });
  }
  if (ctx.args['debug'] === true) ctx.env.stderr.write(`DEBUG: traffic inspect: node pairs in ${VIRTUAL_SHARDS} shards over ${shards} threads\n`);
  const outputs = await runShards(s.pool, inputs);
  const sessions = mergeSessions(s.doc.nodes.map((n) => n.name), source, saved, outputs);
  const endMs = outputs[0]!.endMs;
  await s.store.mutate((tx) => {
    const fresh = readCluster(tx, o.resourceGroup, o.name);
    advanceClusterClock(tx, fresh, endMs);
    writeSessions(tx, fresh, sessions);
  });
  return { flows: [], summary: mergeSummaries(outputs.map((x) => x.summary)) };
}

/** Move the cluster's simulated clock to where a run ended (never back: a command meanwhile may have moved it on). */
function advanceClusterClock(tx: Tx, doc: ClusterDoc, endMs: number): void {
  if (endMs <= clusterNow(doc)) return;
  doc.createdMs ??= clusterNow(doc);
  doc.clockMs = endMs;
  writeCluster(tx, doc);
}

function writeAll(env: CommandContext['env'], fd: number, chunk: Uint8Array): void {
  for (let off = 0; off < chunk.length; ) off += env.fs.writeSync(fd, chunk, off, chunk.length - off);
}

/** The key log holds private keys: create it 0600 (and tighten an existing file) before writing. */
function writeKeyLog(env: CommandContext['env'], file: string, text: string): void {
  let fd: number | undefined;
  try {
    fd = env.fs.openSync(file, 'w', 0o600);
    env.fs.chmodSync(file, 0o600);
    writeAll(env, fd, Buffer.from(text, 'utf8'));
  } catch (e) {
    throw new CommandError(`--keylog ${file}: ${(e as Error).message}`);
  } finally {
    if (fd !== undefined) env.fs.closeSync(fd);
  }
}
