// A two-device test bench: devices A and B on a lossless (or filtered) zero-latency link, one simulated clock.
import { parseIPv4 } from '../../src/net/ip.js';
import { buildPacket } from '../../src/fabric/packets.js';
import { SimClock } from '../../src/platform/clock.js';
import { seededRng } from '../../src/platform/rng.js';
import { sodiumBackend } from '../../src/wg-host/sodium-backend.js';
import type { CryptoBackend } from '../../src/wireguard/crypto-backend.js';
import { Device, type DeviceEvent, type Endpoint, type KeyLogEntry, type Peer } from '../../src/wireguard/device.js';
import { generatePrivateKey, type PresharedKey, type PrivateKey } from '../../src/wireguard/keys.js';

export const A_ENDPOINT: Endpoint = { address: '127.0.0.1', port: 51001 };
export const B_ENDPOINT: Endpoint = { address: '127.0.0.1', port: 51002 };
export const A_IP = '10.9.0.1';
export const B_IP = '10.9.0.2';

export interface Sent {
  readonly at: number;
  readonly from: 'a' | 'b';
  readonly datagram: Uint8Array;
}

export interface Pair {
  clock: SimClock;
  a: Device;
  b: Device;
  peerOfA: Peer; // B as seen by A
  peerOfB: Peer; // A as seen by B
  events: { at: number; on: 'a' | 'b'; event: DeviceEvent }[];
  sent: Sent[];
  delivered: { at: number; on: 'a' | 'b'; packet: Uint8Array }[];
  keyLog: KeyLogEntry[];
  /** Return false to lose a datagram in flight. */
  link: (s: Sent) => boolean;
  /** Deliver everything in flight (and whatever that causes). */
  flush(): void;
  /** Advance the clock to `until`, firing timers at their deadlines and flushing after each step. */
  runUntil(until: number): void;
  /** Datagrams sent but not delivered yet. */
  inFlight: Sent[];
}

export function makePair(options: { seed?: string; backend?: CryptoBackend; psk?: PresharedKey; aKey?: PrivateKey; bKey?: PrivateKey } = {}): Pair {
  const seed = options.seed ?? 'pair';
  const clock = new SimClock(Date.UTC(2026, 0, 1));
  const keyRng = seededRng(`${seed}:keys`);
  const aKey = options.aKey ?? generatePrivateKey(keyRng);
  const bKey = options.bKey ?? generatePrivateKey(keyRng);
  const pair = {
    clock,
    events: [],
    sent: [],
    delivered: [],
    keyLog: [],
    inFlight: [],
    link: () => true,
  } as unknown as Pair;
  const mk = (name: 'a' | 'b', key: PrivateKey, port: number) =>
    new Device({
      privateKey: key,
      clock,
      rng: seededRng(`${seed}:${name}`),
      backend: options.backend ?? sodiumBackend,
      listenPort: port,
      send: (datagram) => {
        const s = { at: clock.now(), from: name, datagram };
        pair.sent.push(s);
        pair.inFlight.push(s);
      },
      deliver: (packet) => pair.delivered.push({ at: clock.now(), on: name, packet }),
      onEvent: (event) => pair.events.push({ at: clock.now(), on: name, event }),
      keyLog: (e) => pair.keyLog.push(e),
    });
  pair.a = mk('a', aKey, A_ENDPOINT.port);
  pair.b = mk('b', bKey, B_ENDPOINT.port);
  pair.peerOfA = pair.a.addPeer({ publicKey: pair.b.publicKey, endpoint: B_ENDPOINT, allowedIps: [`${B_IP}/32`], presharedKey: options.psk });
  pair.peerOfB = pair.b.addPeer({ publicKey: pair.a.publicKey, endpoint: A_ENDPOINT, allowedIps: [`${A_IP}/32`], presharedKey: options.psk });
  pair.flush = () => {
    for (let guard = 0; pair.inFlight.length > 0; guard++) {
      if (guard > 100_000) throw new Error('flush: no quiescence');
      const s = pair.inFlight.shift()!;
      if (!pair.link(s)) continue;
      if (s.from === 'a') pair.b.receive(s.datagram, A_ENDPOINT);
      else pair.a.receive(s.datagram, B_ENDPOINT);
    }
  };
  pair.runUntil = (until: number) => {
    pair.flush();
    for (;;) {
      const next = [pair.a.nextTimerAt(), pair.b.nextTimerAt()].filter((x): x is number => x !== undefined && x <= until);
      if (next.length === 0) break;
      const t = Math.min(...next);
      if (t > clock.now()) clock.set(t);
      pair.a.tick();
      pair.b.tick();
      pair.flush();
    }
    if (until > clock.now()) clock.set(until);
  };
  return pair;
}

/** An IPv4 ICMP echo request src → dst carrying `payloadLength` bytes (0, 1, 2, … by offset), checksums filled in. */
export function ipv4Packet(src: string, dst: string, payloadLength = 56, seq = 1): Uint8Array {
  const payload = Uint8Array.from({ length: payloadLength }, (_, k) => (28 + k) & 255);
  return buildPacket({ protocol: 'ICMP', src: parseIPv4(src), dst: parseIPv4(dst), srcPort: 0, dstPort: 0, id: seq, payload });
}

export function eventsOf<T extends DeviceEvent['type']>(pair: Pair, type: T, on?: 'a' | 'b'): { at: number; on: 'a' | 'b'; event: Extract<DeviceEvent, { type: T }> }[] {
  return pair.events.filter((e) => e.event.type === type && (on === undefined || e.on === on)) as never;
}
