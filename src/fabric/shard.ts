/**
 * A large summary-only `--all-pairs` run split over threads (one fabric each, in worker threads). A flow's thread is
 * decided by its unordered pair of nodes, through the pair's virtual shard (streams.ts), so every WireGuard session —
 * a pair of peers, one on each node — lives on exactly one thread, the threads' sessions merge back without
 * conflict, and each pair draws from its shard's stream: 1, 2 or 8 threads give the same bytes. Each thread sees the
 * same configuration and saved sessions; it only creates the engine peers its own flows use.
 */
import type { Pod } from '../cluster/workloads.js';
import type { Clock } from '../platform/types.js';
import type { CryptoBackend } from '../wireguard/crypto-backend.js';
import { isDeviceSnapshot, SNAPSHOT_VERSION, snapshotDevice, type DeviceSnapshot } from './device-snapshot.js';
import { Fabric, FlowOutcome, type MutableClock } from './fabric.js';
import { countFlow, emptySummary } from './report.js';
import { Resolver, type Topology } from './select.js';
import { virtualShardOf, type RunStreams } from './streams.js';
import type { FabricSetup, ReportSummary } from './types.js';
import type { WireGuardSource } from './wg-source.js';
import { PATH_CLASSES } from '../cluster/path.js';

export interface ShardInput {
  readonly setup: FabricSetup;
  readonly topology: Topology;
  readonly startMs: number;
  /** The run's seed: every thread makes the same streams from it (streams.ts). */
  readonly seed: string;
  /** Saved sessions by node (sessions.json's `nodes`). */
  readonly saved: Readonly<Record<string, DeviceSnapshot>> | null;
  /** `--sample`; undefined: every pair. */
  readonly sample?: number;
  /** Keep the flows running for this long (simulated ms), one round every `intervalMs` (as runFlows does). */
  readonly durationMs?: number;
  readonly intervalMs?: number;
  /** This thread's number, of `shards` threads; it runs the pairs of the virtual shards k with k % shards = shard. */
  readonly shard: number;
  readonly shards: number;
}

export interface ShardOutput {
  readonly summary: ReportSummary;
  /** Per node, the peers this shard used (its sessions now). */
  readonly sessions: Record<string, DeviceSnapshot>;
  readonly flows: number;
  /** The shard's simulated clock at the end (every shard ends at the same instant). */
  readonly endMs: number;
}

/**
 * The part of the topology a shard reads. A shard only runs --all-pairs, which needs each running pod's name, node,
 * IP, hostNetwork and declared ports, in the Resolver's order (given here already sorted, so the shard's Resolver
 * sorts nothing); labels, owners, controllers and services stay behind. At 5,000 nodes the whole topology is a
 * 33 MB structured clone per worker thread, about 0.2 s to copy before the thread can start.
 */
export function shardTopology(topo: Topology, sortedRunningPods: readonly Pod[]): Topology {
  const pods: Pod[] = sortedRunningPods.map((p) => ({
    namespace: p.namespace,
    name: p.name,
    node: p.node,
    ip: p.ip,
    hostNetwork: p.hostNetwork,
    labels: {},
    containers: p.containers.some((c) => c.ports.length > 0) ? p.containers.map((c) => ({ name: c.name, image: '', ports: c.ports })) : [],
    owner: null,
    system: p.system,
    createdMs: 0,
  }));
  return { ...topo, workloads: { controllers: [], pods, services: [] } };
}

/** The thread (of `threads`) that runs the pair (a, b): the one its virtual shard is mapped onto. */
export function threadOfPair(a: string, b: string, threads: number): number {
  return virtualShardOf(a, b) % threads;
}


/**
 * The part of the saved sessions a shard can use: on each node, the peers whose node pair falls in the shard (so each
 * thread is handed 1/shards of the document, not all of it).
 */
export function savedForShard(
  saved: Readonly<Record<string, DeviceSnapshot>> | null,
  source: WireGuardSource,
  shard: number,
  shards: number,
): Record<string, DeviceSnapshot> | null {
  if (!saved) return null;
  const out: Record<string, DeviceSnapshot> = {};
  for (const [node, snap] of Object.entries(saved)) {
    if (!isDeviceSnapshot(snap) || snap.version !== SNAPSHOT_VERSION) continue;
    const peers: Record<string, string> = {};
    let any = false;
    for (const key in snap.peers) {
      const other = source.nodeOfKey(key);
      if (other === undefined || threadOfPair(node, other, shards) !== shard) continue;
      peers[key] = snap.peers[key]!;
      any = true;
    }
    if (any) out[node] = { ...snap, peers };
  }
  return out;
}

/**
 * Run one shard's flows (its part of `--all-pairs [--sample N]`) and return its counts and sessions (threads.ts
 * runShardHere gives every thread the same clock, streams and backend).
 */
export function runShard(input: ShardInput, deps: { clock: MutableClock & Clock; streams: RunStreams; backend: CryptoBackend }): ShardOutput {
  const fabric = new Fabric(input.setup, { clock: deps.clock, streams: deps.streams, backend: deps.backend, detail: false });
  if (input.saved) for (const n of input.setup.nodes) if (input.saved[n.name]) fabric.restoreSessions(n.name, input.saved[n.name]!);
  const resolver = new Resolver(input.topology);
  const out = new FlowOutcome();
  const summary = emptySummary();
  let flows = 0;
  // every shard walks all pairs and keeps its own, decided by a node-pair table (no flow built for the others)
  const nodes = input.topology.nodes;
  const nodeIndex = new Map(nodes.map((n, i) => [n.name, i]));
  const podNode = Int32Array.from(resolver.pods, (p) => nodeIndex.get(p.node!) ?? -1);
  // whose each node pair is, decided on first sight: 0 not yet known, 1 this shard's, 2 another's (a 5,000-node
  // cluster has 25 million ordered pairs; a run meets a few of them)
  const owner = new Uint8Array(nodes.length * nodes.length);
  const keep = (s: number, t: number): boolean => {
    const a = podNode[s]!;
    const b = podNode[t]!;
    if (a < 0 || b < 0) return threadOfPair(resolver.pods[s]!.node!, resolver.pods[t]!.node!, input.shards) === input.shard;
    const cell = a * nodes.length + b;
    let o = owner[cell]!;
    if (o === 0) {
      o = threadOfPair(nodes[a]!.name, nodes[b]!.name, input.shards) === input.shard ? 1 : 2;
      owner[cell] = o;
      owner[b * nodes.length + a] = o;
    }
    return o === 1;
  };
  // rounds as in runFlows: one now, or one every interval until the duration has passed
  const start = deps.clock.now();
  const end = input.durationMs === undefined ? start : start + input.durationMs;
  const interval = input.intervalMs ?? 1000;
  // a run in time repeats the same flows every round: pick this shard's once (a small object per flow, sharing the
  // endpoints) rather than walking and filtering the whole sample again each round
  const mine = input.durationMs === undefined ? undefined : [...resolver.allPairs(input.sample, keep)];
  for (let t = start, rounds = 0; rounds === 0 || t < end; t += interval, rounds++) {
    fabric.advanceTo(t);
    for (const flow of mine ?? resolver.allPairs(input.sample, keep)) {
      fabric.run(flow, out);
      countFlow(summary, out);
      flows++;
    }
    if (input.durationMs === undefined) break;
  }
  if (end > deps.clock.now()) fabric.advanceTo(end);
  const sessions: Record<string, DeviceSnapshot> = {};
  for (const [node, device] of fabric.nodeDevices()) {
    const snap = snapshotDevice(device);
    if (Object.keys(snap.peers).length > 0) sessions[node] = snap;
  }
  fabric.close();
  return { summary, sessions, flows, endMs: deps.clock.now() };
}

/** Add the shards' counts together. */
export function mergeSummaries(parts: readonly ReportSummary[]): ReportSummary {
  const total = emptySummary();
  for (const s of parts) {
    total.total += s.total;
    total.encrypted += s.encrypted;
    total.unencryptedInterNodePod += s.unencryptedInterNodePod;
    total.dropped += s.dropped;
    total.strictModeDrops += s.strictModeDrops;
    for (const p of PATH_CLASSES) total.byPath[p] += s.byPath[p];
  }
  return total;
}

/**
 * The sessions to save after a sharded run: for each node whose agent runs WireGuard, the peers some shard used,
 * plus the saved sessions of its current peers that no shard touched.
 */
export function mergeSessions(
  nodes: readonly string[],
  source: WireGuardSource,
  saved: Readonly<Record<string, DeviceSnapshot>> | null,
  parts: readonly ShardOutput[],
): Record<string, DeviceSnapshot> {
  const out: Record<string, DeviceSnapshot> = {};
  for (const node of nodes) {
    const dev = source.device(node);
    if (!dev) continue;
    const isPeer = (key: string): boolean => {
      const other = source.nodeOfKey(key);
      return other !== undefined && source.peer(node, other)?.publicKey === key;
    };
    const peers: Record<string, string> = {};
    let any = false;
    const old = saved?.[node];
    if (isDeviceSnapshot(old) && old.version === SNAPSHOT_VERSION && old.publicKey === dev.publicKey) {
      for (const key in old.peers) {
        if (typeof old.peers[key] !== 'string' || !isPeer(key)) continue;
        peers[key] = old.peers[key];
        any = true;
      }
    }
    for (const part of parts) {
      const s = part.sessions[node];
      if (!s || s.publicKey !== dev.publicKey) continue;
      for (const key in s.peers) {
        peers[key] = s.peers[key]!;
        any = true;
      }
    }
    if (any) out[node] = { version: SNAPSHOT_VERSION, publicKey: dev.publicKey, peers };
  }
  return out;
}
