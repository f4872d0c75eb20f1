/**
 * The simulated network: one datapath per node, each with its cilium_wg0 (a real WireGuard Device) when its agent
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
 * The fabric does not decide what is encrypted. It records every packet that crosses the wire (and hands each to
 * the capture), and after each flow reads that record: a flow is encrypted when its packet reached the destination
 * by being decrypted from a WireGuard transport message on the wire and never crossed the wire in plaintext.
 */
import { cidrContains, formatIPv4, parseCidr, parseIPv4, parsePrefix, type Cidr, type Prefix } from '../net/ip.js';
import type { Clock, Rng } from '../platform/types.js';
import type { CryptoBackend } from '../wireguard/crypto-backend.js';
import { Device, type DeviceEvent, type DropReason, type Endpoint as UdpEndpoint, type KeyLogEntry, type Peer } from '../wireguard/device.js';
import { SharedHostLists } from '../wireguard/allowed-ips.js';
import { decodeKey, encodeKey, privateKeyFromBytes, publicKeyFromBytes, type PublicKey } from '../wireguard/keys.js';
import { isDeviceSnapshot, restorePeer, SNAPSHOT_VERSION, snapshotDevice, snapshotMatches, unpackPeer, type DeviceSnapshot } from './device-snapshot.js';
import type { RunStreams } from './streams.js';
import { wireGuardSource, type WgDeviceConfig, type WireGuardSource } from './wg-source.js';
import { buildPacket, buildUdpDatagram, IPPROTO_UDP, IPV4_HEADER_SIZE, readU16, readU32, UDP_HEADER_SIZE } from './packets.js';
import type { ClusterEncryptionOff, Endpoint, FabricNode, FabricSetup, Flow, Interface, Verdict, WgPeerConfig } from './types.js';
import { classifyPath, type PathClass } from '../cluster/path.js';
import { MinHeap } from '../net/heap.js';

/** A settable clock: the fabric moves simulated time forward as it fires timers. */
export interface MutableClock extends Clock {
  set(ms: number): void;
}

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

/** Why a flow went the way it did (the report turns it into words). */
export type Cause =
  | 'encrypted'
  | 'same-node'
  | 'node-source'
  | 'to-node'
  | 'external-destination'
  | 'external-source'
  | 'no-cilium'
  | 'wireguard-off'
  | 'source-agent-without-wireguard'
  | 'destination-not-a-peer'
  | 'strict-drop'
  | 'wireguard-drop'
  | 'rogue-drop'
  | 'plaintext-seen'
  | 'not-delivered';

/** One flow's result. Reused from flow to flow: copy what you keep. */
export class FlowOutcome {
  path: PathClass = 'inter-node';
  encrypted = false;
  iface: Interface = 'eth0';
  verdict: Verdict = 'FORWARDED';
  dropReason: string | null = null;
  cause: Cause = 'not-delivered';
  /** The node whose datapath or device the cause names (the destination node that dropped, the source node...). */
  causeNode: string | null = null;
  /** The WireGuard drop reason from the engine, when a device dropped the flow's packets. */
  engineDrop: DropReason | 'port-unreachable' | null = null;
  /** Set when the flow's packet was decrypted from the wire: the peer (base64 key), receiver index and age. */
  wgPeer: string | null = null;
  wgSession = 0;
  wgSessionAgeMs = 0;
  /** Packets of this flow (and its handshakes) on eth0: WireGuard messages, and plaintext copies of the flow. */
  eth0WireGuard = 0;
  eth0Plaintext = 0;
  eth0Packets = 0;
  /** The source port the flow's packet carried (the echo identifier for ICMP). */
  sourcePort = 0;

  reset(): void {
    this.encrypted = false;
    this.iface = 'eth0';
    this.verdict = 'FORWARDED';
    this.dropReason = null;
    this.cause = 'not-delivered';
    this.causeNode = null;
    this.engineDrop = null;
    this.wgPeer = null;
    this.wgSession = 0;
    this.wgSessionAgeMs = 0;
    this.eth0WireGuard = 0;
    this.eth0Plaintext = 0;
    this.eth0Packets = 0;
  }
}

/**
 * A node's peer entry for one other node, looked up when a packet first goes between them. The engine's Peer is
 * created then too: with 100 nodes each device has 99 peers (with 5,000, 4,999) and creating one costs a DH and
 * its AllowedIPs; a simulation that never sends between two nodes need not pay for them. Routing, sessions and
 * checks are the device's own once the peer exists.
 */
interface Route {
  readonly node: string;
  config: WgPeerConfig;
  peer: Peer | null;
  /** The /32s of the entry, when sources may differ per node (full configurations): checked per packet. */
  allowed: Set<number> | null;
}

/** One machine on the wire: a node, or the rogue machine. */
interface Machine {
  readonly name: string;
  readonly ip: string;
  readonly ipNum: number;
  /** Its address as a UDP source, the same object every time (the Device keeps it as the peer's endpoint). */
  udpFrom: UdpEndpoint;
  /** Whether its configuration was read (on first use: a 5,000-node run touches only the nodes it sends between). */
  configured: boolean;
  dev: WgDeviceConfig | null;
  device: Device | null;
  /** Peer entries looked up so far, by peer node (null: not a peer). */
  routes: Map<string, Route | null>;
  /** Saved sessions of peers not used yet in this run (packed records), by public key. */
  saved: Map<string, string>;
  /** Saved sessions handed over before the machine was configured. */
  pending: DeviceSnapshot | null;
  /** Its place in machine order, nodes as added then the rogue (timers due at one instant fire in this order). */
  readonly order: number;
  /** The earliest timer deadline its device has in the fabric's timer queue (Infinity: none). */
  timerAt: number;
}

interface InFlight {
  readonly to: number;
  readonly port: number;
  readonly from: Machine;
  readonly payload: Uint8Array;
  readonly record: number;
}

/** Recognise a WireGuard message in a UDP payload by type, reserved bytes and length (as tshark's heuristic does). */
export function wireGuardMessageType(udpPayload: Uint8Array): number {
  if (udpPayload.length < 4 || udpPayload[1] !== 0 || udpPayload[2] !== 0 || udpPayload[3] !== 0) return 0;
  const t = udpPayload[0]!;
  const n = udpPayload.length;
  if ((t === 1 && n === 148) || (t === 2 && n === 92) || (t === 3 && n === 64) || (t === 4 && n >= 32 && n % 16 === 0)) return t;
  return 0;
}

/** The WireGuard message type carried by an IPv4 packet (UDP whose payload is a WireGuard message), else 0. */
export function wireGuardTypeOfPacket(packet: Uint8Array): number {
  if (packet[9] !== IPPROTO_UDP) return 0;
  const off = ((packet[0]! & 0x0f) << 2) + UDP_HEADER_SIZE;
  const n = readU16(packet, off - 4) - UDP_HEADER_SIZE;
  if (n < 4 || packet[off + 1] !== 0 || packet[off + 2] !== 0 || packet[off + 3] !== 0) return 0;
  const t = packet[off]!;
  if ((t === 1 && n === 148) || (t === 2 && n === 92) || (t === 3 && n === 64) || (t === 4 && n >= 32 && n % 16 === 0)) return t;
  return 0;
}

const ENGINE_DROP_PREFIX = 'WIREGUARD_';

/** The dropReason text for an engine drop reason: `invalid-mac1` → `WIREGUARD_INVALID_MAC1`. */
export function engineDropName(reason: string): string {
  return ENGINE_DROP_PREFIX + reason.toUpperCase().replace(/-/g, '_');
}

export class Fabric {
  readonly clock: MutableClock;
  /** Handshake initiations sent, handshakes completed (counted once, on the initiator), eth0 packets, flows run. */
  readonly counters = { initiations: 0, sessions: 0, eth0Packets: 0, flows: 0 };
  /** Node pairs (`a|b`, sorted) whose saved sessions this run did not resume (FabricOptions.freshSessions). */
  readonly freshPairs = new Set<string>();
  private readonly rng: Rng | undefined;
  private readonly streams: RunStreams | undefined;
  private readonly backend: CryptoBackend;
  private readonly capture: FabricOptions['capture'];
  private readonly keyLog: FabricOptions['keyLog'];
  private readonly detail: boolean;
  private readonly freshSessions: boolean;
  private readonly machines = new Map<string, Machine>();
  private readonly byIp = new Map<number, Machine>();
  private readonly addressCache = new Map<string, number>();
  private rogue: Machine | null = null;
  private source: WireGuardSource | null = null;
  private rogueSource: WireGuardSource | null = null;
  private strict: Cidr | null = null;
  private clusterOffValue: ClusterEncryptionOff = null;
  private ipId = 1;
  private tcpSeq = 0x1000;
  // the flow in progress and what happened to it
  private cur: Flow | null = null;
  private curId = -1;
  private delivered = false;
  private deliveredRecord = -1;
  private deliveredOn: Machine | null = null;
  private lastDrop: { node: string; reason: DropReason | 'port-unreachable' } | null = null;
  private currentRecord = -1;
  // the wire record of the flow in progress
  private recBytes: Uint8Array[] = [];
  private recCount = 0;
  private queue: InFlight[] = [];
  /** Machines by their device's earliest timer deadline (advanceTo asks only the devices that are due). */
  private readonly timers = new MinHeap<Machine>();
  /** Every device's peers for one node share that node's AllowedIPs list (parsedPrefixes): routed as one entry each. */
  private readonly hostLists = new SharedHostLists();
  private machineCount = 0;

  constructor(setup: FabricSetup, options: FabricOptions) {
    this.clock = options.clock;
    if (!options.rng && !options.streams) throw new TypeError('Fabric: give rng or streams');
    this.rng = options.rng;
    this.streams = options.streams;
    this.backend = options.backend;
    this.capture = options.capture;
    this.keyLog = options.keyLog;
    this.detail = options.detail ?? true;
    this.freshSessions = options.freshSessions ?? false;
    for (const n of setup.nodes) this.addMachine(n);
    this.configure(setup);
  }

  /** The cluster-wide reason nothing is encrypted, if any. */
  get clusterOff(): ClusterEncryptionOff {
    return this.clusterOffValue;
  }

  /** The Device of a node (undefined without WireGuard). */
  device(node: string): Device | undefined {
    const m = this.machines.get(node);
    if (!m) return undefined;
    this.ensure(m);
    return m.device ?? undefined;
  }

  /** The devices that exist so far (nodes touched by this run, or asked for), in setup order. */
  devices(): { node: string; device: Device }[] {
    const out: { node: string; device: Device }[] = [];
    for (const m of this.machines.values()) if (m.device) out.push({ node: m.name, device: m.device });
    return out;
  }

  private addMachine(n: { name: string; ip: string }, order = this.machineCount++): Machine {
    const ipNum = parseIPv4(n.ip);
    const m: Machine = {
      name: n.name,
      ip: n.ip,
      ipNum,
      udpFrom: { address: n.ip, port: 0 },
      configured: false,
      dev: null,
      device: null,
      routes: new Map(),
      saved: new Map(),
      pending: null,
      order,
      timerAt: Infinity,
    };
    this.machines.set(n.name, m);
    this.byIp.set(ipNum, m);
    return m;
  }

  private sourceOf(m: Machine): WireGuardSource {
    return (m === this.rogue ? this.rogueSource : this.source)!;
  }

  /**
   * Apply a (new) configuration: devices appear for agents that gained WireGuard and disappear for those that lost
   * it; peers follow their entries (a changed key re-creates the peer). Unchanged devices keep their sessions.
   * Machines not used yet read the configuration when they are.
   */
  configure(setup: FabricSetup): void {
    this.clusterOffValue = setup.clusterOff;
    this.strict = setup.strictEgressCidr ? parseCidr(setup.strictEgressCidr, true) : null;
    for (const n of setup.nodes) if (!this.machines.has(n.name)) this.addMachine(n);
    const source = wireGuardSource(setup.wireguard);
    if (!this.source || this.source.fingerprint !== source.fingerprint) {
      this.source = source;
      for (const m of this.machines.values()) if (m.configured) this.reconcile(m);
    }
    if (setup.rogue) {
      if (!this.rogue) {
        this.rogue = this.addMachine({ name: setup.rogue.name, ip: setup.rogue.ip }, ROGUE_ORDER);
        this.machines.delete(setup.rogue.name);
      }
      const rs = wireGuardSource(new Map([[setup.rogue.name, setup.rogue.config]]));
      if (!this.rogueSource || this.rogueSource.fingerprint !== rs.fingerprint) {
        this.rogueSource = rs;
        if (this.rogue.configured) this.reconcile(this.rogue);
      }
    }
  }

  /** Read a machine's configuration on first use (and put back sessions saved for it). */
  private ensure(m: Machine): void {
    if (m.configured) return;
    m.configured = true;
    this.applyDevice(m, this.sourceOf(m).device(m.name));
    const pending = m.pending;
    m.pending = null;
    if (pending) this.restoreSessions(m.name, pending);
  }

  private applyDevice(m: Machine, dev: WgDeviceConfig | null): void {
    if (!dev) {
      if (m.device) m.device.close();
      m.device = null;
      m.dev = null;
      m.routes.clear();
      m.saved.clear();
      return;
    }
    if (!m.device || !m.dev || m.dev.publicKey !== dev.publicKey || m.dev.listenPort !== dev.listenPort) {
      if (m.device) m.device.close();
      m.device = this.newDevice(m, dev);
      m.routes.clear();
      m.saved.clear();
    }
    m.dev = dev;
    m.udpFrom = { address: m.ip, port: dev.listenPort };
  }

  /** Bring a configured machine in line with a new source: its device, the peers it has, its saved sessions. */
  private reconcile(m: Machine): void {
    const source = this.sourceOf(m);
    this.applyDevice(m, source.device(m.name));
    const device = m.device;
    if (!device) return;
    for (const [node, route] of [...m.routes]) {
      const entry = source.peer(m.name, node);
      if (!route || !entry || entry.publicKey !== route.config.publicKey) {
        // a removed peer, or one whose key changed, is deleted with its sessions; lookups start again
        if (route?.peer) device.removePeer(route.peer);
        m.routes.delete(node);
        continue;
      }
      if (entry.endpoint.address !== route.config.endpoint.address || entry.endpoint.port !== route.config.endpoint.port || entry.allowedIps.join() !== route.config.allowedIps.join()) {
        if (route.peer) device.updatePeer(route.peer, { endpoint: { address: entry.endpoint.address, port: entry.endpoint.port }, allowedIps: entry.allowedIps });
        route.config = entry;
        route.allowed = this.sourceOf(m).uniform ? null : slash32s(entry.allowedIps);
      }
    }
    for (const key of [...m.saved.keys()]) if (!this.isPeerKey(m, key)) m.saved.delete(key);
  }

  private isPeerKey(m: Machine, publicKey: string): boolean {
    const source = this.sourceOf(m);
    const node = source.nodeOfKey(publicKey);
    return node !== undefined && source.peer(m.name, node)?.publicKey === publicKey;
  }

  /** `m`'s peer entry for `node`, looked up once. */
  private routeTo(m: Machine, node: string): Route | undefined {
    let r = m.routes.get(node);
    if (r === undefined) {
      const source = this.sourceOf(m);
      const entry = m.device ? source.peer(m.name, node) : null;
      r = entry ? { node, config: entry, peer: null, allowed: source.uniform ? null : slash32s(entry.allowedIps) } : null;
      m.routes.set(node, r);
    }
    return r ?? undefined;
  }

  /** The peer whose AllowedIPs hold `dst`, as `m`'s cilium_wg0 routes it (undefined: not into WireGuard). */
  private routeOf(m: Machine, dst: number): Route | undefined {
    const owner = this.sourceOf(m).owner(dst);
    if (owner === undefined || owner === m.name) return undefined;
    const r = this.routeTo(m, owner);
    if (r && r.allowed && !r.allowed.has(dst)) return undefined;
    return r;
  }

  /** The engine's Peer for a peer entry, created on first use (with its saved sessions, if any). */
  private materialize(m: Machine, route: Route): Peer {
    if (route.peer) return route.peer;
    const p = route.config;
    const peer = m.device!.addPeer({
      publicKey: publicKeyFromBytes(decodeKey(p.publicKey)),
      endpoint: { address: p.endpoint.address, port: p.endpoint.port },
      allowedIps: parsedPrefixes(p.allowedIps),
    });
    route.peer = peer;
    const saved = m.saved.get(p.publicKey);
    if (saved && this.freshSessions) {
      m.saved.delete(p.publicKey);
      this.freshPairs.add(m.name < route.node ? `${m.name}|${route.node}` : `${route.node}|${m.name}`);
    } else if (saved) {
      m.saved.delete(p.publicKey);
      try {
        restorePeer(m.device!, peer, unpackPeer(p.publicKey, saved));
      } catch {
        // a damaged snapshot only costs a new handshake
      }
    }
    return peer;
  }

  /**
   * Saved sessions for `node`'s device (from an earlier command). They go back onto each peer when the peer is
   * first used; peers never used in this run keep their saved state as it was. Ignored when the device's key changed.
   */
  restoreSessions(node: string, snap: DeviceSnapshot): void {
    const m = this.machines.get(node);
    if (!m || !isDeviceSnapshot(snap)) return;
    if (!m.configured) {
      m.pending = snap;
      return;
    }
    if (!m.device || !snapshotMatches(m.device, snap)) return;
    for (const key in snap.peers) {
      const packed = snap.peers[key];
      if (typeof packed === 'string' && this.isPeerKey(m, key)) m.saved.set(key, packed);
    }
  }

  /** The sessions of `node`'s device to save: used peers as they are now, unused ones as they were restored. */
  sessionSnapshot(node: string): DeviceSnapshot | undefined {
    const m = this.machines.get(node);
    if (!m) return undefined;
    if (!m.configured) {
      // not used in this run: its saved sessions stay as they were, if its key is still the same
      if (!m.pending) return undefined;
      const dev = this.source!.device(node);
      return dev && m.pending.version === SNAPSHOT_VERSION && dev.publicKey === m.pending.publicKey ? m.pending : undefined;
    }
    if (!m.device) return undefined;
    const snap = snapshotDevice(m.device);
    for (const [key, packed] of m.saved) snap.peers[key] = packed;
    return snap;
  }

  private newDevice(m: Machine, config: WgDeviceConfig): Device {
    return new Device({
      privateKey: privateKeyFromBytes(config.privateKey),
      clock: this.clock,
      rng: this.streams?.forNode(m.name) ?? this.rng!,
      peerRng: this.streams ? this.pairStream(m, this.streams) : undefined,
      backend: this.backend,
      listenPort: config.listenPort,
      mtu: config.mtu,
      send: (datagram, to) => this.transmitWireGuard(m, datagram, to),
      deliver: (packet) => this.onDeliver(m, packet),
      onEvent: (event) => this.onEvent(m, event),
      onTimerArmed: (at) => this.armed(m, at),
      keyLog: this.keyLog,
      sharedHostLists: this.hostLists,
    });
  }

  /** The stream of each of m's peers: its pair's (a key no node publishes stands for a machine of its own). */
  private pairStream(m: Machine, streams: RunStreams): (peer: PublicKey) => Rng {
    return (peer) => {
      const key = encodeKey(peer);
      return streams.forPair(m.name, this.sourceOf(m).nodeOfKey(key) ?? key);
    };
  }

  private onEvent(m: Machine, event: DeviceEvent): void {
    switch (event.type) {
      case 'dropped':
        this.lastDrop = { node: m.name, reason: event.reason };
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
    const index = this.recCount++;
    this.recBytes[index] = packet;
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
    for (let i = 0; i < q.length; i++) {
      if (i > 1_000_000) throw new Error('fabric: the wire did not quiesce');
      const item = q[i]!;
      const target = item.to === this.rogue?.ipNum ? this.rogue : this.byIp.get(item.to);
      if (target) this.ensure(target);
      if (!target || !target.device || !target.dev || target.dev.listenPort !== item.port) {
        // nobody listens on that port: the kernel drops it (ICMP port unreachable, not modelled)
        this.lastDrop = { node: target?.name ?? formatIPv4(item.to), reason: 'port-unreachable' };
        continue;
      }
      // the receiver's peer for the sender, if it has one configured (the rogue is nobody's)
      const back = this.routeTo(target, item.from.name);
      if (back && !back.peer) this.materialize(target, back);
      this.currentRecord = item.record;
      target.device.receive(item.payload, item.from.udpFrom);
    }
    q.length = 0;
    this.currentRecord = -1;
  }

  private onDeliver(m: Machine, packet: Uint8Array): void {
    const f = this.cur;
    if (!f || readU16(packet, 4) !== this.curId || readU32(packet, 12) !== f.src.ipNum || readU32(packet, 16) !== f.dst.ipNum) return;
    this.delivered = true;
    this.deliveredRecord = this.currentRecord;
    this.deliveredOn = m;
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
    this.delivered = false;
    this.deliveredRecord = -1;
    this.deliveredOn = null;
    this.lastDrop = null;
    this.recCount = 0;
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
    let sentTo: Machine | null = null;
    const src = flow.src;
    const dst = flow.dst;
    if (src.rogue) {
      const r = this.rogue;
      out.cause = 'rogue-drop';
      if (r) this.ensure(r);
      const rogueRoute = r?.device ? this.routeOf(r, dst.ipNum) : undefined;
      if (r && rogueRoute) {
        this.materialize(r, rogueRoute).send(packet);
        this.drain();
      } else if (r) {
        // no WireGuard route: the rogue sends in plaintext, like any outside machine
        this.onWire(r, packet);
        this.delivered = dst.node !== null;
      }
    } else if (src.kind === 'external' || src.node === null) {
      // from outside the cluster: the packet arrives on the destination node's eth0 as it is
      const m = dst.node !== null ? this.machines.get(dst.node) : undefined;
      if (!m) throw new RangeError(`fabric: flow from ${src.ip} to ${dst.ip} touches no node`);
      this.onWire(m, packet);
      this.delivered = true;
    } else {
      const from = this.machines.get(src.node);
      if (!from) throw new RangeError(`fabric: unknown node ${src.node}`);
      this.ensure(from);
      if (dst.node === src.node) {
        // same node: the lxc veth (or the host stack), never eth0
        out.iface = 'lxc';
        this.delivered = true;
      } else {
        const podToPod = src.kind === 'pod' && !src.hostNetwork && dst.kind === 'pod' && !dst.hostNetwork;
        const route = podToPod && from.device ? this.routeOf(from, dst.ipNum) : undefined;
        if (route) {
          out.iface = 'cilium_wg0';
          sentTo = this.machines.get(route.node) ?? null;
          // the route into cilium_wg0 already picked the peer by its AllowedIPs (the same prefixes the device holds),
          // so the device seals for that peer directly; the receiver still checks the inner source against its own
          this.materialize(from, route).send(packet);
          this.drain();
          if (this.delivered) out.wgPeer = route.peer!.name;
          this.readWire(flow, out, sentTo);
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
          this.delivered = true;
        }
      }
    }
    this.readWire(flow, out, sentTo);
    this.cur = null;
  }

  /** Read the wire record of the flow just run. */
  private readWire(flow: Flow, out: FlowOutcome, sentTo: Machine | null): void {
    for (let i = 0; i < this.recCount; i++) {
      const p = this.recBytes[i]!;
      out.eth0Packets++;
      const wgType = wireGuardTypeOfPacket(p);
      if (wgType !== 0) {
        out.eth0WireGuard++;
        // the receiver index of the transport message the destination decrypted the flow's packet from
        if (i === this.deliveredRecord && wgType === 4) out.wgSession = readU32LE(p, ((p[0]! & 0x0f) << 2) + UDP_HEADER_SIZE + 4);
      } else if (readU32(p, 12) === flow.src.ipNum && readU32(p, 16) === flow.dst.ipNum) {
        out.eth0Plaintext++;
      }
      this.recBytes[i] = EMPTY;
    }
    if (out.dropReason === null && !this.delivered) {
      out.verdict = 'DROPPED';
      const d = this.lastDrop;
      out.engineDrop = d?.reason ?? null;
      out.dropReason = d ? (d.reason === 'port-unreachable' ? 'PORT_UNREACHABLE' : engineDropName(d.reason)) : 'NO_SESSION';
      out.causeNode = d?.node ?? sentTo?.name ?? null;
      if (out.cause !== 'rogue-drop') out.cause = 'wireguard-drop';
      return;
    }
    if (out.verdict === 'DROPPED') return;
    out.encrypted = this.deliveredRecord >= 0 && out.eth0Plaintext === 0;
    if (!out.encrypted) out.wgPeer = null;
    out.cause = this.explain(flow, out);
  }

  /** Why the flow ended as it did (for the report's words; `encrypted` is already read from the wire). */
  private explain(flow: Flow, out: FlowOutcome): Cause {
    if (out.encrypted) {
      out.causeNode = this.deliveredOn?.name ?? null;
      return 'encrypted';
    }
    if (out.eth0Plaintext > 0 && out.iface === 'cilium_wg0') return 'plaintext-seen';
    if (out.iface === 'lxc') return 'same-node';
    const { src, dst } = flow;
    if (src.kind === 'external') return 'external-source';
    if (dst.kind === 'external') return 'external-destination';
    if (src.kind === 'node' || src.hostNetwork) return 'node-source';
    if (dst.kind === 'node' || dst.hostNetwork) return 'to-node';
    if (this.clusterOffValue === 'no-cilium') return 'no-cilium';
    if (this.clusterOffValue === 'wireguard-off') return 'wireguard-off';
    const from = src.node !== null ? this.machines.get(src.node) : undefined;
    if (!from?.device) {
      out.causeNode = src.node;
      return 'source-agent-without-wireguard';
    }
    out.causeNode = dst.node;
    return 'destination-not-a-peer';
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
      this.recCount = 0;
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
      for (let i = 0; i < this.recCount; i++) this.recBytes[i] = EMPTY;
      this.recCount = 0;
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

  private *allMachines(): Iterable<Machine> {
    yield* this.machines.values();
    if (this.rogue) yield this.rogue;
  }

  /** The node machines (not the rogue) and their devices, for persistence. */
  nodeDevices(): Map<string, Device> {
    const out = new Map<string, Device>();
    for (const m of this.machines.values()) if (m.device) out.set(m.name, m.device);
    return out;
  }

  /** Close every device (erasing session keys). */
  close(): void {
    for (const m of this.allMachines()) m.device?.close();
  }
}

const EMPTY = new Uint8Array(0);

/** The /32 prefixes of an AllowedIPs list, as numbers. */
function slash32s(prefixes: readonly string[]): Set<number> | null {
  const out = new Set<number>();
  for (const text of prefixes) {
    const c = parseCidr(text, true);
    // a wider prefix: no per-address check (the source's owner() already matched it)
    if (c.bits !== 32) return null;
    out.add(c.base);
  }
  return out;
}

/** Age of the peer's session that the peer knows by `remoteIndex` (the receiver index on the wire). */
function sessionAge(peer: Peer, remoteIndex: number, now: number): number {
  for (const kp of [peer.current, peer.previous, peer.next]) if (kp && kp.remoteIndex === remoteIndex) return now - kp.createdAt;
  return 0;
}

function readU32LE(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

/** A deterministic ephemeral source port (32768–60999, Linux's range) per flow; the echo identifier for ICMP. */
function ephemeralPort(flow: Flow, id: number): number {
  return 32768 + ((flow.src.ipNum ^ Math.imul(flow.dst.ipNum, 31) ^ Math.imul(id, 2654435761)) >>> 0) % 28232;
}

/** A node's own endpoint (the host: `hostNetwork` is a pod's property, false here). */
export function nodeEndpoint(n: FabricNode): Endpoint {
  return { kind: 'node', name: n.name, namespace: null, node: n.name, ip: n.ip, hostNetwork: false, ipNum: parseIPv4(n.ip) };
}

/** The rogue machine comes after every node in machine order. */
const ROGUE_ORDER = Number.MAX_SAFE_INTEGER;

/**
 * A peer entry's AllowedIPs, parsed once per list: a source hands every node the same list for a given peer node, so
 * its 31 prefixes are parsed and held once, not once in each of the (up to 4,999) devices that add that peer. The
 * devices keep the parsed prefixes as they are and never change them.
 */
const parsedLists = new WeakMap<readonly string[], readonly Prefix[]>();

function parsedPrefixes(list: readonly string[]): readonly Prefix[] {
  let parsed = parsedLists.get(list);
  if (!parsed) {
    parsed = list.map((text) => {
      const c = parsePrefix(text);
      if (!c) throw new RangeError(`allowed IP is not a valid prefix: ${JSON.stringify(text)}`);
      return c;
    });
    parsedLists.set(list, parsed);
  }
  return parsed;
}
