/**
 * A WireGuard Device on a real UDP socket and the real clock: the thin composition of the socket-free engine
 * (wireguard/device.ts) and a platform UDP socket (platform/udp.ts). Datagrams in go to device.receive, datagrams out
 * go to socket.send, and one alarm is kept armed for the device's next timer deadline.
 */
import { Alarm, systemClock } from '../platform/clock.js';
import { systemRng } from '../platform/rng.js';
import type { Clock, Rng } from '../platform/types.js';
import { openUdpSocket, type UdpSocket } from '../platform/udp.js';
import type { CryptoBackend } from '../wireguard/crypto-backend.js';
import { Device, type DeviceEvent, type Endpoint, type KeyLogEntry, type Peer } from '../wireguard/device.js';
import type { PrivateKey } from '../wireguard/keys.js';
import { sodiumBackend } from './sodium-backend.js';

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
  private readonly alarm = new Alarm();
  private closed = false;

  private constructor(
    readonly device: Device,
    private readonly socket: UdpSocket,
    readonly local: Endpoint,
    private readonly clock: Clock,
  ) {}

  /**
   * Bind a socket and start a device on it.
   * @throws {Error} if the socket cannot be bound (port in use, bad address).
   */
  static async open(options: UdpWireGuardOptions): Promise<UdpWireGuard> {
    let self: UdpWireGuard | undefined;
    const socket = await openUdpSocket({
      port: options.listenPort,
      address: options.bindAddress,
      onMessage: (datagram, from) => {
        if (!self) return;
        options.onWire?.(datagram, 'in', from, self.local);
        self.device.receive(datagram, from);
        self.schedule();
      },
    });
    const local = socket.local;
    const clock = options.clock ?? systemClock;
    const device = new Device({
      privateKey: options.privateKey,
      clock,
      rng: options.rng ?? systemRng,
      backend: options.backend ?? sodiumBackend,
      listenPort: local.port,
      send: (datagram, to) => {
        options.onWire?.(datagram, 'out', to, local);
        socket.send(datagram, to);
        self?.schedule();
      },
      deliver: options.deliver,
      onEvent: options.onEvent,
      keyLog: options.keyLog,
    });
    self = new UdpWireGuard(device, socket, local, clock);
    return self;
  }

  /** Re-arm the single alarm for the device's next timer deadline. Call after driving the device directly. */
  schedule(): void {
    if (this.closed) return;
    const next = this.device.nextTimerAt();
    if (next === undefined) {
      this.alarm.clear();
      return;
    }
    this.alarm.set(Math.max(0, next - this.clock.now()), () => {
      this.device.tick();
      this.schedule();
    });
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
    this.alarm.clear();
    this.device.close();
    await this.socket.close();
  }
}
