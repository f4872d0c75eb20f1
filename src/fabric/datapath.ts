/**
 * The simulated network's datapath: one per node, each with its cilium_wg0 (a real WireGuard Device) when its agent
 * runs WireGuard, joined by one shared wire on which every eth0 packet is a real IPv4 packet.
 *
 * Per packet, as Cilium's BPF datapath decides it (reference: cilium.md, "Which traffic is encrypted"):
 *   1. A destination on the sending node (a pod, the host, a hostNetwork pod) is delivered locally over the lxc veth:
 *      it never reaches eth0.
 *   2. A packet from a pod (its own network namespace: not the host, not a hostNetwork pod) to a remote pod whose IP
 *      is in a WireGuard peer's AllowedIPs goes to cilium_wg0: the Device seals it (handshaking first if needed, in
 *      simulated time) and the sealed message leaves eth0 as UDP listen-port → listen-port between the node IPs.
 *      The destination's Device opens it, checks the inner source against that peer's AllowedIPs, and delivers it.
 *   3. Strict egress mode (on nodes whose agent runs WireGuard): a pod-to-pod packet that would leave unencrypted to
 *      an address inside the strict CIDR is dropped with UNENCRYPTED_TRAFFIC.
 *   4. Everything else leaves eth0 as it is (plaintext): pod → node IP, node/hostNetwork → anything, → outside.
 *
 * The fabric does not decide what is encrypted: it records every packet that crosses the wire (and hands each to the
 * capture), and after each flow the verdict reads that record (wire-record.ts). The machines and their devices,
 * peers and saved sessions are machines.ts's; the timers of every device fire here, in simulated time.
 */
import { cidrContains, formatIPv4, parseCidr, parseIPv4, type Cidr } from '../net/ip.js';
import type { Rng } from '../platform/types.js';
import type { CryptoBackend } from '../wireguard/crypto-backend.js';
import type { Device, DeviceEvent, Endpoint as UdpEndpoint, KeyLogEntry, Peer } from '../wireguard/device.js';
import type { DeviceSnapshot } from './device-snapshot.js';
import type { RunStreams } from './streams.js';
import { buildPacket, buildUdpDatagram, IPV4_HEADER_SIZE, readU16, readU32, UDP_HEADER_SIZE } from './packets.js';
import type { ClusterEncryptionOff, FabricSetup, Flow, MutableClock } from './types.js';
import { classifyPath } from '../cluster/path.js';
import { MinHeap } from '../net/heap.js';
import { Machines, type Machine, type WireHooks } from './machines.js';
import { FlowOutcome, readVerdict, WireRecord, type VerdictContext } from './wire-record.js';

export interface FabricOptions {
  readonly clock: MutableClock;
  /** The random source of every draw when `streams` is not given. */
  readonly rng?: Rng;
  /** Per-pair and per-node random streams (streams.ts): a run that may be sharded draws from these. */
  readonly streams?: RunStreams;
  readonly backend: CryptoBackend;
  /** Every packet on any eth0, in order, with its clock time. */
  readonly capture?: (timeMs: number, packet: Uint8Array, node: string) => void;
  /** Each handshake's secrets (one entry per side), for a Wireshark key log. */
  readonly keyLog?: (entry: KeyLogEntry) => void;
  /** Fill the per-flow WireGuard details (peer, session age); off for summary-only runs. */
  readonly detail?: boolean;
  /**
   * Do not resume sessions saved by an earlier command: a peer used in this run starts a new handshake, so a key
   * log of this run holds the secrets of every session its capture shows (peers not used keep their saved state).
   */
  readonly freshSessions?: boolean;
}

interface InFlight {
  readonly to: number;
  readonly port: number;
  readonly from: Machine;
  readonly payload: Uint8Array;
  readonly record: number;
}

export class Fabric implements VerdictContext {
  readonly clock: MutableClock;
  /** Handshake initiations sent, handshakes completed (counted once, on the initiator), eth0 packets, flows run. */
  readonly counters = { initiations: 0, sessions: 0, eth0Packets: 0, flows: 0 };
  private readonly capture: FabricOptions['capture'];
  private readonly detail: boolean;
  private readonly machines: Machines;
  private readonly addressCache = new Map<string, number>();
  private strict: Cidr | null = null;
  private clusterOffValue: ClusterEncryptionOff = null;
  private ipId = 1;
  private tcpSeq = 0x1000;
  // the flow in progress and the wire record of it
  private cur: Flow | null = null;
  private curId = -1;
  private readonly rec = new WireRecord();
  private queue: InFlight[] = [];
  /** Machines by their device's earliest timer deadline (advanceTo asks only the devices that are due). */
  private readonly timers = new MinHeap<Machine>();

  constructor(setup: FabricSetup, options: FabricOptions) {
    this.clock = options.clock;
    if (!options.rng && !options.streams) throw new TypeError('Fabric: give rng or streams');
    this.capture = options.capture;
    this.detail = options.detail ?? true;
    const wire: WireHooks = {
      transmit: (from, datagram, to) => this.transmitWireGuard(from, datagram, to),
      deliver: (on, packet) => this.onDeliver(on, packet),
      event: (on, event) => this.onEvent(on, event),
      armed: (m, at) => this.armed(m, at),
    };
    this.machines = new Machines(options, wire);
    for (const n of setup.nodes) this.machines.add(n);
    this.configure(setup);
  }

  /** The cluster-wide reason nothing is encrypted, if any. */
  get clusterOff(): ClusterEncryptionOff {
    return this.clusterOffValue;
  }

  /** Node pairs (`a|b`, sorted) whose saved sessions this run did not resume (FabricOptions.freshSessions). */
  get freshPairs(): ReadonlySet<string> {
    return this.machines.freshPairs;
  }

  /** Whether the node's agent runs a cilium_wg0 now (as far as this run has read its configuration). */
  hasWireGuard(node: string): boolean {
    return !!this.machines.byName.get(node)?.device;
  }

  /** The Device of a node (undefined without WireGuard). */
  device(node: string): Device | undefined {
    const m = this.machines.byName.get(node);
    if (!m) return undefined;
    this.machines.ensure(m);
    return m.device ?? undefined;
  }

  /** The devices that exist so far (nodes touched by this run, or asked for), in setup order. */
  devices(): { node: string; device: Device }[] {
    const out: { node: string; device: Device }[] = [];
    for (const m of this.machines.byName.values()) if (m.device) out.push({ node: m.name, device: m.device });
    return out;
  }

  /**
   * Apply a (new) configuration: devices appear for agents that gained WireGuard and disappear for those that lost
   * it; peers follow their entries (a changed key re-creates the peer). Unchanged devices keep their sessions.
   * Machines not used yet read the configuration when they are.
   */
  configure(setup: FabricSetup): void {
    this.clusterOffValue = setup.clusterOff;
    this.strict = setup.strictEgressCidr ? parseCidr(setup.strictEgressCidr, true) : null;
    this.machines.configure(setup);
  }

  /**
   * Saved sessions for `node`'s device (from an earlier command). They go back onto each peer when the peer is
   * first used; peers never used in this run keep their saved state as it was. Ignored when the device's key changed.
   */
  restoreSessions(node: string, snap: DeviceSnapshot): void {
    this.machines.restoreSessions(node, snap);
  }

  /** The sessions of `node`'s device to save: used peers as they are now, unused ones as they were restored. */
  sessionSnapshot(node: string): DeviceSnapshot | undefined {
    return this.machines.sessionSnapshot(node);
  }

  private onEvent(m: Machine, event: DeviceEvent): void {
    switch (event.type) {
      case 'dropped':
        this.rec.lastDrop = { node: m.name, reason: event.reason };
        break;
      case 'handshake-initiation-sent':
        this.counters.initiations++;
        break;
      case 'session-established':
        if (event.role === 'initiator') this.counters.sessions++;
        break;
      default:
        break;
    }
  }

  // --- The wire -------------------------------------------------------------------------------------------------

  /** Put one IPv4 packet on the wire from `from`'s eth0; returns its index in the flow's record. */
  private onWire(from: Machine, packet: Uint8Array): number {
    const index = this.rec.put(packet);
    this.counters.eth0Packets++;
    this.capture?.(this.clock.now(), packet, from.name);
    return index;
  }

  private transmitWireGuard(from: Machine, datagram: Uint8Array, to: UdpEndpoint): void {
    let dst = this.addressCache.get(to.address);
    if (dst === undefined) {
      dst = parseIPv4(to.address);
      this.addressCache.set(to.address, dst);
    }
    const sport = from.dev?.listenPort ?? 0;
    const outer = buildUdpDatagram(from.ipNum, dst, sport, to.port, datagram, this.nextIpId());
    const record = this.onWire(from, outer);
    this.queue.push({ to: dst, port: to.port, from, payload: outer.subarray(IPV4_HEADER_SIZE + UDP_HEADER_SIZE), record });
  }

  /** Deliver what is in flight (and whatever that causes) until the wire is quiet. */
  private drain(): void {
    const q = this.queue;
    const machines = this.machines;
    for (let i = 0; i < q.length; i++) {
      if (i > 1_000_000) throw new Error('fabric: the wire did not quiesce');
      const item = q[i]!;
      const target = machines.at(item.to);
      if (target) machines.ensure(target);
      if (!target || !target.device || !target.dev || target.dev.listenPort !== item.port) {
        // nobody listens on that port: the kernel drops it (ICMP port unreachable, not modelled)
        this.rec.lastDrop = { node: target?.name ?? formatIPv4(item.to), reason: 'port-unreachable' };
        continue;
      }
      // the receiver's peer for the sender, if it has one configured (the rogue is nobody's)
      const back = machines.routeTo(target, item.from.name);
      if (back && !back.peer) machines.materialize(target, back);
      this.rec.current = item.record;
      target.device.receive(item.payload, item.from.udpFrom);
    }
    q.length = 0;
    this.rec.current = -1;
  }

  private onDeliver(m: Machine, packet: Uint8Array): void {
    const f = this.cur;
    if (!f || readU16(packet, 4) !== this.curId || readU32(packet, 12) !== f.src.ipNum || readU32(packet, 16) !== f.dst.ipNum) return;
    this.rec.deliver(m.name);
  }

  private nextIpId(): number {
    const id = this.ipId;
    this.ipId = (this.ipId + 1) & 0xffff;
    return id;
  }

  // --- Flows ----------------------------------------------------------------------------------------------------

  /**
   * Send one flow's packet through the fabric at the clock's current time and fill `out` from what the wire saw.
   * @throws {RangeError} if the flow names a node the fabric does not know.
   */
  run(flow: Flow, out: FlowOutcome): void {
    out.reset();
    out.path = classifyPath(flow.src, flow.dst);
    this.counters.flows++;
    this.cur = flow;
    const rec = this.rec;
    rec.begin();
    const id = this.nextIpId();
    this.curId = id;
    out.sourcePort = ephemeralPort(flow, id);
    const packet = buildPacket({
      protocol: flow.protocol,
      src: flow.src.ipNum,
      dst: flow.dst.ipNum,
      srcPort: out.sourcePort,
      dstPort: flow.port ?? 0,
      id,
      seq: (this.tcpSeq = (Math.imul(this.tcpSeq, 1103515245) + 12345) >>> 0),
    });
    const machines = this.machines;
    let sentTo: string | null = null;
    const src = flow.src;
    const dst = flow.dst;
    if (src.rogue) {
      const r = machines.rogue;
      out.cause = 'rogue-drop';
      if (r) machines.ensure(r);
      const rogueRoute = r?.device ? machines.routeOf(r, dst.ipNum) : undefined;
      if (r && rogueRoute) {
        machines.materialize(r, rogueRoute).send(packet);
        this.drain();
      } else if (r) {
        // no WireGuard route: the rogue sends in plaintext, like any outside machine
        this.onWire(r, packet);
        rec.delivered = dst.node !== null;
      }
    } else if (src.kind === 'external' || src.node === null) {
      // from outside the cluster: the packet arrives on the destination node's eth0 as it is
      const m = dst.node !== null ? machines.byName.get(dst.node) : undefined;
      if (!m) throw new RangeError(`fabric: flow from ${src.ip} to ${dst.ip} touches no node`);
      this.onWire(m, packet);
      rec.delivered = true;
    } else {
      const from = machines.byName.get(src.node);
      if (!from) throw new RangeError(`fabric: unknown node ${src.node}`);
      machines.ensure(from);
      if (dst.node === src.node) {
        // same node: the lxc veth (or the host stack), never eth0
        out.iface = 'lxc';
        rec.delivered = true;
      } else {
        const podToPod = src.kind === 'pod' && !src.hostNetwork && dst.kind === 'pod' && !dst.hostNetwork;
        const route = podToPod && from.device ? machines.routeOf(from, dst.ipNum) : undefined;
        if (route) {
          out.iface = 'cilium_wg0';
          sentTo = machines.byName.has(route.node) ? route.node : null;
          // the route into cilium_wg0 already picked the peer by its AllowedIPs (the same prefixes the device holds),
          // so the device seals for that peer directly; the receiver still checks the inner source against its own
          machines.materialize(from, route).send(packet);
          this.drain();
          if (rec.delivered) out.wgPeer = route.peer!.name;
          readVerdict(rec, flow, out, sentTo, this);
          // the age of the session that carried the packet (a rekey may have made a newer one current since)
          if (out.encrypted && this.detail) out.wgSessionAgeMs = sessionAge(route.peer!, out.wgSession, this.clock.now());
          this.cur = null;
          return;
        } else if (podToPod && this.strict && from.device && cidrContains(this.strict, dst.ipNum)) {
          // strict mode is part of the agent's WireGuard configuration: enforced by agents that run it
          out.verdict = 'DROPPED';
          out.dropReason = 'UNENCRYPTED_TRAFFIC';
          out.cause = 'strict-drop';
          out.causeNode = from.name;
        } else {
          this.onWire(from, packet);
          rec.delivered = true;
        }
      }
    }
    readVerdict(rec, flow, out, sentTo, this);
    this.cur = null;
  }

  // --- Time -----------------------------------------------------------------------------------------------------

  /** Move the clock to `ms`, firing every WireGuard timer due on the way at its own time. */
  advanceTo(ms: number): void {
    this.cur = null;
    const q = this.timers;
    for (let guard = 0; ; guard++) {
      if (guard > 10_000_000) throw new Error('fabric: timers did not settle');
      // the earliest deadline still live (a device's own queue is the truth; ours may hold superseded entries)
      let next = Infinity;
      while (q.size > 0) {
        const at = q.topKey();
        const m = q.top();
        if (at !== m.timerAt) {
          q.pop();
          continue;
        }
        const d = m.device?.nextTimerAt();
        if (d === at) {
          next = at;
          break;
        }
        q.pop();
        m.timerAt = Infinity;
        if (d !== undefined) this.armed(m, d);
      }
      if (next > ms) break;
      if (next > this.clock.now()) this.clock.set(next);
      const now = this.clock.now();
      this.rec.count = 0;
      // every device with a timer due now, in machine order
      while (q.size > 0 && q.topKey() <= now) {
        const at = q.topKey();
        const m = q.pop();
        if (at !== m.timerAt) continue;
        m.timerAt = Infinity;
        const device = m.device;
        if (!device) continue;
        const d = device.nextTimerAt();
        if (d !== undefined && d <= now) device.tick();
        const after = device.nextTimerAt();
        if (after !== undefined) this.armed(m, after);
      }
      this.drain();
      this.rec.clear();
    }
    if (ms > this.clock.now()) this.clock.set(ms);
  }

  /** A device armed a timer: queue the machine at that deadline if it is the earliest the queue knows of. */
  private armed(m: Machine, at: number): void {
    if (at < m.timerAt) {
      m.timerAt = at;
      this.timers.push(at, m.order, m);
    }
  }

  /** The node machines (not the rogue) and their devices, for persistence. */
  nodeDevices(): Map<string, Device> {
    const out = new Map<string, Device>();
    for (const m of this.machines.byName.values()) if (m.device) out.set(m.name, m.device);
    return out;
  }

  /** Close every device (erasing session keys). */
  close(): void {
    for (const m of this.machines.all()) m.device?.close();
  }
}

/** Age of the peer's session that the peer knows by `remoteIndex` (the receiver index on the wire). */
function sessionAge(peer: Peer, remoteIndex: number, now: number): number {
  for (const kp of [peer.current, peer.previous, peer.next]) if (kp && kp.remoteIndex === remoteIndex) return now - kp.createdAt;
  return 0;
}

/** A deterministic ephemeral source port (32768–60999, Linux's range) per flow; the echo identifier for ICMP. */
function ephemeralPort(flow: Flow, id: number): number {
  return 32768 + ((flow.src.ipNum ^ Math.imul(flow.dst.ipNum, 31) ^ Math.imul(id, 2654435761)) >>> 0) % 28232;
}
