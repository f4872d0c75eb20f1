/**
 * `aks-wg wg ping DEST`: a userspace WireGuard endpoint on a UDP socket that handshakes with one peer and sends ICMP
 * echo requests from --address to DEST through the tunnel, printing ping(8)-like lines. Exit 0 if any reply came
 * back, 1 with the reason (no handshake, no reply) otherwise. Needs no root and no TUN device.
 */
import * as path from 'node:path';
import { PRINTED, type CommandSpec } from '../command.js';
import { CommandError, ValidationError } from '../../errors.js';
import type { Env } from '../../platform/env.js';
import { monotonicMs, sleep } from '../../platform/clock.js';
import { formatKeyLog, type KeyLogEntry } from '../../wireguard/device.js';
import { encodeKey, type PresharedKey, type PrivateKey, type PublicKey } from '../../wireguard/keys.js';
import { icmpEcho, ipv4, parseEcho } from './icmp.js';
import { ADDRESS, KEY_LOG, PEER, PRESHARED_KEY, PRIVATE_KEY, MAX_TIMEOUT_S, ipv4Flag, parseEndpoint, peerKey, portFlag, presharedKeyFromFile, privateKeyFromFile, openUdp } from './shared.js';
import type { Endpoint } from '../../wireguard/device.js';

export interface WgPingParams {
  readonly dest: string;
  readonly privateKey: PrivateKey;
  readonly peer: PublicKey;
  readonly endpoint: Endpoint;
  readonly address: string;
  readonly presharedKey?: PresharedKey;
  readonly listenPort?: number;
  readonly count: number;
  readonly timeoutSeconds: number;
  /** Milliseconds between echo requests (ping's -i; 1000). */
  readonly intervalMs?: number;
  readonly keyLogFile?: string;
}

export interface WgPingResult {
  readonly transmitted: number;
  readonly received: number;
  readonly handshake: boolean;
  readonly rttsMs: number[];
}

/** iputils' precision: more digits for shorter times. */
export function formatRtt(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/**
 * Run the ping. Writes reply lines and the summary to stdout.
 * @throws {CommandError} when no reply came back (saying whether the handshake failed).
 */
export async function wgPing(params: WgPingParams, env: Env): Promise<WgPingResult> {
  const src = ipv4(params.address)!;
  const dst = ipv4(params.dest)!;
  const keyLog = params.keyLogFile ? keyLogWriter(env, params.keyLogFile) : undefined;
  const sentAt = new Map<number, number>();
  const rtts: number[] = [];
  const id = env.pid & 0xffff;
  let handshake = false;
  const udp = await openUdp({
    privateKey: params.privateKey,
    listenPort: params.listenPort ?? 0,
    bindAddress: isLoopback(params.endpoint.address) ? params.endpoint.address.startsWith('::') ? '::1' : '127.0.0.1' : '0.0.0.0',
    rng: env.rng,
    clock: env.clock,
    keyLog,
    onEvent: (e) => {
      if (e.type === 'session-established') handshake = true;
    },
    deliver: (packet) => {
      const echo = parseEcho(packet);
      if (!echo || echo.type !== 0 || echo.id !== id || !equal(echo.src, dst)) return;
      const t0 = sentAt.get(echo.seq);
      if (t0 === undefined) return;
      sentAt.delete(echo.seq);
      const rtt = monotonicMs() - t0;
      rtts.push(rtt);
      env.stdout.write(`${8 + echo.payload.length} bytes from ${params.dest}: icmp_seq=${echo.seq} ttl=${echo.ttl} time=${formatRtt(rtt)} ms\n`);
    },
  });
  const started = monotonicMs();
  const deadline = started + params.timeoutSeconds * 1000;
  const interval = params.intervalMs ?? 1000;
  let transmitted = 0;
  try {
    udp.device.addPeer({ publicKey: params.peer, presharedKey: params.presharedKey, endpoint: params.endpoint, allowedIps: [`${params.dest}/32`] });
    env.stdout.write(`PING ${params.dest} (${params.dest}) from ${params.address} via ${params.endpoint.address}:${params.endpoint.port}: 56(84) bytes of data.\n`);
    const payload = new Uint8Array(56).map((_, i) => i);
    for (let seq = 1; seq <= params.count && monotonicMs() < deadline; seq++) {
      sentAt.set(seq, monotonicMs());
      udp.sendPacket(icmpEcho(src, dst, 8, id, seq, payload));
      transmitted++;
      const next = monotonicMs() + interval;
      while (monotonicMs() < Math.min(next, deadline) && (seq < params.count || sentAt.size > 0)) await sleep(5);
    }
    while (sentAt.size > 0 && monotonicMs() < deadline) await sleep(5);
  } finally {
    await udp.close();
  }
  const elapsed = Math.round(monotonicMs() - started);
  const received = rtts.length;
  const loss = transmitted ? Math.round(((transmitted - received) / transmitted) * 100) : 100;
  env.stdout.write(`\n--- ${params.dest} ping statistics ---\n`);
  env.stdout.write(`${transmitted} packets transmitted, ${received} received, ${loss}% packet loss, time ${elapsed}ms\n`);
  if (received > 0) {
    const min = Math.min(...rtts), max = Math.max(...rtts);
    const avg = rtts.reduce((a, b) => a + b, 0) / received;
    const mdev = Math.sqrt(rtts.reduce((a, b) => a + (b - avg) ** 2, 0) / received);
    env.stdout.write(`rtt min/avg/max/mdev = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)}/${mdev.toFixed(3)} ms\n`);
  }
  if (received === 0) {
    if (!handshake) {
      throw new CommandError(`no handshake with peer ${encodeKey(params.peer)} at ${params.endpoint.address}:${params.endpoint.port} within ${params.timeoutSeconds} s`);
    }
    throw new CommandError(`handshake completed but no reply from ${params.dest} within ${params.timeoutSeconds} s`);
  }
  return { transmitted, received, handshake, rttsMs: rtts };
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A key log callback appending Wireshark key log lines to `file` (created mode 0600). */
export function keyLogWriter(env: Env, file: string): (entry: KeyLogEntry) => void {
  const full = path.resolve(env.cwd, file);
  return (entry) => env.fs.writeFileSync(full, formatKeyLog(entry), { flag: 'a', mode: 0o600 });
}

export const wgPingSpec: CommandSpec = {
  path: ['wg', 'ping'],
  summary: 'Handshake with a WireGuard peer over UDP and ping an address through the tunnel (no root, no TUN).',
  positionals: [{ name: 'DEST', required: true }],
  flags: [
    PRIVATE_KEY,
    PEER,
    { long: 'endpoint', kind: 'string', required: true, help: "The peer's UDP endpoint, HOST:PORT." },
    ADDRESS,
    PRESHARED_KEY,
    { long: 'listen-port', kind: 'int', range: [0, 65535], help: 'Local UDP port (default: any free port).' },
    { long: 'count', short: 'c', kind: 'int', range: [1, 2_147_483_647], default: 3, help: 'Echo requests to send.' },
    { long: 'timeout', kind: 'int', range: [1, MAX_TIMEOUT_S], default: 10, help: 'Seconds to wait for the handshake and the replies in total.' },
    KEY_LOG,
  ],
  output: false,
  examples: ['aks-wg wg ping 10.9.0.1 --private-key a.key --peer <b64> --endpoint 127.0.0.1:51820 --address 10.9.0.2 -c 3'],
  async run({ env, args, positionals }) {
    const count = Number(args['count']);
    const timeout = Number(args['timeout']);
    if (!(count >= 1)) throw new ValidationError(`--count: expected a positive integer, got ${String(args['count'])}`);
    if (!(timeout >= 1)) throw new ValidationError(`--timeout: expected a positive number of seconds, got ${String(args['timeout'])}`);
    const params: WgPingParams = {
      dest: ipv4Flag(positionals[0]!, 'DEST'),
      privateKey: privateKeyFromFile(env, String(args['privateKey'])),
      peer: peerKey(String(args['peer'])),
      endpoint: parseEndpoint(String(args['endpoint'])),
      address: ipv4Flag(String(args['address']), '--address'),
      presharedKey: presharedKeyFromFile(env, args['presharedKey'] as string | undefined),
      listenPort: portFlag(args['listenPort'], '--listen-port', true),
      count,
      timeoutSeconds: timeout,
      keyLogFile: args['keyLog'] as string | undefined,
    };
    await wgPing(params, env);
    return PRINTED;
  },
};

