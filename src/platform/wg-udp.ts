/**
 * A WireGuard Device on a real UDP socket and the real clock: the thin adapter between the socket-free engine and
 * node:dgram. Datagrams in go to device.receive, datagrams out go to socket.send, and one timeout is kept armed for
 * the device's next timer deadline.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { CryptoBackend } from '../wireguard/crypto-backend.js';
import { Device, type DeviceEvent, type Endpoint, type KeyLogEntry, type Peer } from '../wireguard/device.js';
import type { PrivateKey } from '../wireguard/keys.js';
import { systemClock } from './clock.js';
import type { Clock, Rng } from './types.js';
import { systemRng } from './rng.js';
import { sodiumBackend } from './wg-sodium.js';

export interface UdpWireGuardOptions {
  readonly privateKey: PrivateKey;
  /** UDP port to bind (0: any free port). */
  readonly listenPort?: number;
  /** Address to bind (default 127.0.0.1). */
  readonly bindAddress?: string;
  readonly clock?: Clock;
  readonly rng?: Rng;
  readonly backend?: CryptoBackend;
  readonly deliver?: (packet: Uint8Array, peer: Peer) => void;
  readonly onEvent?: (event: DeviceEvent) => void;
  readonly keyLog?: (entry: KeyLogEntry) => void;
  /** Called for every datagram sent or received (for captures). */
  readonly onWire?: (datagram: Uint8Array, direction: 'in' | 'out', remote: Endpoint, local: Endpoint) => void;
}

export class UdpWireGuard {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    readonly device: Device,
    private readonly socket: Socket,
    readonly local: Endpoint,
    private readonly clock: Clock,
  ) {}

  /**
   * Bind a socket and start a device on it.
   * @throws {Error} if the socket cannot be bound (port in use, bad address).
   */
  static async open(options: UdpWireGuardOptions): Promise<UdpWireGuard> {
    const bindAddress = options.bindAddress ?? '127.0.0.1';
    const socket = createSocket(bindAddress.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.listenPort ?? 0, bindAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const address = socket.address();
    const local: Endpoint = { address: address.address, port: address.port };
    const clock = options.clock ?? systemClock;
    let self: UdpWireGuard | undefined;
    const device = new Device({
      privateKey: options.privateKey,
      clock,
      rng: options.rng ?? systemRng,
      backend: options.backend ?? sodiumBackend,
      listenPort: local.port,
      send: (datagram, to) => {
        options.onWire?.(datagram, 'out', to, local);
        socket.send(datagram, to.port, to.address);
        self?.schedule();
      },
      deliver: options.deliver,
      onEvent: options.onEvent,
      keyLog: options.keyLog,
    });
    self = new UdpWireGuard(device, socket, local, clock);
    const adapter = self;
    socket.on('message', (msg, rinfo) => {
      const datagram = new Uint8Array(msg.buffer, msg.byteOffset, msg.length);
      const from: Endpoint = { address: rinfo.address, port: rinfo.port };
      options.onWire?.(datagram, 'in', from, local);
      adapter.device.receive(datagram, from);
      adapter.schedule();
    });
    socket.on('error', () => {
      // a send to an unreachable port (ICMP error) is not fatal: WireGuard retries on its timers
    });
    return self;
  }

  /** Re-arm the single timeout for the device's next timer deadline. Call after driving the device directly. */
  schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.device.nextTimerAt();
    if (next === undefined) return;
    const delay = Math.max(0, next - this.clock.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.device.tick();
      this.schedule();
    }, delay);
    this.timer.unref();
  }

  /** Route an inner packet through the device and re-arm timers. */
  sendPacket(packet: Uint8Array): void {
    this.device.sendPacket(packet);
    this.schedule();
  }

  /** Stop timers, erase keys and close the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.device.close();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

/** Resolve after `ms` milliseconds of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolve when `done()` turns true (checked every `pollMs`), when `timeoutMs` passes, or on SIGINT; says which.
 */
export async function waitUntil(done: () => boolean, timeoutMs: number | undefined, pollMs = 20): Promise<'done' | 'timeout' | 'interrupted'> {
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  const start = Date.now();
  try {
    for (;;) {
      if (done()) return 'done';
      if (interrupted) return 'interrupted';
      if (timeoutMs !== undefined && Date.now() - start >= timeoutMs) return 'timeout';
      await sleep(pollMs);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** A monotonic millisecond clock with sub-millisecond resolution (for round-trip times). */
export function monotonicMs(): number {
  return performance.now();
}
