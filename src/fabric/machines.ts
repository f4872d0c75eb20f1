/**
 * The machines on the fabric's wire: the nodes, and the rogue machine (`node add-rogue`). Each has its cilium_wg0
 * (a real WireGuard Device) when its agent runs WireGuard; its configuration is read on first use, its peers are
 * looked up and created when a packet first goes between two machines, and its saved sessions go back onto each peer
 * then. A 5,000-node cluster has 25 million peer entries; a run pays only for the pairs it sends between.
 *
 * The datapath (datapath.ts) plugs each device into the wire through `WireHooks`; this file never touches a packet.
 */
import { parseCidr, parseIPv4, parsePrefix, type Prefix } from '../net/ip.js';
import type { Rng } from '../platform/types.js';
import type { CryptoBackend } from '../wireguard/crypto-backend.js';
import { Device, type DeviceEvent, type Endpoint as UdpEndpoint, type KeyLogEntry, type Peer } from '../wireguard/device.js';
import { decodeKey, encodeKey, privateKeyFromBytes, publicKeyFromBytes, type PublicKey } from '../wireguard/keys.js';
import { isDeviceSnapshot, restorePeer, SNAPSHOT_VERSION, snapshotDevice, snapshotMatches, unpackPeer, type DeviceSnapshot } from './device-snapshot.js';
import type { RunStreams } from './streams.js';
import type { Endpoint, FabricNode, FabricSetup, MutableClock, WgPeerConfig } from './types.js';
import { wireGuardSource, type WgDeviceConfig, type WireGuardSource } from './wg-source.js';

/**
 * A node's peer entry for one other node, looked up when a packet first goes between them. The engine's Peer is
 * created then too: with 100 nodes each device has 99 peers (with 5,000, 4,999) and creating one costs a DH and
 * its AllowedIPs; a simulation that never sends between two nodes need not pay for them. Routing, sessions and
 * checks are the device's own once the peer exists.
 */
export interface Route {
  readonly node: string;
  config: WgPeerConfig;
  peer: Peer | null;
  /** The /32s of the entry, when sources may differ per node (full configurations): checked per packet. */
  allowed: Set<number> | null;
}

/** One machine on the wire: a node, or the rogue machine. */
export interface Machine {
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

/** The datapath's side of each Device callback: what a machine's cilium_wg0 does to the wire and the clock. */
export interface WireHooks {
  /** The device sends a UDP datagram (a WireGuard message) out of the machine's eth0. */
  transmit(from: Machine, datagram: Uint8Array, to: UdpEndpoint): void;
  /** The device hands a decrypted inner packet to the machine's stack. */
  deliver(on: Machine, packet: Uint8Array): void;
  event(on: Machine, event: DeviceEvent): void;
  /** The device armed a timer for `at`. */
  armed(m: Machine, at: number): void;
}

export interface MachineOptions {
  readonly clock: MutableClock;
  readonly rng?: Rng;
  readonly streams?: RunStreams;
  readonly backend: CryptoBackend;
  readonly keyLog?: (entry: KeyLogEntry) => void;
  /** Do not resume saved sessions: a peer used in this run starts a new handshake (FabricOptions.freshSessions). */
  readonly freshSessions?: boolean;
}

/** The rogue machine comes after every node in machine order. */
const ROGUE_ORDER = Number.MAX_SAFE_INTEGER;

export class Machines {
  /** Node pairs (`a|b`, sorted) whose saved sessions this run did not resume (FabricOptions.freshSessions). */
  readonly freshPairs = new Set<string>();
  /** The node machines by name (the rogue is not among them). */
  readonly byName = new Map<string, Machine>();
  private readonly byIp = new Map<number, Machine>();
  rogue: Machine | null = null;
  private source: WireGuardSource | null = null;
  private rogueSource: WireGuardSource | null = null;
  private count = 0;
  private readonly freshSessions: boolean;

  constructor(
    private readonly options: MachineOptions,
    private readonly wire: WireHooks,
  ) {
    this.freshSessions = options.freshSessions ?? false;
  }

  /** The machine (node or rogue) at an address, if any. */
  at(ip: number): Machine | undefined {
    return ip === this.rogue?.ipNum ? this.rogue : this.byIp.get(ip);
  }

  add(n: { name: string; ip: string }, order = this.count++): Machine {
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
    this.byName.set(n.name, m);
    this.byIp.set(ipNum, m);
    return m;
  }

  private sourceOf(m: Machine): WireGuardSource {
    return (m === this.rogue ? this.rogueSource : this.source)!;
  }

  /**
   * Apply a (new) WireGuard configuration: devices appear for agents that gained WireGuard and disappear for those
   * that lost it; peers follow their entries (a changed key re-creates the peer). Unchanged devices keep their
   * sessions. Machines not used yet read the configuration when they are.
   */
  configure(setup: FabricSetup): void {
    for (const n of setup.nodes) if (!this.byName.has(n.name)) this.add(n);
    const source = wireGuardSource(setup.wireguard);
    if (!this.source || this.source.fingerprint !== source.fingerprint) {
      this.source = source;
      for (const m of this.byName.values()) if (m.configured) this.reconcile(m);
    }
    if (setup.rogue) {
      if (!this.rogue) {
        this.rogue = this.add({ name: setup.rogue.name, ip: setup.rogue.ip }, ROGUE_ORDER);
        this.byName.delete(setup.rogue.name);
      }
      const rs = wireGuardSource(new Map([[setup.rogue.name, setup.rogue.config]]));
      if (!this.rogueSource || this.rogueSource.fingerprint !== rs.fingerprint) {
        this.rogueSource = rs;
        if (this.rogue.configured) this.reconcile(this.rogue);
      }
    }
  }

  /** Read a machine's configuration on first use (and put back sessions saved for it). */
  ensure(m: Machine): void {
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
  routeTo(m: Machine, node: string): Route | undefined {
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
  routeOf(m: Machine, dst: number): Route | undefined {
    const owner = this.sourceOf(m).owner(dst);
    if (owner === undefined || owner === m.name) return undefined;
    const r = this.routeTo(m, owner);
    if (r && r.allowed && !r.allowed.has(dst)) return undefined;
    return r;
  }

  /** The engine's Peer for a peer entry, created on first use (with its saved sessions, if any). */
  materialize(m: Machine, route: Route): Peer {
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
    const m = this.byName.get(node);
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
    const m = this.byName.get(node);
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
    const { clock, streams, rng, backend, keyLog } = this.options;
    const wire = this.wire;
    return new Device({
      privateKey: privateKeyFromBytes(config.privateKey),
      clock,
      rng: streams?.forNode(m.name) ?? rng!,
      peerRng: streams ? this.pairStream(m, streams) : undefined,
      backend,
      listenPort: config.listenPort,
      mtu: config.mtu,
      send: (datagram, to) => wire.transmit(m, datagram, to),
      deliver: (packet) => wire.deliver(m, packet),
      onEvent: (event) => wire.event(m, event),
      onTimerArmed: (at) => wire.armed(m, at),
      keyLog,
    });
  }

  /** The stream of each of m's peers: its pair's (a key no node publishes stands for a machine of its own). */
  private pairStream(m: Machine, streams: RunStreams): (peer: PublicKey) => Rng {
    return (peer) => {
      const key = encodeKey(peer);
      return streams.forPair(m.name, this.sourceOf(m).nodeOfKey(key) ?? key);
    };
  }

  /** Every machine: the nodes in setup order, then the rogue. */
  *all(): Iterable<Machine> {
    yield* this.byName.values();
    if (this.rogue) yield this.rogue;
  }
}

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

/** A node's own endpoint (the host: `hostNetwork` is a pod's property, false here). */
export function nodeEndpoint(n: FabricNode): Endpoint {
  return { kind: 'node', name: n.name, namespace: null, node: n.name, ip: n.ip, hostNetwork: false, ipNum: parseIPv4(n.ip) };
}
