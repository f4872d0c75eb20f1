/**
 * The distinct flows of a Hubble analysis, found by protocol and 5-tuple: the table the analysis folds every flow
 * line into, and the flow key as text.
 */
import { ipv4Number } from '../net/ip.js';
import type { ObservedFlow } from './hubble-types.js';

/** The de-duplication key of a flow as text (the request direction's protocol and 5-tuple). */
export function flowKey(f: Pick<ObservedFlow, 'protocol' | 'wireSource' | 'sourcePort' | 'wireDestination' | 'destinationPort'>): string {
  return `${f.protocol} ${f.wireSource}:${f.sourcePort} ${f.wireDestination}:${f.destinationPort}`;
}

const PROTO_INDEX: Readonly<Record<string, number>> = { TCP: 0, UDP: 1, SCTP: 2, ICMPv4: 3, ICMPv6: 4, other: 5 };

/**
 * Distinct flows by protocol and 5-tuple. IPv4 flows are found through two maps with number keys (source address
 * and port; destination address, port and protocol: each under 2^53), which costs a fraction of hashing a text key
 * per line; anything else (IPv6) uses a text key.
 */
export class FlowTable {
  private readonly bySource = new Map<number, Map<number, ObservedFlow>>();
  private readonly byText = new Map<string, ObservedFlow>();
  private readonly all: ObservedFlow[] = [];

  get size(): number {
    return this.all.length;
  }

  private keys(proto: string, src: string, sport: number, dst: string, dport: number): [number, number] | undefined {
    const a = ipv4Number(src);
    const b = ipv4Number(dst);
    const p = PROTO_INDEX[proto];
    if (Number.isNaN(a) || Number.isNaN(b) || p === undefined || sport > 65535 || dport > 65535) return undefined;
    return [a * 65536 + sport, (b * 65536 + dport) * 8 + p];
  }

  get(proto: string, src: string, sport: number, dst: string, dport: number): ObservedFlow | undefined {
    const k = this.keys(proto, src, sport, dst, dport);
    if (k) return this.bySource.get(k[0])?.get(k[1]);
    return this.byText.get(`${proto} ${src}:${sport} ${dst}:${dport}`);
  }

  add(f: ObservedFlow): void {
    this.all.push(f);
    const k = this.keys(f.protocol, f.wireSource, f.sourcePort, f.wireDestination, f.destinationPort);
    if (!k) {
      this.byText.set(flowKey(f), f);
      return;
    }
    let inner = this.bySource.get(k[0]);
    if (!inner) this.bySource.set(k[0], (inner = new Map()));
    inner.set(k[1], f);
  }

  values(): readonly ObservedFlow[] {
    return this.all;
  }
}
