/**
 * The wire record and the verdict read off it. The fabric does not decide what is encrypted: while a flow runs, the
 * datapath (datapath.ts) records every packet that crosses the wire and where the flow's packet was delivered; after
 * the flow, `readVerdict` reads that record. A flow is encrypted when its packet reached the destination by being
 * decrypted from a WireGuard transport message on the wire and never crossed the wire in plaintext.
 */
import type { DropReason } from '../wireguard/device.js';
import type { PathClass } from '../cluster/path.js';
import { IPPROTO_UDP, readU16, readU32, UDP_HEADER_SIZE } from './packets.js';
import type { ClusterEncryptionOff, Flow, Interface, Verdict } from './types.js';

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

const EMPTY = new Uint8Array(0);

/** What crossed the wire during the flow in progress, and what became of the flow's packet. One per fabric, reused. */
export class WireRecord {
  /** The packets on any eth0, in order (entries past `count` are stale). */
  readonly packets: Uint8Array[] = [];
  count = 0;
  /** Whether the flow's own packet reached its destination's stack. */
  delivered = false;
  /** The index of the wire packet the flow's packet was decrypted from (-1: not decrypted from the wire). */
  deliveredRecord = -1;
  /** The machine that decrypted and delivered it. */
  deliveredOn: string | null = null;
  /** The last drop the engine (or the kernel: no listener) reported. */
  lastDrop: { node: string; reason: DropReason | 'port-unreachable' } | null = null;
  /** The wire packet being received right now (-1: none). */
  current = -1;

  /** Start the record of a new flow. */
  begin(): void {
    this.delivered = false;
    this.deliveredRecord = -1;
    this.deliveredOn = null;
    this.lastDrop = null;
    this.count = 0;
  }

  /** Record one packet; returns its index. */
  put(packet: Uint8Array): number {
    const index = this.count++;
    this.packets[index] = packet;
    return index;
  }

  /** The flow's packet was delivered on `node`, out of the wire packet being received (if any). */
  deliver(node: string): void {
    this.delivered = true;
    this.deliveredRecord = this.current;
    this.deliveredOn = node;
  }

  /** Forget the packets (they are not kept past the flow or the timer tick that sent them). */
  clear(): void {
    for (let i = 0; i < this.count; i++) this.packets[i] = EMPTY;
    this.count = 0;
  }
}

/** What the verdict's explanation asks beyond the record: why nothing is encrypted cluster-wide, who runs WireGuard. */
export interface VerdictContext {
  readonly clusterOff: ClusterEncryptionOff;
  /** Whether the node's agent runs a cilium_wg0 now. */
  hasWireGuard(node: string): boolean;
}

/** Read the wire record of the flow just run into `out` (and forget its packets). `sentTo`: the peer node it was sealed for. */
export function readVerdict(rec: WireRecord, flow: Flow, out: FlowOutcome, sentTo: string | null, ctx: VerdictContext): void {
  const packets = rec.packets;
  for (let i = 0; i < rec.count; i++) {
    const p = packets[i]!;
    out.eth0Packets++;
    const wgType = wireGuardTypeOfPacket(p);
    if (wgType !== 0) {
      out.eth0WireGuard++;
      // the receiver index of the transport message the destination decrypted the flow's packet from
      if (i === rec.deliveredRecord && wgType === 4) out.wgSession = readU32LE(p, ((p[0]! & 0x0f) << 2) + UDP_HEADER_SIZE + 4);
    } else if (readU32(p, 12) === flow.src.ipNum && readU32(p, 16) === flow.dst.ipNum) {
      out.eth0Plaintext++;
    }
    packets[i] = EMPTY;
  }
  if (out.dropReason === null && !rec.delivered) {
    out.verdict = 'DROPPED';
    const d = rec.lastDrop;
    out.engineDrop = d?.reason ?? null;
    out.dropReason = d ? (d.reason === 'port-unreachable' ? 'PORT_UNREACHABLE' : engineDropName(d.reason)) : 'NO_SESSION';
    out.causeNode = d?.node ?? sentTo;
    if (out.cause !== 'rogue-drop') out.cause = 'wireguard-drop';
    return;
  }
  if (out.verdict === 'DROPPED') return;
  out.encrypted = rec.deliveredRecord >= 0 && out.eth0Plaintext === 0;
  if (!out.encrypted) out.wgPeer = null;
  out.cause = explain(rec, flow, out, ctx);
}

/** Why the flow ended as it did (for the report's words; `encrypted` is already read from the wire). */
function explain(rec: WireRecord, flow: Flow, out: FlowOutcome, ctx: VerdictContext): Cause {
  if (out.encrypted) {
    out.causeNode = rec.deliveredOn;
    return 'encrypted';
  }
  if (out.eth0Plaintext > 0 && out.iface === 'cilium_wg0') return 'plaintext-seen';
  if (out.iface === 'lxc') return 'same-node';
  const { src, dst } = flow;
  if (src.kind === 'external') return 'external-source';
  if (dst.kind === 'external') return 'external-destination';
  if (src.kind === 'node' || src.hostNetwork) return 'node-source';
  if (dst.kind === 'node' || dst.hostNetwork) return 'to-node';
  if (ctx.clusterOff === 'no-cilium') return 'no-cilium';
  if (ctx.clusterOff === 'wireguard-off') return 'wireguard-off';
  if (src.node === null || !ctx.hasWireGuard(src.node)) {
    out.causeNode = src.node;
    return 'source-agent-without-wireguard';
  }
  out.causeNode = dst.node;
  return 'destination-not-a-peer';
}

function readU32LE(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}
