/**
 * A UDP socket on node:dgram, as the layers above need one: bind, send datagrams, get datagrams as plain byte arrays,
 * close. Nothing of WireGuard in it (wg-host/udp-device.ts puts a device on one).
 */
import { createSocket } from 'node:dgram';

/** An address and port, as a datagram's source or destination (the same shape as wireguard's Endpoint). */
export interface UdpAddress {
  readonly address: string;
  readonly port: number;
}

export interface UdpSocket {
  /** The bound address and port (the port the OS picked when 0 was asked). */
  readonly local: UdpAddress;
  /** Send one datagram (fire and forget: an unreachable port is not an error here). */
  send(datagram: Uint8Array, to: UdpAddress): void;
  /** Stop receiving and release the port. */
  close(): Promise<void>;
}

export interface UdpSocketOptions {
  /** Port to bind (0 or absent: any free port). */
  readonly port?: number;
  /** Address to bind (default 127.0.0.1); an IPv6 address binds a udp6 socket. */
  readonly address?: string;
  /** Called with every datagram received; the bytes are the caller's to keep. */
  readonly onMessage: (datagram: Uint8Array, from: UdpAddress) => void;
}

/**
 * Bind a socket.
 * @throws {Error} if it cannot be bound (port in use, bad address).
 */
export async function openUdpSocket(options: UdpSocketOptions): Promise<UdpSocket> {
  const bindAddress = options.address ?? '127.0.0.1';
  const socket = createSocket(bindAddress.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 0, bindAddress, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const bound = socket.address();
  const local: UdpAddress = { address: bound.address, port: bound.port };
  socket.on('message', (msg, rinfo) => {
    options.onMessage(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), { address: rinfo.address, port: rinfo.port });
  });
  socket.on('error', () => {
    // a send to an unreachable port (ICMP error) is not fatal: the protocol above retries on its own timers
  });
  let closed: Promise<void> | undefined;
  return {
    local,
    send(datagram, to) {
      socket.send(datagram, to.port, to.address);
    },
    close() {
      closed ??= new Promise<void>((resolve) => socket.close(() => resolve()));
      return closed;
    },
  };
}
